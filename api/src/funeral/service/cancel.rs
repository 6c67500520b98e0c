//! A family cancels; bookings not confirmed in time lapse.
use chrono::{Duration, Utc};
use entity::funeral_booking as booking;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rules::{Full, end, for_citizen, home, load, record, slots_of};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::funeral::domain::ACTIVE;
use crate::funeral::notify::{self, Moment};
use crate::platform::audit::Actor;
use crate::platform::context::Context;
use crate::scheduling::engine as scheduling;
use crate::state::AppState;

// ---------------------------------------------------------------- changes

/// Cancels an active booking (the family may), until the home's cancel time before its
/// first service; the seats and the deceased's key are freed in the same transaction.
pub async fn cancel(state: &Context, citizen: &Citizen, id: Uuid) -> Result<Full, ApiError> {
    let txn = state.begin().await?;
    let (row, _) = for_citizen(&txn, citizen, id).await?;
    if !ACTIVE.contains(&row.status.as_str()) {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    let home = home(&txn, &row.home_id).await?;
    let (farewell, cremation) = slots_of(&txn, &row).await?;
    let first = [
        row.transport_at.or(row.transport_requested_at),
        farewell.as_ref().map(|s| s.starts_at),
        cremation.as_ref().map(|s| s.starts_at),
    ]
    .into_iter()
    .flatten()
    .min();
    let limit = Duration::minutes(i64::from(home.cancel_minutes));
    if first.is_some_and(|t| Utc::now() >= t - limit) {
        return Err(ApiError::new(Code::FuneralCancelClosed));
    }
    if !end(&txn, &row, "cancelled").await? {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    for s in farewell.iter().chain(cremation.iter()) {
        scheduling::release(&txn, state, s.id, 1).await?;
    }
    record(
        &txn,
        Actor::Citizen(citizen.id),
        "funeral.booking.cancel",
        id,
        format!("cancelled, {}", row.deceased_id_masked),
        citizen.request_id.clone(),
    )
    .await?;
    let answer = load(&txn, id).await?;
    notify::queue(&txn, state, &answer.0, &home, Moment::Cancelled).await?;
    txn.commit().await?;
    for _s in farewell.iter().chain(cremation.iter()) {}
    Ok(answer)
}

/// Lapses the bookings their home did not confirm within `funeral_confirm_minutes` of
/// the last change (a booking waiting on the family, after the home proposed another
/// transport time, does not lapse): the seats come back and the family is told.
pub async fn lapse_unconfirmed(state: &Context) -> Result<u64, ApiError> {
    let cutoff = Utc::now() - Duration::minutes(state.config.funeral_confirm_minutes);
    let stale = booking::Entity::find()
        .filter(booking::Column::Status.eq("pending"))
        .filter(booking::Column::UpdatedAt.lt(cutoff))
        .filter(
            sea_orm::Condition::any()
                .add(booking::Column::TransportStatus.is_null())
                .add(booking::Column::TransportStatus.ne("proposed")),
        )
        .all(&state.db)
        .await?;
    let mut lapsed = 0;
    for row in stale {
        let txn = state.begin().await?;
        if !end(&txn, &row, "lapsed").await? {
            continue;
        }
        let home = home(&txn, &row.home_id).await?;
        let (farewell, cremation) = slots_of(&txn, &row).await?;
        for s in farewell.iter().chain(cremation.iter()) {
            scheduling::release(&txn, state, s.id, 1).await?;
        }
        let summary = format!(
            "lapsed unconfirmed after {} minutes, {}",
            state.config.funeral_confirm_minutes, row.deceased_id_masked
        );
        record(
            &txn,
            Actor::System,
            "funeral.booking.lapse",
            row.id,
            summary,
            None,
        )
        .await?;
        let answer = load(&txn, row.id).await?;
        notify::queue(&txn, state, &answer.0, &home, Moment::Lapsed).await?;
        txn.commit().await?;
        lapsed += 1;
    }
    Ok(lapsed)
}

/// Lapses unconfirmed bookings every `sweep_interval_secs` until the process ends.
pub async fn sweeper(state: AppState) {
    let every = std::time::Duration::from_secs(state.config.sweep_interval_secs.max(1));
    loop {
        if let Err(e) = lapse_unconfirmed(&state).await {
            tracing::error!(
                code = e.code.as_str(),
                "funeral: cannot lapse unconfirmed bookings"
            );
        }
        tokio::time::sleep(every).await;
    }
}
