//! Moving an appointment to another slot of its office and business type.
use chrono::{Duration, Utc};
use entity::{marriage_appointment as appointment, marriage_party as party};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rules::{ACTIVE, clock_text, event, load, load_for_citizen, parties_error};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::identity::domain::Sex;
use crate::marriage::domain::{self, BusinessType, PartiesError};
use crate::marriage::notify::{self, Moment};
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::rows::transition;
use crate::scheduling::engine::{self as scheduling, Hold};

/// Moves an active appointment to another slot of the same office and business type, in
/// one transaction: the new seat is taken first (or `scheduling.slot_full`), the old one
/// given back. Allowed until the office's cancel time before the old slot.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn reschedule(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
    slot_id: Uuid,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let (row, parties) = load_for_citizen(&state.db, citizen, id).await?;
    if !ACTIVE.contains(&row.status.as_str()) {
        return Err(ApiError::new(Code::AppointmentState));
    }
    let office = scheduling::resource(&state.db, &row.office_id).await?;
    let now = Utc::now();
    if now >= row.starts_at - Duration::minutes(i64::from(office.cancel_minutes)) {
        return Err(ApiError::new(Code::CancelClosed));
    }
    let slot = scheduling::slot(&state.db, slot_id).await?;
    if slot.id == row.slot_id {
        return Err(ApiError::new(Code::SlotNotFound));
    }
    scheduling::gate(&state.db, &office, &row.business_type, &slot, now).await?;
    let kind = BusinessType::parse(&row.business_type)
        .ok_or_else(|| ApiError::internal("unknown business type"))?;
    if kind == BusinessType::Marriage {
        // The ages are checked again on the new date.
        for (i, p) in parties.iter().enumerate() {
            let id = crate::identity::service::open_id_number(state, &p.id_number_sealed)?;
            let min = if id.sex() == Sex::Male {
                domain::MIN_AGE_MEN
            } else {
                domain::MIN_AGE_WOMEN
            };
            if id.age_on(slot.date) < min {
                return Err(parties_error(PartiesError::UnderAge(i)));
            }
        }
    }
    if kind == BusinessType::Divorce {
        let indexes: Vec<String> = parties.iter().map(|p| p.id_number_index.clone()).collect();
        let application = entity::divorce_application::Entity::find()
            .filter(entity::divorce_application::Column::AppointmentId.eq(row.id))
            .one(&state.db)
            .await?
            .ok_or_else(|| ApiError::new(Code::DivorceApplicationRequired))?;
        if slot.date <= application.cooling_off_ends
            || slot.date > application.certificate_by
            || indexes.len() != 2
        {
            return Err(ApiError::new(Code::OutsideDivorceWindow));
        }
    }
    let txn = state.begin().await?;
    scheduling::hold(&txn, &slot, Hold::Seats(1)).await?;
    // Cancelled, expired or moved meanwhile: the transaction rolls back the new seat.
    transition(
        &txn,
        appointment::Entity::update_many()
            .col_expr(appointment::Column::SlotId, Expr::value(slot.id))
            .col_expr(appointment::Column::Date, Expr::value(slot.date))
            .col_expr(appointment::Column::StartsAt, Expr::value(slot.starts_at))
            .col_expr(
                appointment::Column::RemindedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(appointment::Column::UpdatedAt, Expr::value(now))
            .filter(appointment::Column::Id.eq(id))
            .filter(appointment::Column::SlotId.eq(row.slot_id))
            .filter(appointment::Column::Status.is_in(ACTIVE)),
        Code::AppointmentState,
    )
    .await?;
    scheduling::release(&txn, state, row.slot_id, 1).await?;
    let summary = format!(
        "moved from {} to {}",
        clock_text(row.starts_at),
        clock_text(slot.starts_at)
    );
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "marriage.appointment.reschedule",
            id,
            summary,
            citizen.request_id.clone(),
        ),
    )
    .await?;
    let (updated, parties) = load(&txn, id).await?;
    if updated.status == "confirmed" {
        notify::queue(&txn, state, &updated, &parties, &office, Moment::Confirmed).await?;
    }
    txn.commit().await?;
    Ok((updated, parties))
}
