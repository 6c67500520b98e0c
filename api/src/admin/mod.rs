//! Bureau administration: the district's reference data (streets) now; settings and
//! statistics as later issues land. Owns the `street` table.
pub mod dto;
pub mod error;
pub mod kinds;
mod routes;
pub mod service;

pub use routes::routes;
