//! Waitlists for full days. A person joins the line of a day with no free seat; when a
//! seat comes free (a cancellation, an unconfirmed booking released, more capacity) it is
//! not given back to the crowd but taken again, in the same transaction, for the first
//! in line, who has `waitlist_claim_minutes` to book it. An offer not claimed in time
//! lapses and the seat passes to the next in line; with nobody left it is free again.
mod end;
mod entries;
mod join;
mod offer;

pub use end::{claim, end_for_person, leave, sweep};
pub use entries::{ACTIVE, list_mine, mine, place_in_line};
pub use join::join;
/// For the engine's `release` only: rooms give seats back through `engine::release`.
pub(in crate::scheduling) use offer::pass_on;
pub use offer::{offer_day, offer_free_seats};
