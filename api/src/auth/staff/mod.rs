//! Staff sign-in, password change, TOTP, and the admin's management of staff accounts.
mod accounts;
mod rules;
mod scope;
mod security;
mod sign_in;

pub use accounts::{NewStaff, create, list, reset_from_server, reset_totp, set_disabled};
pub use scope::check_scope;
pub use security::{change_password, confirm_totp, start_totp};
pub use sign_in::{LOCK_AFTER, LOCK_FOR, SignedIn, sign_in};
