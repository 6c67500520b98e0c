//! Proxy sweeping (代祭扫): a family orders a sweeping of a named grave (cemetery,
//! section, row, number) on a date with chosen items (cleaning, flowers, a written
//! message to read); the cemetery's staff accept it, perform it and attach photos as
//! proof; the family confirms or disputes. Photos pass the media intake (sniffed,
//! limited, EXIF and GPS gone, thumbnails, sealed at rest); a proof row keeps the stored
//! photo's SHA-256 and the server time and is never changed. An order whose date passes
//! without proof is flagged `overdue` to staff (`GET /desk/proxy-sweeps?overdue=true`).
//! The family may cancel until staff accept. Owns `sweep_order`, `sweep_proof`.
mod dto;
pub mod error;
mod routes;
pub mod service;
pub mod states;

pub use routes::routes;
