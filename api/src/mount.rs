//! Where every room's routes are registered, once: the running app (`startup`) and the
//! contract (`openapi::spec`) are both built from this list, so they cannot drift.
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::openapi::route::contract;
use crate::{
    admin, applications, auth, funeral, health, identity, marriage, media, memorial, scheduling,
};

/// Registers every room's routes; the OpenAPI contract is collected from the same calls.
pub fn mount(cfg: &mut ServiceConfig) {
    // One `/api/v1` scope: actix stops at the first scope whose prefix matches, so two
    // scopes sharing a prefix would hide each other's routes.
    let v1 = scope("/api/v1")
        .service(contract)
        .configure(admin::routes)
        .configure(auth::routes)
        .configure(auth::admin_routes)
        .configure(scheduling::routes)
        .configure(marriage::routes)
        .configure(marriage::desk_routes)
        .configure(media::routes)
        .configure(applications::routes)
        .configure(funeral::routes)
        .configure(memorial::routes)
        .configure(crate::certification::routes)
        .configure(crate::notices::routes::routes)
        .service(scope("/identity").configure(identity::routes));
    cfg.configure(health::routes).service(v1);
}
