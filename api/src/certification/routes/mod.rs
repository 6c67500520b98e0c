//! Survival certification routes. Citizens (the transferee or a consented relative):
//! `/certification/mine`, consent, WeChat and FaceID checks, reviews. Street staff:
//! the registry list, exemptions, proxies, desk comparisons and home visits, reviews,
//! statistics, export and plot. Admins: records, the window, a sweep now.
mod admin;
mod citizen;
mod desk;
mod proxy;
mod records;
mod registry;
mod review;
mod rules;
mod statistics;

use utoipa_actix_web::service_config::ServiceConfig;

use admin::{sweep, window};
use citizen::{
    ask_review, confirm, give_consent, mine, start_faceid, start_wechat, withdraw_consent,
};
use desk::{compare, desk_consent, desk_withdraw, home_visit};
use proxy::{add_proxy, proxies, revoke_proxy};
use records::{contact, history, notices};
use registry::{change, create, end_exemption, list, one, set_exemption};
use review::{decide, reviews};
use statistics::{export, overdue, progress, street_stats};

/// Mounts the routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(mine)
        .service(give_consent)
        .service(withdraw_consent)
        .service(start_wechat)
        .service(start_faceid)
        .service(confirm)
        .service(ask_review)
        .service(create)
        .service(list)
        .service(one)
        .service(change)
        .service(set_exemption)
        .service(end_exemption)
        .service(add_proxy)
        .service(proxies)
        .service(notices)
        .service(revoke_proxy)
        .service(history)
        .service(contact)
        .service(window)
        .service(sweep)
        .service(desk_consent)
        .service(desk_withdraw)
        .service(compare)
        .service(home_visit)
        .service(reviews)
        .service(decide)
        .service(street_stats)
        .service(overdue)
        .service(export)
        .service(progress);
}
