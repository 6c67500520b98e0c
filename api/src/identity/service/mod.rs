//! Rules of the identity room: binding a real name, verifying it (face or in person),
//! and proxies with consent. ID numbers and names are sealed; the blind index finds them.
mod proxies;
mod real_name;
mod rules;

pub use proxies::{
    NewProxy, PROXY_SERVICES, RELATIONS, grant_proxy, list_proxies, proxy_allowed, revoke_proxy,
};
pub use real_name::{bind, mark_verified_by_face, verify_in_person};
pub(crate) use rules::event;
pub use rules::{get, id_index, open_id_number, parse_id_number, parse_name, verified_index};
