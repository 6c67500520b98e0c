//! Scheduling routes: resources and their availability (public), and their settings,
//! templates, exceptions and the national calendar (admins).
mod calendar;
mod periods;
mod resources;
mod rules;
mod seats;
mod templates;

use utoipa_actix_web::service_config::ServiceConfig;

use calendar::{load_calendar, set_exception};
use periods::{create_period, delete_period, list_periods};
use resources::{get_resource, list_resources, save_resource};
use seats::availability;
use templates::{get_template, replace_template};

/// Mounts the scheduling routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_resources)
        .service(get_resource)
        .service(save_resource)
        .service(get_template)
        .service(replace_template)
        .service(set_exception)
        .service(load_calendar)
        .service(availability)
        .service(list_periods)
        .service(create_period)
        .service(delete_period);
}
