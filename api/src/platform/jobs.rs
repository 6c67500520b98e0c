//! Bulk work as jobs, for any room: a route records a job and answers 202 with its id;
//! a runner takes it (a conditional update, so one runner at a time across instances),
//! reports progress and a heartbeat as each committed batch ends, and records the
//! result. The work itself must be idempotent and resumable (each batch commits what it
//! did, and a row once handled no longer matches), so that a runner that died (a crash,
//! `kill -9`) is replaced: a running job whose heartbeat is `job_stale_secs` old (a
//! minute) is taken up again and finishes where the last batch left it.
use chrono::{Duration, Utc};
use entity::job;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

/// How old a running job's heartbeat may grow before another runner takes it up
/// (`job_stale_secs`, at least a second).
pub fn stale_after(config: &crate::config::Config) -> Duration {
    Duration::seconds(Ord::max(config.job_stale_secs, 1))
}

/// Records a queued job of `kind` with its input.
pub async fn create(
    db: &DatabaseConnection,
    kind: &str,
    params: &serde_json::Value,
    created_by: Option<Uuid>,
) -> Result<job::Model, DbErr> {
    let now = Utc::now();
    job::Entity::insert(job::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.to_owned()),
        status: Set("queued".into()),
        params: Set(params.to_string()),
        done: Set(0),
        total: Set(None),
        result: Set(None),
        error: Set(None),
        attempts: Set(0),
        created_by: Set(created_by),
        created_at: Set(now),
        heartbeat_at: Set(now),
        finished_at: Set(None),
    })
    .exec_with_returning(db)
    .await
}

pub async fn find(db: &DatabaseConnection, id: Uuid) -> Result<Option<job::Model>, DbErr> {
    job::Entity::find_by_id(id).one(db).await
}

/// Takes the job if nobody runs it (queued, or running with a heartbeat older than
/// `stale`: its runner died).
pub async fn claim(
    db: &DatabaseConnection,
    id: Uuid,
    stale: Duration,
) -> Result<Option<job::Model>, DbErr> {
    let now = Utc::now();
    let taken = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value("running"))
        .col_expr(job::Column::HeartbeatAt, Expr::value(now))
        .col_expr(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).add(1),
        )
        .filter(job::Column::Id.eq(id))
        .filter(claimable(now, stale))
        .exec(db)
        .await?;
    if taken.rows_affected == 1 {
        find(db, id).await
    } else {
        Ok(None)
    }
}

/// The next job of `kind` nobody runs, taken, oldest first.
pub async fn claim_next(
    db: &DatabaseConnection,
    kind: &str,
    stale: Duration,
) -> Result<Option<job::Model>, DbErr> {
    let candidates = job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .filter(claimable(Utc::now(), stale))
        .order_by_asc(job::Column::CreatedAt)
        .all(db)
        .await?;
    for candidate in candidates {
        if let Some(taken) = claim(db, candidate.id, stale).await? {
            return Ok(Some(taken));
        }
    }
    Ok(None)
}

fn claimable(now: chrono::DateTime<Utc>, stale: Duration) -> Condition {
    Condition::any().add(job::Column::Status.eq("queued")).add(
        Condition::all()
            .add(job::Column::Status.eq("running"))
            .add(job::Column::HeartbeatAt.lt(now - stale)),
    )
}

/// Progress after a committed batch; also the heartbeat. `partial` is the outcome so
/// far, which a runner taking the job up after a crash goes on from.
pub async fn progress(
    db: &DatabaseConnection,
    id: Uuid,
    done: u64,
    total: Option<u64>,
    partial: Option<serde_json::Value>,
) -> Result<(), DbErr> {
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::Done, Expr::value(done as i64))
        .col_expr(job::Column::HeartbeatAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(id));
    if let Some(total) = total {
        update = update.col_expr(job::Column::Total, Expr::value(total as i64));
    }
    if let Some(partial) = partial {
        update = update.col_expr(job::Column::Result, Expr::value(Some(partial.to_string())));
    }
    update.exec(db).await?;
    Ok(())
}

/// The job ended: its result, or the error code that stopped it.
pub async fn finish(
    db: &DatabaseConnection,
    id: Uuid,
    outcome: Result<serde_json::Value, &str>,
) -> Result<(), DbErr> {
    let (status, result, error) = match outcome {
        Ok(value) => ("done", Some(value.to_string()), None),
        Err(code) => ("failed", None, Some(code.to_owned())),
    };
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(status))
        .col_expr(job::Column::Result, Expr::value(result))
        .col_expr(job::Column::Error, Expr::value(error))
        .col_expr(job::Column::FinishedAt, Expr::value(Some(Utc::now())))
        .col_expr(job::Column::HeartbeatAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
