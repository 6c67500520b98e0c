//! The one door to seats. A room that books asks the `gate` whether a slot takes
//! bookings now (its resource and business type, the day's window with any peak period,
//! no draw open for the day), `hold`s its seats inside its write transaction (the
//! conditional update, a waitlist offer's claim, or a draw's winner) and `release`s them
//! when a booking ends, which offers them to the day's line at once. Below the engine sit
//! draws, peak periods and waitlists, and below them the calendar and the seats: nothing
//! down there imports the engine.
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{resource, slot};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::cache::AvailabilityCache;
pub use super::cache::Lookup;
pub use super::calendar::{calendar, resource};
pub use super::days::day_slots;
use super::domain::{self, Window};
/// The seat's conditional update alone, outside a `Tx` (nothing is told of the change):
/// only for measuring it (`tests/benches/booking.rs`), never to book.
pub use super::seats::take_seats_in;
pub use super::seats::{check_open, slot};
use super::{draw, peak, seats, waitlist};
use crate::error::{ApiError, Code};
use crate::platform::context::Context;
use crate::platform::tx::Tx;
pub use peak::window_on;

/// Checks that `s` takes a booking of `business_type` at `r` at `now`: it is the
/// resource's and of the business type (else `scheduling.slot_not_found`), its day's
/// window (a peak period's, or the resource's) is open and its cut-off not passed, and no
/// draw is open for its day. Read before the write transaction; `hold` checks the draw
/// again under the slot's lock.
pub async fn gate(
    conn: &impl ConnectionTrait,
    r: &resource::Model,
    business_type: &str,
    s: &slot::Model,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if s.resource_id != r.id || s.business_type != business_type {
        return Err(ApiError::new(Code::SlotNotFound));
    }
    let window = peak::window_on(conn, r, s.date).await?;
    check_open(&window, s, now)?;
    draw::check_no_open_draw(conn, &r.id, business_type, s.date).await
}

/// How a booking holds its seats.
#[derive(Clone, Copy)]
pub enum Hold {
    /// First come: `n` free seats, or `scheduling.slot_full`.
    Seats(i32),
    /// The seat a waitlist offer keeps for this citizen in the slot.
    Offer { entry: Uuid, citizen: Uuid },
    /// One seat for a draw's winner: the draw is the gate (its day is closed to first
    /// come), so no draw check.
    Drawn,
}

/// Holds seats of `s` in the caller's write transaction, before the booking row is
/// written: the contended row first, so a full slot stops the booking here. A draw opened
/// between the gate and this lock wins (see `draw::create`). The day's cached
/// availability goes when the transaction commits.
pub async fn hold(tx: &Tx, s: &slot::Model, how: Hold) -> Result<(), ApiError> {
    match how {
        Hold::Seats(n) => seats::take_seats(tx, s, n).await?,
        Hold::Offer { entry, citizen } => waitlist::claim(tx, entry, citizen, s.id).await?,
        Hold::Drawn => return seats::take_seats(tx, s, 1).await,
    }
    draw::check_no_open_draw(tx, &s.resource_id, &s.business_type, s.date).await
}

/// Gives seats back, in the same transaction as the cancellation that frees them; people
/// waiting for the day are offered them at once (see `waitlist`).
pub async fn release(tx: &Tx, state: &Context, slot_id: Uuid, n: i32) -> Result<(), ApiError> {
    waitlist::pass_on(tx, state, slot_id, n).await
}

/// One day of availability.
pub struct Day {
    pub date: NaiveDate,
    /// `open`, `not_open_yet`, `past`, `closed` (non-working day or closure), `draw`
    /// (seats given out by a draw, see `scheduling::draw`).
    pub state: &'static str,
    pub slots: Arc<Vec<slot::Model>>,
    /// The booking window of the day (a peak period's, or the resource's).
    pub window: Window,
}

/// Availability from `from` to `to` (inclusive), served from the short cache when it can be.
pub async fn availability(
    conn: &impl ConnectionTrait,
    cache: &AvailabilityCache,
    r: &resource::Model,
    business_type: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Day>, ApiError> {
    let today = domain::local_date(now);
    let cal = calendar(conn, from, to).await?;
    let draws = draw::open_days(conn, &r.id, business_type, from, to).await?;
    let periods = peak::in_range(conn, &r.id, from, to).await?;
    let mut days = Vec::new();
    let mut date = from;
    while date <= to {
        let key = (r.id.clone(), business_type.to_owned(), date);
        let window = peak::window(r, peak::covering(&periods, date));
        let (state, slots) = if date < today {
            ("past", Arc::default())
        } else if date > window.last_open_date(now) {
            ("not_open_yet", Arc::default())
        } else {
            let slots = match cache.get(&key) {
                Some(slots) => slots,
                None => {
                    let generation = cache.generation(&r.id);
                    let cal = cal.get(&date).copied();
                    let slots = Arc::new(day_slots(conn, r, business_type, date, cal).await?);
                    cache.put(key, generation, slots.clone());
                    slots
                }
            };
            // A day given out by draw shows its seats but takes no first-come booking.
            let state = match (slots.is_empty(), draws.contains(&date)) {
                (true, _) => "closed",
                (false, true) => "draw",
                (false, false) => "open",
            };
            (state, slots)
        };
        days.push(Day {
            date,
            state,
            slots,
            window,
        });
        date += Duration::days(1);
    }
    Ok(days)
}
