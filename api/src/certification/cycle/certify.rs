//! A certification: the next due date, open reviews closed.
use chrono::{DateTime, Utc};
use entity::{certification_review, survival_certification, transferee};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::rules::{cycle_months, event, tell};
use crate::certification::domain;
use crate::error::ApiError;
use crate::platform::audit::{self, Actor};
use crate::platform::clock;
use crate::platform::tx::Tx;
use crate::state::AppState;

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
pub(super) async fn close_reviews(
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
