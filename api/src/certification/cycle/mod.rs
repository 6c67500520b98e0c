//! The certification cycle: who hears about a transferee, certifying (which ends a
//! suspension and records the back pay owed), the daily sweep that reminds before and on
//! the due date and suspends payment when it passes, exemptions and a bureau-wide window.
//!
//! Each change is one conditional update on the transferee's row inside a transaction
//! with its notices (outbox) and audit event, so that two instances sweeping at once, or
//! a sweep meeting a certification, neither lose nor double a notice.
mod certify;
mod job;
mod reminders;
mod rules;
mod sweep;

pub use certify::{How, certify};
pub use job::{SWEEP_JOB, run_sweep_job, sweeper};
pub use rules::{
    PROXY_SERVICE, claimants, cycle_months, event, first_due_on, lock, own_accounts, proxies,
    status_of,
};
pub use sweep::{Swept, sweep};
