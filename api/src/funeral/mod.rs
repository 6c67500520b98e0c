//! Funeral services (殡葬服务): funeral homes' priced services, and bookings a family
//! member makes for the deceased (body transport, farewell hall, cremation). Owns
//! `funeral_service_item`, `funeral_booking`, `funeral_booking_line`.
//!
//! Design decisions:
//! - A funeral home is a scheduling `resource` of kind `funeral_home` with two business
//!   types: `farewell` (slot capacity = farewell halls) and `cremation` (cremations per
//!   slot). Seats are held with `scheduling::engine::hold` in the booking's write
//!   transaction, before the booking row, so no timing overbooks; cancelling gives them
//!   back with `engine::release`; a booking marked done keeps them (the service happened).
//! - Body transport is not a slot: the family asks for a time, the home confirms it or
//!   proposes another (`transport.status` `requested` → `proposed` → `agreed`); the family
//!   accepts a proposal, which confirms the booking. States and who moves them:
//!   `domain::allowed`, mirrored in `BookingDto`'s documentation.
//! - One active booking per deceased is the unique index on `active_key` (the blind index
//!   of the deceased's ID number while `pending`/`confirmed`, NULL after), not a read.
//! - Prices: an admin's catalogue per home (`PUT /funeral-homes/{id}/services/{code}`),
//!   in integer fen. Booking lines copy name, kind and unit price, so a later price change
//!   leaves existing totals alone. `basic` items (基本殡葬服务: transport, storage,
//!   cremation in the demo) are the bureau's free services: their line shows the list
//!   price, `free: true` and amount 0. Whether an item is basic is the bureau's decision,
//!   made per item in the catalogue (no per-person eligibility is modelled).
//! - Items must match the choices both ways (a `farewell` item needs a farewell slot and
//!   a farewell slot needs a `farewell` item; same for cremation and transport), so the
//!   total always covers what is booked. At least one of transport, farewell, cremation.
//! - Personal data: the deceased's name, ID number, certificate number, the transport
//!   address, contact name and phone are sealed. The family sees everything masked (they
//!   typed it). The home's clerks see the deceased's name, the address and contact in
//!   full (they collect the body and call), but the ID number and certificate number
//!   masked: they check the paper certificate at the desk, and may view the uploaded
//!   certificate photo (each view audited). The certificate photo must be a media the
//!   caller uploaded. Notices name the deceased by masked ID number only.
//! - Scope: clerks (`funeral_home` scope, id = the home's resource id) see only their
//!   home's bookings: another home's list is 403, another home's booking 404 (its
//!   existence does not leak). District admins see every home; other staff (marriage
//!   clerks, street reviewers, district approvers) get 403 on every desk route.
//! - The family may cancel until the home's `cancel_minutes` before the first service
//!   (transport time or slot). Nobody can book for themselves (deceased = caller).
//! - Every change is audited and the family notified (email/WeChat, purpose
//!   `funeral_booking`) in the same transaction.
pub mod domain;
mod dto;
pub mod error;
mod notify;
mod routes;
pub mod seed;
pub mod service;
pub mod states;

pub use routes::routes;
