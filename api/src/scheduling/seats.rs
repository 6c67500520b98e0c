//! Seats: one conditional UPDATE (`booked + n <= capacity`) inside the caller's
//! transaction, so no timing of requests can overbook a slot, on SQLite or PostgreSQL
//! alike. Only the engine and the lines and draws below it call this; other rooms go
//! through `scheduling::engine`.
use chrono::{DateTime, NaiveDate, Utc};
use entity::slot;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::domain::Window;
use crate::error::{ApiError, Code};
use crate::platform::rows::find_or;
use crate::platform::tx::Tx;

/// Checks that `slot` still takes bookings at `now` under its day's window `w` (see
/// `peak::window_on`): its day is open and its cut-off has not passed.
pub fn check_open(w: &Window, s: &slot::Model, now: DateTime<Utc>) -> Result<(), ApiError> {
    if s.date > w.last_open_date(now) {
        return Err(ApiError::new(Code::NotOpenYet));
    }
    if now >= w.closes_at(s.date, s.starts_at) {
        return Err(ApiError::new(Code::BookingClosed));
    }
    Ok(())
}

/// A slot or 404.
pub async fn slot(conn: &impl ConnectionTrait, id: Uuid) -> Result<slot::Model, ApiError> {
    find_or::<slot::Entity>(conn, id, Code::SlotNotFound).await
}

/// Takes `seats` seats, or answers `scheduling.slot_full`. Must run in the caller's write
/// transaction, before the booking row is written; the day's cached availability goes
/// when it commits.
pub async fn take_seats(tx: &Tx, slot: &slot::Model, seats: i32) -> Result<(), ApiError> {
    take_seats_in(tx, slot.id, seats).await?;
    tx.seats_changed(&slot.resource_id, &slot.business_type, slot.date);
    Ok(())
}

/// The conditional update itself, on any connection: `take_seats` without naming the
/// changed day (the booking bench's floor measures it alone).
pub async fn take_seats_in(
    conn: &impl ConnectionTrait,
    slot_id: Uuid,
    seats: i32,
) -> Result<(), ApiError> {
    let taken = slot::Entity::update_many()
        .col_expr(
            slot::Column::Booked,
            Expr::col(slot::Column::Booked).add(seats),
        )
        .filter(slot::Column::Id.eq(slot_id))
        .filter(
            Expr::col(slot::Column::Booked)
                .add(seats)
                .lte(Expr::col(slot::Column::Capacity)),
        )
        .exec(conn)
        .await?;
    if taken.rows_affected == 1 {
        Ok(())
    } else {
        Err(ApiError::new(Code::SlotFull))
    }
}

/// Locks the slot rows of a day (a no-op update) in the caller's transaction: seat
/// changes to the day committed before it are visible after it, later ones wait.
pub async fn lock_day(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    business_type: &str,
    date: NaiveDate,
) -> Result<(), ApiError> {
    slot::Entity::update_many()
        .col_expr(slot::Column::Capacity, Expr::col(slot::Column::Capacity))
        .filter(slot::Column::ResourceId.eq(resource_id))
        .filter(slot::Column::BusinessType.eq(business_type))
        .filter(slot::Column::Date.eq(date))
        .exec(conn)
        .await?;
    Ok(())
}

/// Gives seats back without offering them to anyone (the engine's `release` offers them;
/// the waitlist's offer loop undoes its own take with this).
pub async fn give_back(
    conn: &impl ConnectionTrait,
    slot_id: Uuid,
    seats: i32,
) -> Result<(), ApiError> {
    slot::Entity::update_many()
        .col_expr(
            slot::Column::Booked,
            Expr::col(slot::Column::Booked).sub(seats),
        )
        .filter(slot::Column::Id.eq(slot_id))
        .filter(Expr::col(slot::Column::Booked).gte(seats))
        .exec(conn)
        .await?;
    Ok(())
}
