//! The body transport time: the home proposes, the family accepts.
use chrono::{DateTime, Utc};
use entity::funeral_booking as booking;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rules::{
    Full, booked_slot, field, first_date, for_citizen, for_staff, gaps, home, load, order_refusal,
    record, slots_of, staff_step,
};
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::funeral::domain::{self, ACTIVE};
use crate::funeral::notify::{self, Moment};
use crate::platform::audit::Actor;
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::rows::transition;

/// The family accepts the transport time the home proposed: the transport is agreed and
/// the booking confirmed.
pub async fn accept_transport_time(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<Full, ApiError> {
    let txn = state.begin().await?;
    let (row, _) = for_citizen(&txn, citizen, id).await?;
    let Some(proposed) = row
        .transport_proposed_at
        .filter(|_| row.status == "pending" && row.transport_status.as_deref() == Some("proposed"))
    else {
        return Err(ApiError::new(Code::FuneralWrongState));
    };
    let (farewell, cremation) = slots_of(&txn, &row).await?;
    let service_date = first_date(Some(proposed), farewell.as_ref(), cremation.as_ref())
        .unwrap_or(row.service_date);
    transition(
        &txn,
        booking::Entity::update_many()
            .col_expr(booking::Column::Status, Expr::value("confirmed"))
            .col_expr(booking::Column::TransportStatus, Expr::value("agreed"))
            .col_expr(booking::Column::TransportAt, Expr::value(proposed))
            .col_expr(booking::Column::ServiceDate, Expr::value(service_date))
            .col_expr(booking::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(booking::Column::Id.eq(id))
            .filter(booking::Column::Status.eq("pending"))
            .filter(booking::Column::TransportStatus.eq("proposed"))
            .filter(booking::Column::TransportProposedAt.eq(proposed)),
        Code::FuneralWrongState,
    )
    .await?;
    record(
        &txn,
        Actor::Citizen(citizen.id),
        "funeral.booking.accept_transport_time",
        id,
        format!("accepted transport at {}", clock::format(proposed)),
        citizen.request_id.clone(),
    )
    .await?;
    let answer = load(&txn, id).await?;
    let home = home(&txn, &row.home_id).await?;
    notify::queue(&txn, state, &answer.0, &home, Moment::Confirmed).await?;
    txn.commit().await?;
    Ok(answer)
}

/// The home proposes another transport time; the family accepts it (or cancels).
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn propose_transport_time(
    state: &Context,
    staff: &Staff,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<Full, ApiError> {
    if at <= Utc::now() {
        return Err(field(
            Code::InvalidBody,
            "transport_at",
            "range",
            "提议的接运时间须晚于现在",
            "the proposed time must be in the future",
        ));
    }
    let txn = state.begin().await?;
    let (row, _) = for_staff(&txn, staff, id).await?;
    if !ACTIVE.contains(&row.status.as_str()) || row.transport_status.is_none() {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    // The home's proposal keeps the services' order too.
    let farewell = booked_slot(&txn, row.farewell_slot_id).await?;
    let cremation = booked_slot(&txn, row.cremation_slot_id).await?;
    let gaps = gaps(&txn, &row.home_id).await?;
    domain::check_order(
        gaps,
        Some(at),
        farewell.as_ref().map(|s| (s.starts_at, s.ends_at)),
        cremation.as_ref().map(|s| s.starts_at),
    )
    .map_err(|e| {
        let mut refusal = order_refusal(gaps, e);
        refusal
            .errors
            .retain(|f| f.field != "transport.requested_at");
        refusal.with_field(FieldError {
            field: "transport_at".into(),
            reason: "order",
            message: Message::new(
                "接运时间须早于告别和火化",
                "transport must come before the farewell and the cremation",
            ),
        })
    })?;
    transition(
        &txn,
        booking::Entity::update_many()
            .col_expr(booking::Column::Status, Expr::value("pending"))
            .col_expr(booking::Column::TransportStatus, Expr::value("proposed"))
            .col_expr(booking::Column::TransportProposedAt, Expr::value(at))
            .col_expr(booking::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(booking::Column::Id.eq(id))
            .filter(booking::Column::Status.is_in(ACTIVE)),
        Code::FuneralWrongState,
    )
    .await?;
    let summary = format!("proposed transport at {}", clock::format(at));
    staff_step(
        txn,
        state,
        staff,
        &row,
        "funeral.booking.propose_transport_time",
        summary,
        Moment::Proposed,
    )
    .await
}
