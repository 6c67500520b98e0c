//! Rules of marriage appointments, one use case a file (`book`, `confirm`, `cancel`,
//! `reschedule`, `lists`, `desk`, `divorce`; what they share is `rules`). A booking holds
//! its seat through `scheduling::engine` and writes the appointment and its parties in
//! the same transaction; "one active appointment per person" is the unique `active_key`.
mod book;
mod cancel;
mod confirm;
mod desk;
mod divorce;
mod lists;
mod reschedule;
mod rules;

pub use book::{Booking, book, write_appointment};
pub use cancel::cancel;
pub use confirm::{confirm, expire_unconfirmed};
pub use desk::{NO_SHOW_UNDO_MINUTES, day_sheet, desk_action, desk_lookup};
pub use divorce::{
    lapse_divorce_applications, my_divorce_applications, record_divorce_application,
    withdraw_divorce_application,
};
pub use lists::list_for_citizen;
pub use reschedule::reschedule;
pub use rules::{
    ACTIVE, NewParty, check_not_blocked, check_people, covers, id_indexes, load_for_citizen,
};
pub(crate) use rules::{end, event, load, masked};
