//! Online applications for social assistance (网上申请, 一网通办): the versioned catalogue
//! of services, applying (drafts, forms, household, materials, submission, supplements,
//! withdrawal), routing to the responsible street, reviewing and approval through one
//! state machine, deadlines in working days, draft purging and statistics. Owns
//! `service_version`, `application`, `application_member`, `application_material`,
//! `application_event`, `application_hold`.
pub mod catalogue;
pub mod domain;
mod dto;
pub mod error;
pub mod review;
mod routes;
pub mod service;
pub mod states;
mod view;

pub use routes::routes;
