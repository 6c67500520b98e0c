//! Marriage registration appointments (婚姻登记预约): booking a slot for a couple, the
//! other party's confirmation, cancellation, the desk's check-in, completion and no-show.
//! Owns `marriage_appointment` and `marriage_party`; takes seats through `scheduling`.
pub mod closing;
pub mod domain;
pub mod draw;
mod draw_routes;
mod dto;
pub mod error;
pub mod notify;
mod routes;
pub mod seed;
pub mod service;
mod share;
pub mod states;
pub mod status;
pub mod sweeper;
mod waitlist_routes;

pub use routes::desk_routes;

/// Mounts the citizens' routes under `/api/v1/marriage`: appointments, waitlists, draws.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(routes::routes)
        .configure(waitlist_routes::routes)
        .configure(draw_routes::routes);
}
