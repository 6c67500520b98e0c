//! Manual reviews: asked for by the transferee, decided by street staff.
use chrono::Utc;
use entity::{certification_review as review, transferee};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::rules::{acting_for, open, staff_actor, staff_how};
use crate::auth::domain::ScopeKind;
use crate::auth::extract::{Citizen, Staff};
use crate::certification::cycle;
use crate::error::{ApiError, Code};
use crate::platform::audit;
use crate::platform::rows::find_or;
use crate::state::AppState;

/// The transferee (or a proxy) asks for a manual review, e.g. after withdrawing consent.
pub async fn request_review(
    state: &AppState,
    citizen: &Citizen,
    id: Uuid,
    note: Option<String>,
) -> Result<review::Model, ApiError> {
    let acting = acting_for(state, citizen.id, id)
        .await?
        .must_be_verified()?;
    let txn = state.begin().await?;
    let t = cycle::lock(&txn, acting.transferee.id).await?;
    let note = note.map(|n| state.sealer.seal(&n));
    let row = match open(&txn, &t, "requested", note, Some(citizen.id)).await? {
        Some(row) => row,
        None => return Err(ApiError::new(Code::ReviewPending)),
    };
    txn.commit().await?;
    Ok(row)
}

/// Staff decide an open review with a reason: approving certifies, rejecting lets face
/// checks start again (the failure count restarts).
pub async fn decide(
    state: &AppState,
    staff: &Staff,
    review_id: Uuid,
    approve: bool,
    reason: String,
) -> Result<review::Model, ApiError> {
    let r = find_or::<review::Entity>(&state.db, review_id, Code::ReviewNotFound).await?;
    if !staff.scope.covers(ScopeKind::Street, &r.street_id) {
        return Err(ApiError::new(Code::ReviewNotFound));
    }
    let txn = state.begin().await?;
    let decided = review::Entity::update_many()
        .col_expr(
            review::Column::Status,
            Expr::value(if approve { "approved" } else { "rejected" }),
        )
        .col_expr(review::Column::Open, Expr::value(false))
        .col_expr(review::Column::DecidedBy, Expr::value(staff.id))
        .col_expr(review::Column::DecisionReason, Expr::value(reason.clone()))
        .col_expr(review::Column::DecidedAt, Expr::value(Utc::now()))
        .filter(review::Column::Id.eq(r.id))
        .filter(review::Column::Open.eq(true))
        .exec(&txn)
        .await?;
    if decided.rows_affected == 0 {
        return Err(ApiError::new(Code::ReviewDecided));
    }
    let t = cycle::lock(&txn, r.transferee_id).await?;
    let action = if approve {
        "certification.review.approve"
    } else {
        "certification.review.reject"
    };
    audit::record(
        &txn,
        cycle::event(
            staff_actor(staff),
            action,
            &t,
            reason,
            staff.request_id.clone(),
        ),
    )
    .await?;
    if approve {
        let how = staff_how(staff, "manual_review", None);
        cycle::certify(&txn, state, t, how).await?;
    } else {
        let mut active: transferee::ActiveModel = t.into();
        active.failed_attempts = Set(0);
        active.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(review::Entity::find_by_id(r.id)
        .one(&state.db)
        .await?
        .unwrap_or(r))
}
