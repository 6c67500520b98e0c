//! Every integration test, one module a room, in one binary: the suite links the service
//! once instead of once a file (zero-to-production's `tests/api/main.rs`). The intake's
//! memory test stays a binary of its own: its counting allocator must see no other test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests stop at the first surprise, and each reads as one story"
)]
mod access_matrix;
mod applications;
mod certification;
mod certification_face;
mod citizen_sign_in;
mod console;
mod contract;
mod errors;
mod funeral;
mod identity;
mod marriage;
mod media;
mod memorial_halls;
mod operations;
mod proxy_sweeping;
mod reference;
mod rush_days;
mod shared_mechanisms;
mod staff_auth;
mod startup;
mod tokens;
mod tomb_visits;
