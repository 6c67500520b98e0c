//! Sign-in and staff accounts: citizen sign-in (WeChat, email code), staff sign-in with
//! password and TOTP, sessions and tokens, and the `Citizen`/`Staff`/`Admin` extractors.
//! Owns `staff_account`, `citizen_account`, `auth_session`, `refresh_token`, `sign_in_code`.
pub mod citizen;
pub mod domain;
pub mod dto;
pub mod error;
pub mod extract;
pub mod password;
mod routes;
pub mod service;
pub mod session;
pub mod staff;
pub mod tokens;
pub use routes::{admin_routes, routes};
