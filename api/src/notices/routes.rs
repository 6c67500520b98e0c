//! The route that lists the subscribe-message purposes with their configured templates.
use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::PURPOSES;
use crate::state::AppState;

/// A purpose as the route lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscribePurposeDto {
    /// The purpose's name (the key in `[wechat_templates]`).
    pub purpose: &'static str,
    pub title: &'static str,
    /// The template's keywords in order, with what each carries.
    pub keywords: Vec<SubscribeKeywordDto>,
    /// The configured template id; `null` when none is configured (no message is sent).
    pub template_id: Option<String>,
}

/// One keyword of a template.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscribeKeywordDto {
    pub key: &'static str,
    pub meaning: &'static str,
}

/// The subscribe-message purposes (bounded by nature: one entry per purpose, never paged).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"purpose": "marriage_appointment", "title": "婚姻登记预约通知",
    "keywords": [{"key": "thing1", "meaning": "事项"}, {"key": "time2", "meaning": "预约时间"},
                 {"key": "thing3", "meaning": "登记机关"}, {"key": "character_string4", "meaning": "预约码"}],
    "template_id": "Xr3k9aQ1bYc2dZe4fGh5iJk6lMn7oPq8rSt9uVw0xY"}], "next_cursor": null}))]
pub struct SubscribePurposeListDto {
    pub items: Vec<SubscribePurposeDto>,
    /// Always `null`: the list is short and complete.
    pub next_cursor: Option<String>,
}

/// Mounts the route under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(purposes);
}

/// The WeChat subscribe-message purposes, their keyword layout and template ids.
///
/// Call `wx.requestSubscribeMessage({tmplIds})` with the template ids of the purposes a
/// flow will send (for a marriage booking: `marriage_appointment`, and `waitlist_offer`
/// when joining a waitlist) before the action: WeChat delivers one message per consent.
/// A purpose whose `template_id` is `null` sends no WeChat message on this server.
/// Bounded by nature (one entry per purpose): never paged, `next_cursor` is always `null`.
#[utoipa::path(tag = "reference", operation_id = "reference.subscribe_purposes",
    responses((status = 200, description = "Every purpose", body = SubscribePurposeListDto)))]
#[get("/wechat/subscribe-purposes")]
async fn purposes(state: web::Data<AppState>) -> web::Json<SubscribePurposeListDto> {
    let templates = &state.config.wechat_templates;
    let items = PURPOSES
        .iter()
        .map(|p| SubscribePurposeDto {
            purpose: p.name,
            title: p.title,
            keywords: p
                .keywords
                .iter()
                .map(|(key, meaning)| SubscribeKeywordDto { key, meaning })
                .collect(),
            template_id: templates.get(p.name).cloned(),
        })
        .collect();
    web::Json(SubscribePurposeListDto {
        items,
        next_cursor: None,
    })
}
