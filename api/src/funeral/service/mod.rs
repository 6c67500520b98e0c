//! Rules of funeral services, one transaction per change. A booking takes its farewell
//! and cremation seats with the scheduling core's conditional update and writes the
//! booking and its priced lines in the same transaction; "one active booking per
//! deceased" is the unique `active_key`.
//!
//! One use case a file: `setup` (gaps, price list), `check` and `book`, `lists`, `cancel`
//! (and lapsing), `transport`, `staff`; what they share is `rules`.
mod book;
mod cancel;
mod check;
mod lists;
mod rules;
mod setup;
mod staff;
mod transport;

pub use book::book;
pub use cancel::{cancel, lapse_unconfirmed, sweeper};
pub use check::{NewBooking, NewTransport};
pub use lists::{list_for_home, list_mine};
pub use rules::{Full, covers, for_citizen, for_staff, gaps, home, load, slots_of};
pub use setup::{ItemSpec, catalogue, homes, save_gaps, save_item};
pub use staff::{certificate, confirm, mark_done};
pub use transport::{accept_transport_time, propose_transport_time};
