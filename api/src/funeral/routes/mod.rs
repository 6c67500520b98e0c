//! Funeral routes: the homes and their price lists (public; district admins set prices),
//! the family's bookings, and the home's clerks working through their bookings.
mod booking;
mod homes;
mod rules;
mod staff;

use utoipa_actix_web::service_config::ServiceConfig;

use booking::{accept_transport_time, book, cancel, mine, one};
use homes::{list_homes, list_services, save_gaps, save_service};
use staff::{certificate, confirm, desk_one, done, home_bookings, propose_transport_time};

/// Mounts the funeral routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_homes)
        .service(list_services)
        .service(save_service)
        .service(save_gaps)
        .service(book)
        .service(mine)
        .service(one)
        .service(cancel)
        .service(accept_transport_time)
        .service(home_bookings)
        .service(desk_one)
        .service(certificate)
        .service(confirm)
        .service(propose_transport_time)
        .service(done);
}
