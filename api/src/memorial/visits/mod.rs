//! Tomb visit reservations (预约祭扫) at public cemeteries and village burial grounds.
//!
//! A cemetery is a scheduling resource (kind `cemetery` or `burial_ground`) with the
//! business type `visit`; a slot's seats count persons. Peak periods (清明, 冬至) come from
//! the scheduling core (`scheduling::peak`): their own half-hour layout and an earlier
//! opening. A reservation names every person of the party (1-5) with an ID number; each
//! ID number holds one active reservation a day (a partial unique index on the sealed
//! party rows), and one grave takes at most `grave_persons_per_day` (5) persons a day
//! across all reservations (a counter row per grave and day, taken by a conditional
//! update in the booking's transaction). One booking code and QR code for the party;
//! the gate clerk checks it in on the day and counts walk-ins. Owns `tomb_visit`,
//! `tomb_visitor`, `grave_day`, `walk_in`.
pub mod domain;
mod dto;
pub mod error;
mod routes;
pub mod service;

pub use dto::GraveDto;
pub use routes::routes;
