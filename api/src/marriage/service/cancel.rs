//! A party cancels an appointment; its seat goes back to the engine.
use chrono::{Duration, Utc};
use entity::{marriage_appointment as appointment, marriage_party as party};
use uuid::Uuid;

use super::rules::{ACTIVE, end, event, load, load_for_citizen, masked};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::scheduling::engine as scheduling;

/// Cancels an active appointment (a party may), until the office's cancel time before
/// the slot; the seat and the parties' active keys are freed in the same transaction.
pub async fn cancel(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let txn = state.begin().await?;
    let (row, parties) = load_for_citizen(&txn, citizen, id).await?;
    if !ACTIVE.contains(&row.status.as_str()) {
        return Err(ApiError::new(Code::AppointmentState));
    }
    let office = scheduling::resource(&txn, &row.office_id).await?;
    if Utc::now() >= row.starts_at - Duration::minutes(i64::from(office.cancel_minutes)) {
        return Err(ApiError::new(Code::CancelClosed));
    }
    if !end(&txn, state, &row, "cancelled").await? {
        return Err(ApiError::new(Code::AppointmentState));
    }
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "marriage.appointment.cancel",
            id,
            format!("cancelled, {}", masked(&parties)),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    let answer = load(&txn, id).await?;
    txn.commit().await?;
    Ok(answer)
}
