//! The ladder of ways to certify (face is never the only one):
//! 1. WeChat face verification, 2. Tencent FaceID for app clients — each started and
//!    confirmed by the server, for the transferee's registered name and ID number, by the
//!    transferee or a relative they consented to (3. proxy);
//! 4. at a desk or on a home visit, a 1:1 comparison in-process (or a home visit without
//!    face); 5. manual review after repeated failures, decided by staff with a reason.
//!
//! Face checks need the transferee's separate consent, recorded before the first one and
//! withdrawable; attempts are limited per day; each is kept as a provider-neutral record.
mod consent;
mod desk;
mod finish;
mod review;
mod rules;
mod settle;
mod start;

pub use consent::{ConsentBy, set_consent};
pub use desk::{Photos, compare, home_visit};
pub use finish::finish;
pub use review::{decide, request_review};
pub use rules::{
    Acting, acting_for, find, has_consent, in_scope, open_review, staff_actor, with_open_review,
};
pub use start::{Started, start};
