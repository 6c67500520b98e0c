//! Sign-in and staff accounts. For now it owns the `staff_account` table and seeds the
//! first admin; sign-in, tokens and the `Citizen`/`Staff` extractors come with the
//! identity-and-access issue.
pub mod domain;
pub mod service;
