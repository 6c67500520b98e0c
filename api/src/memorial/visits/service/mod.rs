//! Rules of tomb visit reservations, each change in one write transaction: seats of the
//! slot (scheduling core), persons per grave and day (a counter row taken by one
//! conditional update), one active reservation per ID number and day (a partial unique
//! index), then the reservation itself.
mod book;
mod cancel;
mod gate;
mod lists;
mod rules;
mod seed;

pub use book::{NewVisit, book};
pub use cancel::cancel;
pub use gate::{check_in, lookup, record_walk_in};
pub use lists::{Load, day_list, load, mine};
pub use rules::{
    KINDS, MAX_PARTY, MAX_PLATES, VISIT, cemetery, covers, for_citizen, for_staff, visitors_of,
};
pub use seed::seed_cemeteries;
