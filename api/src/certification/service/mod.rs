//! Registry records one at a time (admins), exemptions and staff-recorded proxies (street
//! staff), the bureau-wide window, and what a citizen may certify for.
mod proxies;
mod records;
mod registry;

pub use proxies::{add_proxy, recorded_proxies, revoke_proxy};
pub use records::{contact, history};
pub use registry::{Patch, create, exempt, list, mine, street, update};
