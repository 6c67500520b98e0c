//! The certification cycle: who hears about a transferee, certifying (which ends a
//! suspension and records the back pay owed), the daily sweep that reminds before and on
//! the due date and suspends payment when it passes, exemptions and a bureau-wide window.
//!
//! Each change is one conditional update on the transferee's row inside a transaction
//! with its notices (outbox) and audit event, so that two instances sweeping at once, or
//! a sweep meeting a certification, neither lose nor double a notice.
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    certification_review, proxy_consent, real_name, survival_certification, transferee,
    transferee_proxy,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::domain::{self, CycleFacts, Status};
use crate::auth::citizen::{Notice, notify};
use crate::config::Config;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::clock;
use crate::platform::jobs;
use crate::platform::tx::Tx;
use crate::platform::{context::Context, rows::find_or};
use crate::state::AppState;

/// The proxy service code that lets a relative certify for a transferee.
pub const PROXY_SERVICE: &str = "survival_certification";

/// When a record new to the registry must first certify: after one notice period.
pub fn first_due_on(config: &Config) -> NaiveDate {
    clock::today() + chrono::Duration::days(config.certification_notice_days)
}

pub fn cycle_months(config: &Config, t: &transferee::Model) -> u32 {
    t.cycle_months
        .map_or(config.certification_cycle_months, |m| m as u32)
}

pub fn status_of(config: &Config, t: &transferee::Model, today: NaiveDate) -> Status {
    let facts = CycleFacts {
        allowance_status: t.allowance_status.clone(),
        due_on: t.due_on,
        exempt_until: t.exempt_until,
    };
    domain::status(&facts, today, config.certification_notice_days)
}

/// The transferee's own accounts: a *verified* real name with the same ID number. Only
/// these speak for the transferee (withdraw consent, name proxies, ask for a review, get
/// the reminders); an unverified one may only consent and try a face check, which is how
/// it gets verified (see `ways::acting_for`).
pub async fn own_accounts(
    conn: &impl ConnectionTrait,
    t: &transferee::Model,
) -> Result<Vec<Uuid>, ApiError> {
    Ok(claimants(conn, t)
        .await?
        .into_iter()
        .filter(|(_, verified)| *verified)
        .map(|(id, _)| id)
        .collect())
}

/// Accounts that bound the transferee's ID number as their real name, and whether that
/// name is verified. Anyone may bind a number they know; only a verified binding proves it.
pub async fn claimants(
    conn: &impl ConnectionTrait,
    t: &transferee::Model,
) -> Result<Vec<(Uuid, bool)>, ApiError> {
    Ok(real_name::Entity::find()
        .select_only()
        .column(real_name::Column::CitizenId)
        .column(real_name::Column::Status)
        .filter(real_name::Column::IdNumberIndex.eq(&t.id_number_index))
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, status)| (id, status == "verified"))
        .collect())
}

/// Relatives who may act for the transferee: consented online from the transferee's own
/// account (service `survival_certification`), or recorded by staff from a paper consent.
pub async fn proxies(
    conn: &impl ConnectionTrait,
    t: &transferee::Model,
) -> Result<Vec<Uuid>, ApiError> {
    let own = own_accounts(conn, t).await?;
    let mut ids: Vec<Uuid> = proxy_consent::Entity::find()
        .filter(proxy_consent::Column::PrincipalId.is_in(own))
        .filter(proxy_consent::Column::RevokedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .filter(|c| c.services.split(',').any(|s| s == PROXY_SERVICE))
        .map(|c| c.proxy_id)
        .collect();
    ids.extend(
        transferee_proxy::Entity::find()
            .select_only()
            .column(transferee_proxy::Column::CitizenId)
            .filter(transferee_proxy::Column::TransfereeId.eq(t.id))
            .filter(transferee_proxy::Column::RevokedAt.is_null())
            .into_tuple::<Uuid>()
            .all(conn)
            .await?,
    );
    ids.sort();
    ids.dedup();
    Ok(ids)
}

async fn tell(
    conn: &Tx,
    state: &Context,
    t: &transferee::Model,
    what: &str,
    body: String,
) -> Result<(), ApiError> {
    let notice = Notice {
        purpose: "certification",
        subject: format!("生存认证：{what}"),
        body,
        wechat_data: BTreeMap::from([
            ("thing1".into(), "征地超转人员生存认证".into()),
            ("phrase2".into(), what.chars().take(5).collect()),
            (
                "date3".into(),
                t.due_on.format("%Y年%-m月%-d日").to_string(),
            ),
        ]),
        page: Some(format!("pages/certification/index?transferee={}", t.id)),
    };
    let own = own_accounts(conn, t).await?;
    let mut reached = false;
    for citizen in &own {
        reached |= notify(conn, state, *citizen, &notice).await?;
    }
    for citizen in proxies(conn, t).await? {
        if !own.contains(&citizen) {
            notify(conn, state, citizen, &notice).await?;
        }
    }
    if !reached {
        by_registry_phone(conn, state, t, &notice).await?;
    }
    Ok(())
}

/// A transferee whom no account of their own reaches gets the notice by SMS at the
/// registry's phone (a mobile number, when the purpose has an SMS template): many have
/// no account, or one without WeChat.
async fn by_registry_phone(
    conn: &Tx,
    state: &Context,
    t: &transferee::Model,
    notice: &Notice,
) -> Result<(), ApiError> {
    use crate::platform::outbox::{self, SmsMessage};
    let Some(sealed) = &t.phone_sealed else {
        return Ok(());
    };
    let registered = state.sealer.open(sealed).map_err(ApiError::internal)?;
    let phone = crate::platform::text::mobile_number(&registered);
    let params = crate::auth::citizen::sms_params_of(state, notice);
    if let (Some(phone), Some(params)) = (phone, params) {
        let purpose = notice.purpose.into();
        let message = SmsMessage {
            purpose,
            phone,
            params,
        };
        outbox::enqueue_sms(conn, &state.sealer, t.id, &message).await?;
    }
    Ok(())
}

pub fn event(
    actor: Actor,
    action: &'static str,
    t: &transferee::Model,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("transferee", t.id), summary, request_id)
}

/// Takes the row's write lock (PostgreSQL; SQLite's write transaction already holds the
/// database) and reads it, so that what follows decides on current data.
pub async fn lock(conn: &impl ConnectionTrait, id: Uuid) -> Result<transferee::Model, ApiError> {
    let touched = transferee::Entity::update_many()
        .col_expr(transferee::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(transferee::Column::Id.eq(id))
        .exec(conn)
        .await?;
    if touched.rows_affected == 0 {
        return Err(ApiError::new(Code::TransfereeNotFound));
    }
    find_or::<transferee::Entity>(conn, id, Code::TransfereeNotFound).await
}

/// How a certification was made.
pub struct How {
    pub via: &'static str,
    pub by_citizen: Option<Uuid>,
    pub by_staff: Option<Uuid>,
    pub by_proxy: bool,
    pub attempt_id: Option<Uuid>,
    pub actor: Actor,
    pub request_id: Option<String>,
}

/// Certifies a locked transferee: the next cycle starts today; a suspension ends and its
/// months are recorded as back pay owed.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn certify(
    conn: &Tx,
    state: &AppState,
    t: transferee::Model,
    how: How,
) -> Result<survival_certification::Model, ApiError> {
    let today = clock::today();
    let now = Utc::now();
    let due_on_after = domain::next_due(today, cycle_months(&state.config, &t));
    let back_pay_from = t.suspended_since;
    let row = survival_certification::ActiveModel {
        id: Set(Uuid::now_v7()),
        transferee_id: Set(t.id),
        via: Set(how.via.into()),
        by_proxy: Set(how.by_proxy),
        by_citizen: Set(how.by_citizen),
        by_staff: Set(how.by_staff),
        attempt_id: Set(how.attempt_id),
        street_id: Set(t.street_id.clone()),
        certified_at: Set(now),
        due_on_before: Set(t.due_on),
        due_on_after: Set(due_on_after),
        back_pay_from: Set(back_pay_from),
        back_pay_until: Set(back_pay_from.map(|_| today)),
        back_pay_months: Set(back_pay_from.map_or(0, |from| domain::back_pay_months(from, today))),
    }
    .insert(conn)
    .await?;
    let mut active: transferee::ActiveModel = t.clone().into();
    active.due_on = Set(due_on_after);
    active.last_certified_at = Set(Some(now));
    active.last_certified_via = Set(Some(how.via.into()));
    if t.allowance_status == "suspended" {
        active.allowance_status = Set("paid".into());
    }
    active.suspended_since = Set(None);
    active.failed_attempts = Set(0);
    active.updated_at = Set(now);
    let t = active.update(conn).await?;
    close_reviews(conn, &t, &how, now).await?;
    let summary = match back_pay_from {
        Some(from) => format!(
            "via {}; payment resumed, back pay from {from} ({} months)",
            how.via, row.back_pay_months
        ),
        None => format!("via {}; next due {}", how.via, t.due_on),
    };
    audit::record(
        conn,
        event(
            how.actor,
            "certification.certify",
            &t,
            summary,
            how.request_id,
        ),
    )
    .await?;
    let body = match back_pay_from {
        Some(from) => format!(
            "已完成生存认证，生活补助恢复发放，{from} 起暂停期间的 {} 个月将予补发。下次认证截止日期：{}。",
            row.back_pay_months, t.due_on
        ),
        None => format!("已完成生存认证。下次认证截止日期：{}。", t.due_on),
    };
    tell(conn, state, &t, "认证完成", body).await?;
    Ok(row)
}

/// A certification by any way answers an open manual review: it is closed as approved,
/// naming the way, so it neither blocks the next face check nor waits in the queue.
async fn close_reviews(
    conn: &impl ConnectionTrait,
    t: &transferee::Model,
    how: &How,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    certification_review::Entity::update_many()
        .col_expr(
            certification_review::Column::Status,
            Expr::value("approved"),
        )
        .col_expr(certification_review::Column::Open, Expr::value(false))
        .col_expr(
            certification_review::Column::DecidedBy,
            Expr::value(how.by_staff),
        )
        .col_expr(
            certification_review::Column::DecisionReason,
            Expr::value(format!("certified via {}", how.via)),
        )
        .col_expr(certification_review::Column::DecidedAt, Expr::value(now))
        .filter(certification_review::Column::TransfereeId.eq(t.id))
        .filter(certification_review::Column::Open.eq(true))
        .exec(conn)
        .await?;
    Ok(())
}

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"reminded_before": 120, "reminded_on": 8, "suspended": 3}))]
pub struct Swept {
    pub reminded_before: u64,
    pub reminded_on: u64,
    pub suspended: u64,
}

/// Rows a sweep takes per query.
const PAGE: u64 = 200;

/// Not stopped and not exempt on `today`.
fn in_cycle(today: NaiveDate) -> Condition {
    Condition::all()
        .add(transferee::Column::AllowanceStatus.ne("stopped"))
        .add(
            Condition::any()
                .add(transferee::Column::ExemptUntil.is_null())
                .add(transferee::Column::ExemptUntil.lt(today)),
        )
}

fn not_yet(column: transferee::Column) -> Condition {
    Condition::any()
        .add(column.is_null())
        .add(Expr::col(column).ne(Expr::col(transferee::Column::DueOn)))
}

/// Reminds before and on the due date, and suspends payment the day after it.
pub async fn sweep(state: &AppState, today: NaiveDate) -> Result<Swept, ApiError> {
    sweep_reporting(state, today, &mut Progress::default()).await
}

/// A sweep's running count, reported to its job (if it runs as one) after every page.
#[derive(Default)]
struct Progress {
    job: Option<Uuid>,
    /// What earlier runs of the same job did (a job taken up after a crash).
    before: Swept,
    swept: Swept,
    total: Option<u64>,
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

async fn sweep_reporting(
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
async fn each<F, Fut>(
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

/// The job kind of a sweep run on request.
pub const SWEEP_JOB: &str = "certification_sweep";

/// Runs a sweep job to its end: taken (unless another runner has it), swept with its
/// progress reported, finished with its counts. A job taken up after a crash goes on
/// from the counts its last batch reported.
pub async fn run_sweep_job(state: AppState, id: Uuid) {
    match jobs::claim(&state.db, id, jobs::stale_after(&state.config)).await {
        Ok(Some(job)) => run_claimed(state, job).await,
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "certification: cannot take the sweep job"),
    }
}

async fn run_claimed(state: AppState, job: entity::job::Model) {
    let params: serde_json::Value = serde_json::from_str(&job.params).unwrap_or_default();
    let today = params["today"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(clock::today);
    let before: Swept = job
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default();
    let mut progress = Progress {
        job: Some(job.id),
        before,
        ..Progress::default()
    };
    let outcome = match sweep_reporting(&state, today, &mut progress).await {
        Ok(swept) => serde_json::to_value(swept).map_err(|_| "server.internal"),
        Err(e) => {
            tracing::error!(code = e.code.as_str(), "certification: sweep job failed");
            Err(e.code.as_str())
        }
    };
    if let Err(e) = jobs::finish(&state.db, job.id, outcome).await {
        tracing::error!(error = %e, "certification: cannot finish the sweep job");
    }
}

#[derive(Clone, Copy)]
enum Step {
    Before,
    On,
}

async fn remind(state: AppState, id: Uuid, step: Step) -> Result<bool, ApiError> {
    let column = match step {
        Step::Before => transferee::Column::RemindedBeforeFor,
        Step::On => transferee::Column::RemindedOnFor,
    };
    let txn = state.begin().await?;
    let claimed = transferee::Entity::update_many()
        .col_expr(column, Expr::col(transferee::Column::DueOn))
        .filter(transferee::Column::Id.eq(id))
        .filter(not_yet(column))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(false);
    }
    let t = find_or::<transferee::Entity>(&txn, id, Code::TransfereeNotFound).await?;
    let (what, body, action) = match step {
        Step::Before => (
            "即将到期",
            format!(
                "请在 {} 前完成本年度生存认证（微信人脸认证、App 认证，或到街道窗口办理），逾期将暂停发放生活补助。",
                t.due_on
            ),
            "certification.remind_before",
        ),
        Step::On => (
            "今日到期",
            format!(
                "今天（{}）是生存认证的截止日期，请尽快完成认证，明天起将暂停发放生活补助。",
                t.due_on
            ),
            "certification.remind_on",
        ),
    };
    tell(&txn, &state, &t, what, body).await?;
    audit::record(
        &txn,
        event(Actor::System, action, &t, format!("due {}", t.due_on), None),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

async fn suspend(state: AppState, id: Uuid, today: NaiveDate) -> Result<bool, ApiError> {
    // The allowance stops the day after the due date, however late the sweep reaches
    // the person: back pay counts from there.
    let Some(due_on) = transferee::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .map(|t| t.due_on)
    else {
        return Ok(false);
    };
    let since = due_on + chrono::Duration::days(1);
    let txn = state.begin().await?;
    let suspended = transferee::Entity::update_many()
        .col_expr(
            transferee::Column::AllowanceStatus,
            Expr::value("suspended"),
        )
        .col_expr(transferee::Column::SuspendedSince, Expr::value(since))
        .filter(transferee::Column::DueOn.eq(due_on))
        .col_expr(transferee::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(transferee::Column::Id.eq(id))
        .filter(transferee::Column::AllowanceStatus.eq("paid"))
        .filter(transferee::Column::DueOn.lt(today))
        .exec(&txn)
        .await?;
    if suspended.rows_affected == 0 {
        return Ok(false);
    }
    let t = find_or::<transferee::Entity>(&txn, id, Code::TransfereeNotFound).await?;
    let body = format!(
        "生存认证已于 {} 逾期，自 {since} 起暂停发放生活补助。完成认证后即恢复发放，暂停期间的补助将予补发。",
        t.due_on
    );
    tell(&txn, &state, &t, "暂停发放", body).await?;
    audit::record(
        &txn,
        event(
            Actor::System,
            "certification.suspend",
            &t,
            format!("overdue since {}", t.due_on),
            None,
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Sweeps every `sweep_interval_secs` until the process ends (every instance may: each
/// step is claimed by a conditional update).
pub async fn sweeper(state: AppState) {
    let every = std::time::Duration::from_secs(Ord::max(state.config.sweep_interval_secs, 1));
    loop {
        // Sweep jobs nobody runs: queued, or left by a runner that died.
        loop {
            match jobs::claim_next(&state.db, SWEEP_JOB, jobs::stale_after(&state.config)).await {
                Ok(Some(job)) => run_claimed(state.clone(), job).await,
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, "certification: cannot look for sweep jobs");
                    break;
                }
            }
        }
        super::window::resume_left(&state).await;
        if let Err(e) = sweep(&state, clock::today()).await {
            tracing::error!(code = e.code.as_str(), "certification: sweep failed");
        }
        tokio::time::sleep(every).await;
    }
}
