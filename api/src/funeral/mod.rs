//! Funeral services (殡葬服务): funeral homes' priced services, and bookings a family
//! member makes for the deceased (body transport, farewell hall, cremation).
use utoipa_actix_web::service_config::ServiceConfig;

/// Mounts the funeral routes under `/api/v1`.
pub fn routes(_cfg: &mut ServiceConfig) {}
