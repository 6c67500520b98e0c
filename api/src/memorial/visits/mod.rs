//! (being built)
use utoipa_actix_web::service_config::ServiceConfig;

/// Mounts the routes under `/api/v1`.
pub fn routes(_cfg: &mut ServiceConfig) {}
