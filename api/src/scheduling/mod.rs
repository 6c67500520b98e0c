//! The scheduling core shared by marriage appointments, funeral bookings and cemetery
//! visits: resources with weekly slot templates, the national calendar (holidays and
//! make-up working days), dated exceptions, booking windows and cut-offs, and slots whose
//! seat counters can never be overbooked. Owns `resource`, `slot_template`,
//! `calendar_day`, `resource_exception`, `slot`, `waitlist_entry`, `draw`, `peak_period`,
//! `peak_slot_template`. Rooms that book call `service`; what admins set up
//! (resources, templates, calendar, exceptions) is `setup`.
pub mod cache;
mod calendar;
pub mod closing;
mod days;
pub mod domain;
pub mod draw;
mod dto;
pub mod engine;
pub mod error;
pub mod holders;
pub mod peak;
mod routes;
mod seats;
pub mod setup;
pub mod states;
pub mod waitlist;

pub use routes::routes;
