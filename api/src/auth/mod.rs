//! Sign-in and staff accounts: citizen sign-in (WeChat, email code), staff sign-in with
//! password and TOTP, sessions and tokens, and the `Citizen`/`Staff`/`Admin` extractors.
//! Owns `staff_account`, `citizen_account`, `auth_session`, `refresh_token`, `email_code`.
pub mod domain;
pub mod extract;
pub mod service;
pub mod session;
pub mod tokens;
