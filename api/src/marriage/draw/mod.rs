//! Marriage registration by draw on rush days (5.20, 七夕, 2.14): couples hand in one
//! request for the day during the window; after it closes the draw ranks the requests
//! (`scheduling::draw::order`) and books the winners, in rank order, into the day's slots
//! by time until the seats run out. One transaction does the whole draw, with a savepoint
//! per winner: a winner who no longer qualifies (say, booked elsewhere meanwhile) is
//! recorded as `failed` and the seat goes to the next rank.
mod requests;
mod rules;
mod run;
mod winners;

pub use requests::{hand_in, list_mine, withdraw};
pub use rules::{mine, parties_masked, ranking};
pub use run::{run, run_due};
