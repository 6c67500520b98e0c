//! The sandbox of `dev` mode: `/dev/outbox` (HTML) and `/dev/outbox.json` list the last
//! messages the service queued (emails with their sign-in codes, WeChat messages), so a
//! newcomer signs in from the docs page without opening `.eml` files. Mounted only in
//! `dev` mode: in `production` the paths do not exist (404). Not part of the API contract.
use actix_web::{HttpResponse, get, web};
use entity::outbox_message;
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::error::ApiError;
use crate::platform::context::Context;
use crate::state::AppState;

/// How many of the newest messages the pages show.
const SHOWN: u64 = 50;

/// Mounts the sandbox pages (the caller mounts them in `dev` mode only).
pub fn mount(cfg: &mut web::ServiceConfig) {
    cfg.service(outbox_json).service(outbox_html);
}

/// One queued message as the sandbox shows it, opened.
#[derive(Debug, Serialize)]
struct Shown {
    id: uuid::Uuid,
    created_at: String,
    channel: String,
    recipient: String,
    template: String,
    status: String,
    /// Email: `subject` and `body`; WeChat: `purpose`, `page` and `data`.
    message: serde_json::Value,
}

async fn newest(state: &Context) -> Result<Vec<Shown>, ApiError> {
    let rows = outbox_message::Entity::find()
        .order_by_desc(outbox_message::Column::CreatedAt)
        .order_by_desc(outbox_message::Column::Id)
        .limit(SHOWN)
        .all(&state.db)
        .await?;
    rows.into_iter()
        .map(|row| {
            let text = state
                .sealer
                .open(&row.payload)
                .map_err(ApiError::internal)?;
            let message = serde_json::from_str(&text).map_err(ApiError::internal)?;
            Ok(Shown {
                id: row.id,
                created_at: crate::platform::clock::format(row.created_at),
                channel: row.channel,
                recipient: row.recipient,
                template: row.template,
                status: row.status,
                message,
            })
        })
        .collect()
}

#[get("/dev/outbox.json")]
async fn outbox_json(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let items = newest(&state).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[get("/dev/outbox")]
async fn outbox_html(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let items = newest(&state).await?;
    let mut rows = String::new();
    for m in &items {
        let text = match m.channel.as_str() {
            "email" => format!(
                "<b>{}</b>\n{}",
                escape(m.message["subject"].as_str().unwrap_or_default()),
                escape(m.message["body"].as_str().unwrap_or_default())
            ),
            _ => escape(&serde_json::to_string_pretty(&m.message).unwrap_or_default()),
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><pre>{text}</pre></td></tr>\n",
            escape(&m.created_at),
            escape(&m.channel),
            escape(&m.recipient),
            escape(&m.template),
            escape(&m.status),
        ));
    }
    let page = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>开发发件箱 / dev outbox</title>\
         <style>body{{font-family:sans-serif;margin:1.5rem}}td,th{{border:1px solid #ccc;padding:.3rem;vertical-align:top;text-align:left}}\
         table{{border-collapse:collapse}}pre{{white-space:pre-wrap;margin:0}}</style></head><body>\
         <h1>开发发件箱 / dev outbox</h1><p>The newest {SHOWN} messages this server queued (dev mode only; \
         <a href=\"/dev/outbox.json\">JSON</a>, <a href=\"/docs/\">API docs</a>). Emails are also written to <code>data/mail/</code>.</p>\
         <table><tr><th>time</th><th>channel</th><th>to</th><th>template</th><th>status</th><th>message</th></tr>\n{rows}</table></body></html>"
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page))
}

/// HTML-escapes text for the page.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
