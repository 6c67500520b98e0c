//! Statistics and notices on the wire.
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::platform::clock;

/// Counts by status for a street (or `district`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"street_id": "yongshun", "total": 1200, "counts": {"certified": 900, "due": 200, "overdue": 60, "exempt": 30, "stopped": 10}, "suspended": 58}))]
pub struct StatsDto {
    pub street_id: String,
    pub total: u64,
    /// Keys `certified`, `due`, `overdue`, `exempt`, `stopped`.
    pub counts: std::collections::BTreeMap<String, u64>,
    /// Payments currently suspended.
    pub suspended: u64,
}

/// One certification notice as a desk sees it: by which channel, to whom, and whether it
/// went out. Never the message itself.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-cccc-7b61-9d1e-3f0c2a9b8e71", "channel": "sms", "to_account": null, "recipient": "+86 138****8000", "status": "sent", "attempts": 1, "created_at": "2026-12-01T09:00:00+08:00", "sent_at": "2026-12-01T09:00:02+08:00", "failure": null}))]
pub struct NoticeDto {
    pub id: Uuid,
    #[schema(value_type = crate::notices::NoticeChannel)]
    pub channel: String,
    /// The account it went to; `null` for an SMS to the registry's phone.
    pub to_account: Option<Uuid>,
    /// For an SMS, the number masked; `null` for other channels.
    pub recipient: Option<String>,
    #[schema(value_type = crate::notices::NoticeStatus)]
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    /// Why the last attempt failed (the provider's answer), while pending or failed.
    pub failure: Option<String>,
}

impl NoticeDto {
    pub fn new(row: entity::outbox_message::Model, transferee: Uuid) -> NoticeDto {
        NoticeDto {
            id: row.id,
            to_account: row.person_id.filter(|p| *p != transferee),
            recipient: (row.channel == "sms").then_some(row.recipient),
            channel: row.channel,
            status: row.status,
            attempts: row.attempts,
            created_at: clock::format(row.created_at),
            sent_at: row.sent_at.map(clock::format),
            failure: row.last_error,
        }
    }
}

/// A page of notices, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-cccc-7b61-9d1e-3f0c2a9b8e71", "channel": "sms", "to_account": null, "recipient": "+86 138****8000", "status": "failed", "attempts": 1, "created_at": "2026-12-01T09:00:00+08:00", "sent_at": null, "failure": "the number's daily SMS cap is reached"}], "next_cursor": null}))]
pub struct NoticeList {
    pub items: Vec<NoticeDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
