//! The `minzheng` command: `serve` (the default), `migrate`, `openapi`, `audit-verify`,
//! `admin-reset`, `rotate-blind-index`, `import-transferees`.
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use minzheng::config::{Config, Overrides, Secrets};
use minzheng::platform::db;
use minzheng::startup::Application;
use minzheng::{openapi, telemetry};

#[derive(Parser)]
#[command(
    name = "minzheng",
    version,
    about = "民政自助服务后端 / civil-affairs self-service backend"
)]
struct Cli {
    /// Configuration file (default: ./minzheng.toml when present).
    #[arg(long, env = "MINZHENG_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations, seed a fresh database and serve HTTP (the default).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080; env MINZHENG_BIND].
        #[arg(long, value_name = "ADDR")]
        bind: Option<std::net::SocketAddr>,
        /// Folder for the SQLite database and dev keys [default: ./data; env MINZHENG_DATA_DIR].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Run pending migrations and exit.
    Migrate {
        /// Folder of the SQLite database [default: ./data; env MINZHENG_DATA_DIR].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Print the OpenAPI contract (JSON) to standard output.
    Openapi,
    /// Check the audit chain; exits 1 and names the first broken link if there is one.
    AuditVerify {
        /// Folder of the SQLite database [default: ./data; env MINZHENG_DATA_DIR].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Give a staff account (say the only admin) a one-time password, printed once; its
    /// two-factor is cleared, it is enabled and unlocked, its sessions end; audited.
    AdminReset {
        /// The account's username.
        username: String,
        /// Folder of the SQLite database [default: ./data; env MINZHENG_DATA_DIR].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Key every stored blind index again with MINZHENG_BLIND_INDEX_KEY_NEXT, in committed
    /// batches (run again to finish a run that stopped); stop the service first.
    RotateBlindIndex {
        /// Folder of the SQLite database [default: ./data; env MINZHENG_DATA_DIR].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Import the transferee registry from a CSV file (columns name,id_number,street,
    /// village[,phone][,due_on]); all rows or none; re-running updates, never duplicates.
    ImportTransferees {
        /// The CSV file (UTF-8).
        file: PathBuf,
        /// Folder of the SQLite database [default: ./data; env MINZHENG_DATA_DIR].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    minzheng::startup::keep_large_buffers_in_mmap();
    let started = Instant::now();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve {
        bind: None,
        data_dir: None,
    });
    if let Command::Openapi = command {
        print!("{}", openapi::spec_json());
        return ExitCode::SUCCESS;
    }
    let overrides = match &command {
        Command::Serve { bind, data_dir } => Overrides {
            bind: *bind,
            data_dir: data_dir.clone(),
        },
        Command::Migrate { data_dir }
        | Command::AuditVerify { data_dir }
        | Command::AdminReset { data_dir, .. }
        | Command::RotateBlindIndex { data_dir }
        | Command::ImportTransferees { data_dir, .. } => Overrides {
            bind: None,
            data_dir: data_dir.clone(),
        },
        Command::Openapi => Overrides::default(),
    };
    let config = match Config::load(cli.config.as_deref(), &overrides) {
        Ok(config) => config,
        Err(e) => return fail(&e),
    };
    telemetry::init(&config);
    let runtime = actix_web::rt::System::new();
    let result = match command {
        Command::Migrate { .. } => runtime.block_on(migrate(config)),
        Command::AuditVerify { .. } => runtime.block_on(audit_verify(config)),
        Command::AdminReset { username, .. } => runtime.block_on(admin_reset(config, &username)),
        Command::RotateBlindIndex { .. } => runtime.block_on(rotate_blind_index(config)),
        Command::ImportTransferees { file, .. } => {
            runtime.block_on(import_transferees(config, &file))
        }
        _ => runtime.block_on(serve(config, started)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e.as_ref()),
    }
}

async fn serve(config: Config, started: Instant) -> Result<(), Box<dyn std::error::Error>> {
    let secrets = Secrets::load(&config)?;
    let app = Application::build(config, secrets).await?;
    app.stop_on_signals()?;
    // The start-up figure in the README is this number, from process start to listening.
    let startup_ms = started.elapsed().as_millis() as u64;
    tracing::info!(port = app.port(), startup_ms, "listening");
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(&config.data_dir)?;
    let conn = db::connect(&config).await?;
    db::migrate(&conn).await?;
    tracing::info!("migrations are up to date");
    Ok(())
}

async fn audit_verify(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let conn = db::connect(&config).await?;
    // Events still in the inbox belong on the chain before it is checked.
    minzheng::platform::audit::chain_pending(&conn).await?;
    match minzheng::platform::audit::verify(&conn).await? {
        minzheng::platform::audit::Verdict::Intact(n) => {
            println!("audit chain intact: {n} events");
            Ok(())
        }
        minzheng::platform::audit::Verdict::Broken { seq, reason } => {
            Err(format!("audit chain broken at event {seq}: {reason}").into())
        }
    }
}

async fn admin_reset(config: Config, username: &str) -> Result<(), Box<dyn std::error::Error>> {
    let conn = db::connect(&config).await?;
    db::migrate(&conn).await?;
    let (account, password) = minzheng::auth::staff::reset_from_server(&conn, username)
        .await
        .map_err(|e| format!("cannot reset {username}: {}", e.code.as_str()))?;
    // The one place the password is shown: it is not logged and not stored in clear.
    println!("{}: one-time password {password}", account.username);
    println!("sign in with it, then choose a new password and set up two-factor again");
    minzheng::platform::audit::chain_pending(&conn).await?;
    Ok(())
}

async fn import_transferees(
    config: Config,
    file: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let secrets = Secrets::load(&config)?;
    std::fs::create_dir_all(&config.data_dir)?;
    let conn = db::connect(&config).await?;
    db::migrate(&conn).await?;
    minzheng::certification::import::command(&conn, &config, &secrets, file).await
}

async fn rotate_blind_index(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let secrets = Secrets::load(&config)?;
    let conn = db::connect(&config).await?;
    db::migrate(&conn).await?;
    minzheng::admin::blind_index::command(&conn, &secrets).await
}

fn fail(err: &dyn std::error::Error) -> ExitCode {
    eprintln!("minzheng: {err}");
    ExitCode::FAILURE
}
