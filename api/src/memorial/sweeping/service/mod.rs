//! Rules of proxy sweeping. One state machine, each step a conditional update on the
//! order's status (two clerks or a clerk and the family acting at once cannot both win):
//!
//! ordered → accepted (staff) → done (staff attach photo proof) → confirmed | disputed
//! (family); a disputed order takes more proof (→ done again). The family cancels only
//! while `ordered`. Proof rows are append-only and keep the stored photo's SHA-256 and the
//! server time, so a photo cannot be swapped afterwards unnoticed.
mod citizen;
mod lists;
mod rules;
mod staff;

pub use citizen::{NewOrder, cancel, decide, order};
pub use lists::{for_cemetery, mine, overdue};
pub use rules::{MAX_PHOTOS, for_citizen, for_staff, proof_of, proofs_of};
pub use staff::{accept, attach_proof};
