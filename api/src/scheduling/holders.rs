//! What a room lends scheduling so that a day closing after it was booked can tell and
//! cancel its bookings (see `closing`). The rooms' holders are listed at start-up
//! (`startup::seat_holders`) and kept in `AppState::seat_holders`; this file names no
//! room and not the app's state, so the state can hold them without importing a room.
use futures_util::future::BoxFuture;
use uuid::Uuid;

use crate::error::ApiError;
use crate::platform::context::Context;
use crate::platform::tx::Tx;

/// A booking holding seats on a day that closes.
#[derive(Clone, Debug)]
pub struct TouchedBooking {
    /// `marriage_appointment`, ...
    pub kind: &'static str,
    pub id: Uuid,
    /// What the people concerned and the desk know it by (a booking code).
    pub code: String,
    pub slot_id: Uuid,
}

/// The bookings of a room holding seats of these slots.
pub type FindTouched =
    for<'a> fn(&'a Tx, &'a [Uuid]) -> BoxFuture<'a, Result<Vec<TouchedBooking>, ApiError>>;

/// Cancels a room's bookings on these slots with the reason, gives their seats back and
/// queues the notices, in the caller's transaction; answers what it cancelled.
pub type CancelTouched = for<'a> fn(
    &'a Tx,
    &'a Context,
    &'a [Uuid],
    &'a str,
) -> BoxFuture<'a, Result<Vec<TouchedBooking>, ApiError>>;

/// What a room lends scheduling so that a closing day can tell and cancel its bookings.
pub struct SeatHolder {
    pub find: FindTouched,
    pub cancel: CancelTouched,
}
