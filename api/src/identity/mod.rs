//! Identity: resident ID numbers (GB 11643) now; real names, proxies and consent as the
//! identity issue lands. Owns the rules of what a valid ID number is and how it is shown.
pub mod access;
pub mod deletion;
pub mod domain;
mod dto;
mod erasure;
pub mod error;
mod face;
pub mod my_data;
mod routes;
pub mod service;
pub mod states;

pub use routes::routes;
