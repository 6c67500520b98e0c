//! The bureau-wide window (集中认证期) as a job: everyone in cycle, in one street or the
//! district, becomes due on one date. The route records the job and answers 202; the
//! work moves 1,000 records a committed batch. A record already due on the date no longer
//! matches, so a runner that takes the job up after a crash goes on where the last batch
//! left it, and running the same window twice moves nobody twice.
use chrono::{NaiveDate, Utc};
use entity::transferee;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::extract::Staff;
use crate::error::ApiError;
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::jobs;
use crate::state::AppState;

/// The job kind of a window.
pub const WINDOW_JOB: &str = "certification_window";

/// Records moved per committed batch.
const BATCH: u64 = 1000;

/// What the job was asked (its `params`).
#[derive(Debug, Serialize, Deserialize)]
struct Params {
    due_on: NaiveDate,
    /// One street, or the whole district.
    street: Option<String>,
    admin: Uuid,
    request_id: Option<String>,
}

/// What it did so far (its `result`).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Moved {
    pub moved: u64,
}

/// Records the job; the caller starts [`run_job`] outside the request.
pub async fn create(
    state: &Context,
    admin: &Staff,
    due_on: NaiveDate,
    street: Option<String>,
) -> Result<entity::job::Model, ApiError> {
    let params = Params {
        due_on,
        street,
        admin: admin.id,
        request_id: admin.request_id.clone(),
    };
    let params = serde_json::to_value(params).map_err(ApiError::internal)?;
    Ok(jobs::create(&state.db, WINDOW_JOB, &params, Some(admin.id)).await?)
}

/// Runs a window job to its end, unless another runner has it.
pub async fn run_job(state: AppState, id: Uuid) {
    match jobs::claim(&state.db, id, jobs::stale_after(&state.config)).await {
        Ok(Some(job)) => run_claimed(&state, job).await,
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "certification: cannot take the window job"),
    }
}

/// Window jobs nobody runs (queued, or left by a runner that died), for the sweeper.
pub async fn resume_left(state: &Context) {
    loop {
        match jobs::claim_next(&state.db, WINDOW_JOB, jobs::stale_after(&state.config)).await {
            Ok(Some(job)) => run_claimed(state, job).await,
            Ok(None) => break,
            Err(e) => {
                tracing::error!(error = %e, "certification: cannot look for window jobs");
                break;
            }
        }
    }
}

async fn run_claimed(state: &Context, job: entity::job::Model) {
    let outcome = match move_all(state, &job).await {
        Ok(moved) => serde_json::to_value(moved).map_err(|_| "server.internal"),
        Err(e) => {
            tracing::error!(code = e.code.as_str(), "certification: window job failed");
            Err(e.code.as_str())
        }
    };
    if let Err(e) = jobs::finish(&state.db, job.id, outcome).await {
        tracing::error!(error = %e, "certification: cannot finish the window job");
    }
}

/// Moves the matching records batch by batch, reporting progress after each commit, then
/// records one audit event for the whole window.
async fn move_all(state: &Context, job: &entity::job::Model) -> Result<Moved, ApiError> {
    let p: Params = serde_json::from_str(&job.params).map_err(ApiError::internal)?;
    let mut total: Moved = job
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default();
    let left = matching(&p).count(&state.db).await?;
    let expected = Some(total.moved + left);
    loop {
        let txn = state.begin().await?;
        let moved = move_batch(&txn, &p).await?;
        txn.commit().await?;
        total.moved += moved;
        let partial = serde_json::to_value(&total).map_err(ApiError::internal)?;
        jobs::progress(&state.db, job.id, total.moved, expected, Some(partial)).await?;
        if moved < BATCH {
            break;
        }
    }
    let txn = state.begin().await?;
    audit::record(
        &txn,
        audit::Event {
            actor: Actor::Staff {
                id: p.admin,
                role: crate::auth::domain::Role::Admin.as_str(),
            },
            action: "certification.window",
            target_kind: "street",
            target_id: p.street.clone().unwrap_or_else(|| "district".into()),
            summary: format!("{} due on {}", total.moved, p.due_on),
            request_id: p.request_id.clone(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(total)
}

/// The records still to move: in cycle, in the street, not yet due on the date.
fn matching(p: &Params) -> Select<transferee::Entity> {
    let mut query = transferee::Entity::find()
        .filter(transferee::Column::AllowanceStatus.ne("stopped"))
        .filter(transferee::Column::DueOn.ne(p.due_on));
    if let Some(street) = &p.street {
        query = query.filter(transferee::Column::StreetId.eq(street));
    }
    query
}

/// Moves up to [`BATCH`] records in the caller's transaction; how many it moved.
async fn move_batch(conn: &impl ConnectionTrait, p: &Params) -> Result<u64, ApiError> {
    let ids: Vec<Uuid> = matching(p)
        .select_only()
        .column(transferee::Column::Id)
        .order_by_asc(transferee::Column::Id)
        .limit(BATCH)
        .into_tuple()
        .all(conn)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let moved = transferee::Entity::update_many()
        .col_expr(transferee::Column::DueOn, Expr::value(p.due_on))
        .col_expr(transferee::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(transferee::Column::Id.is_in(ids))
        .filter(transferee::Column::AllowanceStatus.ne("stopped"))
        .exec(conn)
        .await?;
    Ok(moved.rows_affected)
}
