//! Cancelling a visit; its seats go back to the engine.
use chrono::{Duration, Utc};
use entity::{grave_day, tomb_visit as visit, tomb_visitor as visitor};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rules::{cemetery, event, for_citizen, grave_filter, one};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::rows::transition;
use crate::scheduling::engine as scheduling;

/// Cancels a visit until `cancel_minutes` before its slot: seats, the grave's persons and
/// the party's day go back in the same transaction.
pub async fn cancel(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<visit::Model, ApiError> {
    let row = for_citizen(&state.db, citizen, id).await?;
    let place = cemetery(&state.db, &row.cemetery_id).await?;
    let s = scheduling::slot(&state.db, row.slot_id).await?;
    if Utc::now() >= s.starts_at - Duration::minutes(i64::from(place.cancel_minutes)) {
        return Err(ApiError::new(Code::VisitCancelClosed));
    }
    let txn = state.begin().await?;
    transition(
        &txn,
        visit::Entity::update_many()
            .col_expr(visit::Column::Status, Expr::value("cancelled"))
            .col_expr(visit::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(visit::Column::Id.eq(row.id))
            .filter(visit::Column::Status.eq("booked")),
        Code::VisitState,
    )
    .await?;
    grave_day::Entity::update_many()
        .col_expr(
            grave_day::Column::Persons,
            Expr::col(grave_day::Column::Persons).sub(row.persons),
        )
        .filter(grave_filter(
            &row.cemetery_id,
            &row.grave_key,
            row.visit_date,
        ))
        .exec(&txn)
        .await?;
    visitor::Entity::update_many()
        .col_expr(visitor::Column::Active, Expr::value(false))
        .filter(visitor::Column::VisitId.eq(row.id))
        .exec(&txn)
        .await?;
    scheduling::release(&txn, state, s.id, row.persons).await?;
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "tomb.visit.cancel",
            &row,
            format!("{} persons freed", row.persons),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    one(&state.db, row.id).await
}
