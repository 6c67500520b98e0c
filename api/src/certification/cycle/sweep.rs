//! The sweep over the registry in committed pages: reminders before the due date,
//! suspension after it.
use chrono::NaiveDate;
use entity::transferee;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::reminders::{Step, not_yet, remind, suspend};
use crate::error::ApiError;
use crate::platform::jobs;
use crate::state::AppState;

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"reminded_before": 120, "reminded_on": 8, "suspended": 3}))]
pub struct Swept {
    pub reminded_before: u64,
    pub reminded_on: u64,
    pub suspended: u64,
}

/// Rows a sweep takes per query.
pub(super) const PAGE: u64 = 200;

/// Not stopped and not exempt on `today`.
pub(super) fn in_cycle(today: NaiveDate) -> Condition {
    Condition::all()
        .add(transferee::Column::AllowanceStatus.ne("stopped"))
        .add(
            Condition::any()
                .add(transferee::Column::ExemptUntil.is_null())
                .add(transferee::Column::ExemptUntil.lt(today)),
        )
}

/// Reminds before and on the due date, and suspends payment the day after it.
pub async fn sweep(state: &AppState, today: NaiveDate) -> Result<Swept, ApiError> {
    sweep_reporting(state, today, &mut Progress::default()).await
}

/// A sweep's running count, reported to its job (if it runs as one) after every page.
#[derive(Default)]
pub(super) struct Progress {
    pub(super) job: Option<Uuid>,
    /// What earlier runs of the same job did (a job taken up after a crash).
    pub(super) before: Swept,
    pub(super) swept: Swept,
    pub(super) total: Option<u64>,
}

impl Progress {
    fn done(&self) -> u64 {
        let (a, b) = (&self.before, &self.swept);
        a.reminded_before
            + a.reminded_on
            + a.suspended
            + b.reminded_before
            + b.reminded_on
            + b.suspended
    }

    fn result(&self) -> Swept {
        Swept {
            reminded_before: self.before.reminded_before + self.swept.reminded_before,
            reminded_on: self.before.reminded_on + self.swept.reminded_on,
            suspended: self.before.suspended + self.swept.suspended,
        }
    }

    async fn report(&self, db: &sea_orm::DatabaseConnection) -> Result<(), ApiError> {
        if let Some(job) = self.job {
            let partial = serde_json::to_value(self.result()).map_err(ApiError::internal)?;
            jobs::progress(db, job, self.done(), self.total, Some(partial)).await?;
        }
        Ok(())
    }
}

pub(super) async fn sweep_reporting(
    state: &AppState,
    today: NaiveDate,
    progress: &mut Progress,
) -> Result<Swept, ApiError> {
    let notice = state.config.certification_notice_days;
    let before = Condition::all()
        .add(in_cycle(today))
        .add(transferee::Column::DueOn.gt(today))
        .add(transferee::Column::DueOn.lte(today + chrono::Duration::days(notice)))
        .add(not_yet(transferee::Column::RemindedBeforeFor));
    let on = Condition::all()
        .add(in_cycle(today))
        .add(transferee::Column::DueOn.eq(today))
        .add(not_yet(transferee::Column::RemindedOnFor));
    let overdue = Condition::all()
        .add(in_cycle(today))
        .add(transferee::Column::AllowanceStatus.eq("paid"))
        .add(transferee::Column::DueOn.lt(today));
    if progress.job.is_some() {
        let mut left = 0;
        for which in [&before, &on, &overdue] {
            left += transferee::Entity::find()
                .filter(which.clone())
                .count(&state.db)
                .await?;
        }
        progress.total = Some(progress.done() + left);
        progress.report(&state.db).await?;
    }
    each(
        state,
        before,
        progress,
        |s| &mut s.reminded_before,
        |state, t| remind(state, t, Step::Before),
    )
    .await?;
    each(
        state,
        on,
        progress,
        |s| &mut s.reminded_on,
        |state, t| remind(state, t, Step::On),
    )
    .await?;
    each(
        state,
        overdue,
        progress,
        |s| &mut s.suspended,
        |state, t| suspend(state, t, today),
    )
    .await?;
    Ok(progress.result())
}

/// Applies `step` to every row matching `which` until none is left; each step makes its
/// row stop matching (or another instance did), and commits on its own, so a sweep
/// holds the write lock for one row at a time and a crash loses nothing done.
pub(super) async fn each<F, Fut>(
    state: &AppState,
    which: Condition,
    progress: &mut Progress,
    counter: fn(&mut Swept) -> &mut u64,
    step: F,
) -> Result<(), ApiError>
where
    F: Fn(AppState, Uuid) -> Fut,
    Fut: std::future::Future<Output = Result<bool, ApiError>>,
{
    let mut seen = std::collections::HashSet::new();
    loop {
        let ids: Vec<Uuid> = transferee::Entity::find()
            .select_only()
            .column(transferee::Column::Id)
            .filter(which.clone())
            .limit(PAGE)
            .into_tuple()
            .all(&state.db)
            .await?;
        let fresh: Vec<Uuid> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
        if fresh.is_empty() {
            return Ok(());
        }
        for id in fresh {
            if step(state.clone(), id).await? {
                *counter(&mut progress.swept) += 1;
            }
        }
        progress.report(&state.db).await?;
    }
}
