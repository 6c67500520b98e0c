//! Online tomb-sweeping services (互联网+祭扫), one folder each: tomb visit reservations
//! at cemeteries (`visits`), proxy sweeping with photo proof (`sweeping`), and online
//! memorial halls (`halls`).
use utoipa_actix_web::service_config::ServiceConfig;

pub mod halls;
pub mod sweeping;
pub mod visits;

/// Mounts the routes of all three under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.configure(visits::routes)
        .configure(sweeping::routes)
        .configure(halls::routes);
}
