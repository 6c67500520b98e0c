//! The database connection: SQLite in the data folder by default, PostgreSQL when
//! `DATABASE_URL` says so. The rest of the code sees one `DatabaseConnection` either way.
use std::path::Path;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    TransactionTrait,
};

use crate::config::Config;

/// The SQLite file inside the data folder.
pub const SQLITE_FILE: &str = "minzheng.sqlite";

/// How long a writer waits for SQLite's single write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the pool the configuration names.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    match &config.database_url {
        Some(url) => connect_url(url, config.db_max_connections, None).await,
        None => {
            let path = config.data_dir.join(SQLITE_FILE);
            // The URL only selects the backend; the real path is set on the options below.
            connect_url(
                "sqlite://minzheng.sqlite?mode=rwc",
                config.db_max_connections,
                Some(&path),
            )
            .await
        }
    }
}

async fn connect_url(
    url: &str,
    max_connections: u32,
    sqlite_file: Option<&Path>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let file = sqlite_file.map(Path::to_path_buf);
    options.map_sqlx_sqlite_opts(move |o| {
        // The file path is set here rather than in the URL so that any folder name works.
        let o = match &file {
            Some(path) => o.filename(path).create_if_missing(true),
            None => o,
        };
        o.journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true)
            // Deleted and overwritten content is zeroed rather than left in free pages:
            // sealed or not, a withdrawn ID number or a purged draft must not linger in
            // the file.
            .pragma("secure_delete", "ON")
    });
    Database::connect(options).await
}

/// On SQLite, once per database: `VACUUM`, so that pages freed before `secure_delete`
/// was on (the masks and birth dates migration 17 rewrote, among others) no longer hold
/// their old content. Recorded in `app_meta`; PostgreSQL needs nothing.
pub async fn vacuum_once(db: &DatabaseConnection) -> Result<(), DbErr> {
    const MARKER: &str = "sqlite_vacuumed";
    if db.get_database_backend() != DbBackend::Sqlite
        || entity::app_meta::Entity::find_by_id(MARKER)
            .one(db)
            .await?
            .is_some()
    {
        return Ok(());
    }
    db.execute_unprepared("VACUUM").await?;
    entity::app_meta::Entity::insert(entity::app_meta::ActiveModel {
        key: sea_orm::Set(MARKER.to_owned()),
        value: sea_orm::Set(chrono::Utc::now().to_rfc3339()),
        created_at: sea_orm::Set(chrono::Utc::now()),
    })
    .exec(db)
    .await?;
    Ok(())
}

/// Brings the schema up to date. On PostgreSQL the run holds an advisory lock inside
/// one transaction, so that instances starting together do not migrate twice.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db, None).await;
    }
    let txn = db.begin().await?;
    txn.execute_unprepared("SELECT pg_advisory_xact_lock(7714253)")
        .await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// Whether the database answers, for `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> bool {
    matches!(
        tokio::time::timeout(Duration::from_secs(2), db.ping()).await,
        Ok(Ok(()))
    )
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a transaction that reads first and upgrades later fails under
/// contention with "database is locked" instead of waiting its turn.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    let mut options = sea_orm::TransactionOptions::default();
    if db.get_database_backend() == DbBackend::Sqlite {
        options.sqlite_transaction_mode = Some(sea_orm::SqliteTransactionMode::Immediate);
    }
    db.begin_with_options(options).await
}

/// Whether an error is a unique-constraint violation (a rule the schema enforces).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Whether an error is a transient conflict between transactions, after which the whole
/// transaction rolled back and a retry may succeed: PostgreSQL `40P01` (deadlock) or
/// `40001` (serialization failure), SQLite `SQLITE_BUSY` (5, and its extended codes) or
/// `SQLITE_LOCKED` (6) after the busy timeout.
pub fn is_contention(err: &DbErr) -> bool {
    let (DbErr::Exec(runtime) | DbErr::Query(runtime) | DbErr::Conn(runtime)) = err else {
        return false;
    };
    let sea_orm::RuntimeErr::SqlxError(sqlx_err) = runtime else {
        return false;
    };
    let Some(code) = sqlx_err.as_database_error().and_then(|e| e.code()) else {
        return false;
    };
    match code.as_ref() {
        "40P01" | "40001" => true,
        // SQLite extended codes keep the primary code in the low byte.
        sqlite => sqlite
            .parse::<i32>()
            .is_ok_and(|n| matches!(n & 0xff, 5 | 6)),
    }
}

/// A raw statement written with PostgreSQL's `$1, $2, ...` placeholders, turned into
/// SQLite's numbered `?1, ?2, ...` when needed, so one SQL text serves both stores.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> sea_orm::Statement {
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

#[cfg(test)]
mod contention_tests {
    use super::*;
    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    /// A second writer that finds SQLite busy (no waiting here) is told to retry, not
    /// answered a 500.
    #[tokio::test]
    async fn a_busy_database_is_a_retryable_conflict() {
        let path = std::env::temp_dir().join(format!("minzheng-busy-{}.db", uuid::Uuid::now_v7()));
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .busy_timeout(std::time::Duration::ZERO);
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .unwrap();
        let db = sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
        let first = begin_write(&db).await.unwrap();
        first
            .execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .unwrap();
        let err = begin_write(&db).await.unwrap_err();
        assert!(is_contention(&err), "{err}");
        let answer = crate::error::ApiError::from(err);
        assert_eq!(answer.code.as_str(), "server.busy");
        assert!(!is_contention(&DbErr::Custom("other".into())));
        drop(first);
        let _ = std::fs::remove_file(path);
    }
}
