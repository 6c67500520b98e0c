//! What marriage lends scheduling for a day that closes after it was booked (a holiday
//! loaded late): the active appointments on the day's slots, and their cancellation with
//! the reason, the seat and the parties' keys given back, and the people told.
use entity::{marriage_appointment as appointment, marriage_party as party};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::notify::{self, Moment};
use super::service::{ACTIVE, end, event, load, masked};
use crate::error::ApiError;
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::tx::Tx;
use crate::scheduling::{
    self,
    closing::{SeatHolder, TouchedBooking},
};

pub fn seat_holder() -> SeatHolder {
    SeatHolder {
        find: |txn, slots| Box::pin(find(txn, slots)),
        cancel: |txn, state, slots, reason| Box::pin(cancel(txn, state, slots, reason)),
    }
}

async fn active_on(txn: &Tx, slots: &[Uuid]) -> Result<Vec<appointment::Model>, ApiError> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::SlotId.is_in(slots.iter().copied()))
        .filter(appointment::Column::Status.is_in(ACTIVE))
        .all(txn)
        .await?)
}

fn touched(row: &appointment::Model) -> TouchedBooking {
    TouchedBooking {
        kind: "marriage_appointment",
        id: row.id,
        code: row.code.clone(),
        slot_id: row.slot_id,
    }
}

async fn find(txn: &Tx, slots: &[Uuid]) -> Result<Vec<TouchedBooking>, ApiError> {
    Ok(active_on(txn, slots).await?.iter().map(touched).collect())
}

async fn cancel(
    txn: &Tx,
    state: &Context,
    slots: &[Uuid],
    reason: &str,
) -> Result<Vec<TouchedBooking>, ApiError> {
    let mut cancelled = Vec::new();
    for row in active_on(txn, slots).await? {
        if !end(txn, state, &row, "cancelled").await? {
            continue;
        }
        let (_, parties): (_, Vec<party::Model>) = load(txn, row.id).await?;
        let office = scheduling::engine::resource(txn, &row.office_id).await?;
        notify::queue(
            txn,
            state,
            &row,
            &parties,
            &office,
            Moment::CancelledByOffice(reason),
        )
        .await?;
        let summary = format!("cancelled by the office, {}: {reason}", masked(&parties));
        audit::record(
            txn,
            event(
                Actor::System,
                "marriage.appointment.cancel_by_office",
                row.id,
                summary,
                None,
            ),
        )
        .await?;
        cancelled.push(touched(&row));
    }
    Ok(cancelled)
}
