//! A reminder, and a suspended allowance, for one transferee.
use chrono::{NaiveDate, Utc};
use entity::transferee;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rules::{event, tell};
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::rows::find_or;
use crate::state::AppState;

pub(super) async fn remind(state: AppState, id: Uuid, step: Step) -> Result<bool, ApiError> {
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

pub(super) async fn suspend(state: AppState, id: Uuid, today: NaiveDate) -> Result<bool, ApiError> {
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

#[derive(Clone, Copy)]
pub(super) enum Step {
    Before,
    On,
}

pub(super) fn not_yet(column: transferee::Column) -> Condition {
    Condition::any()
        .add(column.is_null())
        .add(Expr::col(column).ne(Expr::col(transferee::Column::DueOn)))
}
