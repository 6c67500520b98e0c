//! Builds the running service from a configuration: the one place where every room is
//! mounted, used by `minzheng serve` and by the integration tests alike.
use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use sea_orm::DatabaseConnection;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::config::{Config, Secrets};
use crate::health::MetricsRegistry;
use crate::platform::outbox::Mailer;
use crate::platform::{db, http, idempotency};
use crate::seed::{self, Seeded};
use crate::state::AppState;
use crate::{admin, applications, marriage, openapi};

pub use crate::mount::mount;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Database(#[source] sea_orm::DbErr),
    #[error("cannot run the migrations: {0}")]
    Migrate(#[source] sea_orm::DbErr),
    #[error("cannot seed the demo data: {0}")]
    Seed(String),
    #[error("cannot listen on {0}: {1}")]
    Bind(std::net::SocketAddr, #[source] std::io::Error),
    #[error("{0}")]
    Other(String),
}

/// A bound, not yet running service.
pub struct Application {
    server: Server,
    port: u16,
    db: DatabaseConnection,
}

impl Application {
    /// Connects, migrates (unless turned off), seeds a fresh database, and binds. Port 0
    /// picks a free port (tests); [`Application::port`] says which.
    pub async fn build(config: Config, secrets: Secrets) -> Result<Application, StartupError> {
        let started = Instant::now();
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            StartupError::Other(format!(
                "cannot create the data folder {}: {e}",
                config.data_dir.display()
            ))
        })?;
        let db = db::connect(&config).await.map_err(StartupError::Database)?;
        if config.migrate_on_start {
            db::migrate(&db).await.map_err(StartupError::Migrate)?;
            db::vacuum_once(&db).await.map_err(StartupError::Migrate)?;
        }
        // The catalogue of services is reference data, not demo data: always there.
        applications::catalogue::seed(&db)
            .await
            .map_err(|e| StartupError::Seed(e.to_string()))?;
        // So are the district's streets (registry files and staff scopes name them).
        admin::service::seed_streets(&db)
            .await
            .map_err(|e| StartupError::Seed(e.to_string()))?;
        // Before anything computes an index: the stored ones must be under our keys.
        admin::blind_index::check(&db, &crate::platform::crypto::Sealer::new(&secrets))
            .await
            .map_err(|e| StartupError::Other(e.to_string()))?;
        if config.seed_demo_data {
            announce(
                seed::run(&db, config.mode == crate::config::Mode::Dev)
                    .await
                    .map_err(|e| StartupError::Seed(e.to_string()))?,
            );
        }
        let listener =
            TcpListener::bind(config.bind).map_err(|e| StartupError::Bind(config.bind, e))?;
        let port = listener
            .local_addr()
            .map_err(|e| StartupError::Bind(config.bind, e))?
            .port();
        let mailer = Mailer::from_config(&config, secrets.smtp_password.as_deref())
            .map_err(StartupError::Other)?;
        let state = AppState::new(
            db.clone(),
            std::sync::Arc::new(config.clone()),
            secrets,
            seat_holders(),
        );
        let worker = state.outbox_worker(mailer);
        tokio::spawn(worker.run());
        tokio::spawn(crate::platform::housekeeping::run(db.clone()));
        tokio::spawn(crate::platform::audit::chainer(db.clone()));
        tokio::spawn(marriage::sweeper::sweeper(state.clone()));
        tokio::spawn(applications::service::sweeper(state.clone()));
        tokio::spawn(crate::certification::cycle::sweeper(state.clone()));
        tokio::spawn(crate::funeral::service::sweeper(state.clone()));
        let server = serve(listener, &config, state)?;
        tracing::debug!(
            port,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "built"
        );
        Ok(Application { server, port, db })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database the app uses (tests inspect it).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Stops gracefully on SIGTERM or SIGINT: no new connections, in-flight requests
    /// finish (up to `shutdown_timeout_secs`). The handlers are in place when this
    /// returns, so a signal sent after "listening" is logged is never lost.
    pub fn stop_on_signals(&self) -> std::io::Result<()> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let handle = self.server.handle();
        actix_web::rt::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::info!("stopping: finishing in-flight requests");
            handle.stop(true).await;
        });
        Ok(())
    }

    /// Serves until stopped through [`Application::handle`] or a signal (see
    /// [`Application::stop_on_signals`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await?;
        self.db.close().await.ok();
        Ok(())
    }
}

/// Prints the first admin's password once, to the terminal, never to the log.
fn announce(seeded: Seeded) {
    if let Seeded::Now { admin_password } = seeded {
        println!(
            "\n  演示数据已写入 / demo data seeded.\n  首个管理员 / first admin: username `admin`, password `{admin_password}`\n  (只显示这一次，首次登录须修改 / shown only this once; change it at first sign-in)\n"
        );
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "middleware and routes in wrapping order"
)]
fn serve(listener: TcpListener, config: &Config, state: AppState) -> Result<Server, StartupError> {
    let spec = openapi::spec();
    let routes = web::Data::new(openapi::route_table(&spec));
    let contract = web::Data::new(openapi::ContractJson(openapi::spec_json_of(&spec)));
    let check = config
        .contract_check
        .then(|| openapi::errors::answer_check(&spec));
    let metrics = metrics()?;
    let registry = web::Data::new(MetricsRegistry(metrics.registry.clone()));
    let db = web::Data::new(state.db.clone());
    let keys = web::Data::new(idempotency::Keys {
        db: state.db.clone(),
        sealer: state.sealer.clone(),
        caller: crate::auth::extract::caller_key,
    });
    let state = web::Data::new(state);
    let deadline = Duration::from_secs(config.request_timeout_secs);
    // One line for the whole server (all workers share it).
    let admission = http::Admission::new(
        config.max_in_flight,
        config.max_in_flight_writes,
        Duration::from_millis(config.admission_wait_ms),
    );
    let body_limit = config.body_limit_bytes;
    let dev_mode = config.mode == crate::config::Mode::Dev;
    let mut server = HttpServer::new(move || {
        let admission = admission.clone();
        let check = check.clone();
        let app = App::new()
            .app_data(db.clone())
            .app_data(state.clone())
            .app_data(keys.clone())
            .app_data(routes.clone())
            .app_data(contract.clone())
            .app_data(registry.clone())
            .app_data(web::PayloadConfig::new(body_limit))
            .app_data(web::PathConfig::default().error_handler(http::path_error))
            .into_utoipa_app()
            .configure(mount)
            .into_app()
            .configure(openapi::pages::mount)
            .configure(|cfg| {
                if dev_mode {
                    crate::dev::mount(cfg);
                }
            })
            .service(
                SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::new(["/api/v1/openapi.json"])),
            )
            .service(web::redirect("/docs", "/docs/"))
            .configure(crate::console::mount)
            .default_service(web::to(http::unmatched));
        app.wrap(actix_web::middleware::from_fn(idempotency::middleware))
            .wrap(metrics.clone())
            .wrap_fn(move |req, srv| {
                http::handle(req, srv, deadline, admission.clone(), check.clone())
            })
    })
    .shutdown_timeout(config.shutdown_timeout_secs)
    .disable_signals();
    if config.workers > 0 {
        server = server.workers(config.workers);
    }
    let server = server
        .listen(listener)
        .map_err(|e| StartupError::Other(e.to_string()))?;
    Ok(server.run())
}

/// Request counts and latency by route pattern; unmatched paths share one label so that
/// scanners cannot blow up the series count.
fn metrics() -> Result<PrometheusMetrics, StartupError> {
    PrometheusMetricsBuilder::new("minzheng")
        .mask_unmatched_patterns("UNMATCHED")
        .build()
        .map_err(|e| StartupError::Other(format!("cannot set up metrics: {e}")))
}

/// glibc raises its mmap threshold each time a large block is freed, so after a few photo
/// uploads every photo-sized buffer comes from the per-thread heaps, which fragment and
/// never shrink: 20 uploads of 5 MB then hold over 500 MB. A fixed threshold keeps large
/// buffers in mmap, returned to the system when freed.
pub fn keep_large_buffers_in_mmap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; `main` calls this first, before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

/// The rooms that can give seats back on a day that closes after it was booked (see
/// `scheduling::closing`): listed here, at the top, so that the state holding them
/// imports no room.
pub fn seat_holders() -> Vec<crate::scheduling::holders::SeatHolder> {
    vec![crate::marriage::closing::seat_holder()]
}
