//! Routes of online memorial halls: pages, family, tributes, messages, moderation, and
//! the sensitive-word list.
mod halls;
mod membership;
mod moderation;
mod rules;
mod visits;

use utoipa_actix_web::service_config::ServiceConfig;

use halls::{create, list_mine, list_public, one, portrait, rotate_link, update};
use membership::{invite, join, members, remove_member};
use moderation::{approve, get_words, hide, restore, save_words, staff_queue, take_down};
use visits::{messages, post_message, tribute};

/// Mounts the routes under `/api/v1`. Fixed paths come before `{id}` ones.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_public)
        .service(list_mine)
        .service(join)
        .service(staff_queue)
        .service(get_words)
        .service(save_words)
        .service(create)
        .service(one)
        .service(update)
        .service(portrait)
        .service(rotate_link)
        .service(invite)
        .service(members)
        .service(remove_member)
        .service(tribute)
        .service(messages)
        .service(post_message)
        .service(approve)
        .service(hide)
        .service(take_down)
        .service(restore);
}
