//! The home's steps: confirming, marking done, the certificate.
use chrono::Utc;
use entity::funeral_booking as booking;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rules::{Full, end, event, for_staff, staff_actor, staff_step};
use crate::auth::extract::Staff;
use crate::error::{ApiError, Code, Message};
use crate::funeral::notify::Moment;
use crate::platform::audit;
use crate::platform::clock;
use crate::platform::context::Context;
use crate::state::AppState;

/// The death certificate photo's row, for the home's clerks after their scope check.
pub async fn certificate(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
) -> Result<entity::media_object::Model, ApiError> {
    let (row, _) = for_staff(&state.db, staff, id).await?;
    let media = crate::media::service::find(state, row.certificate_media_id).await?;
    audit::record(
        &state.db,
        event(
            staff_actor(staff),
            "funeral.booking.view_certificate",
            id,
            "viewed the death certificate photo".into(),
            staff.request_id.clone(),
        ),
    )
    .await?;
    Ok(media)
}

/// The home confirms a pending booking; a requested transport is agreed at the requested
/// time. Refused while the family has not answered a proposed time.
pub async fn confirm(state: &Context, staff: &Staff, id: Uuid) -> Result<Full, ApiError> {
    let txn = state.begin().await?;
    let (row, _) = for_staff(&txn, staff, id).await?;
    if row.status != "pending" || row.transport_status.as_deref() == Some("proposed") {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    let mut update = booking::Entity::update_many()
        .col_expr(booking::Column::Status, Expr::value("confirmed"))
        .col_expr(booking::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(booking::Column::Id.eq(id))
        .filter(booking::Column::Status.eq("pending"));
    if row.transport_status.is_some() {
        update = update
            .col_expr(booking::Column::TransportStatus, Expr::value("agreed"))
            .col_expr(
                booking::Column::TransportAt,
                Expr::value(row.transport_requested_at),
            )
            .filter(booking::Column::TransportStatus.eq("requested"));
    }
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    staff_step(
        txn,
        state,
        staff,
        &row,
        "funeral.booking.confirm",
        "confirmed".into(),
        Moment::Confirmed,
    )
    .await
}

/// The home marks a confirmed booking done, from its first service date on: the
/// deceased's key is freed, the seats stay counted (the services took place).
pub async fn mark_done(state: &Context, staff: &Staff, id: Uuid) -> Result<Full, ApiError> {
    let txn = state.begin().await?;
    let (row, _) = for_staff(&txn, staff, id).await?;
    if row.status == "confirmed" && clock::today() < row.service_date {
        return Err(
            ApiError::new(Code::FuneralWrongState).with_detail(Message::new(
                "服务日期未到，不能标记完成",
                "the services have not taken place yet",
            )),
        );
    }
    if row.status != "confirmed" || !end(&txn, &row, "done").await? {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    staff_step(
        txn,
        state,
        staff,
        &row,
        "funeral.booking.done",
        "done".into(),
        Moment::Done,
    )
    .await
}
