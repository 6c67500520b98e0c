//! Applying: a citizen with a verified real name (or a proxy with consent for the service)
//! creates a draft, fills the form, declares the household, attaches materials and
//! submits; every later step goes through [`transition`], which checks the state machine,
//! records the history, releases the household at the end, audits and tells the citizen.
//!
//! One use case a file: `create`, `draft`, `submit` (and withdraw), `supplement`, `sweep`;
//! every status change is `transition`; what they share is `rules`.
mod create;
mod draft;
mod rules;
mod submit;
mod supplement;
mod sweep;
mod transition;

pub use create::create;
pub use draft::{add_material, delete_draft, remove_material, save_form, save_household};
pub use rules::{
    By, NewMember, RELATIONS, for_citizen, form_of, history_of, list_mine, materials_of,
    members_of, service_of, working_days,
};
pub use submit::{household_overlap, submit, withdraw};
pub use supplement::answer_supplement;
pub use sweep::{sweep_drafts, sweeper};
pub use transition::{illegal, status_label, transition};
