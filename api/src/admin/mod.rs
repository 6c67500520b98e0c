//! Bureau administration: the district's reference data (streets) now; settings and
//! statistics as later issues land, and the blind-index key's rotation (`blind_index`).
//! Owns the `street` table.
pub mod blind_index;
pub mod dto;
pub mod error;
pub mod kinds;
mod routes;
pub mod service;

pub use routes::routes;
