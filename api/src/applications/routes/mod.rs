//! Routes of the catalogue (public; admins save new versions), of applying (citizens and
//! their proxies) and of reviewing (street reviewers, district approvers).
mod applying;
mod offered;
mod reviewing;
mod rules;

use utoipa_actix_web::service_config::ServiceConfig;

use applying::{
    add_material, create, delete_draft, material_file, mine, one, remove_material, save_form,
    save_household, submit, supplement, withdraw,
};
use offered::{get_service, list_services, save_service};
use reviewing::{
    act, queue, review_material_file, review_material_thumbnail, review_one, statistics,
};

/// Mounts the routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_services)
        .service(get_service)
        .service(save_service)
        .service(create)
        .service(mine)
        .service(one)
        .service(save_form)
        .service(save_household)
        .service(add_material)
        .service(remove_material)
        .service(delete_draft)
        .service(material_file)
        .service(submit)
        .service(withdraw)
        .service(supplement)
        .service(queue)
        .service(review_one)
        .service(act)
        .service(review_material_file)
        .service(review_material_thumbnail)
        .service(statistics);
}
