//! Wire types of online memorial halls.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::states::{
    MemorialHoldReason, MemorialMemberRole, MemorialMessageStatus, MemorialStatus,
    MemorialTributeKind, MemorialViewerRole, MemorialVisibility,
};

/// Creating a memorial hall, or replacing its details (the creator).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"deceased_name": "王秀英", "birth_date": "1938-03-12", "death_date": "2025-12-01", "biography": "一生勤劳善良，教书育人四十年。", "portrait_media_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "visibility": "family", "pre_review": false}))]
pub struct MemorialRequest {
    /// The deceased's name, 1 to 30 characters.
    pub deceased_name: String,
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    /// Required, not after today (Beijing): no memorials for living persons.
    #[serde(default)]
    pub death_date: Option<NaiveDate>,
    /// Up to 5,000 characters.
    #[serde(default)]
    pub biography: Option<String>,
    /// An image you uploaded (`POST /api/v1/media`) as the portrait.
    #[serde(default)]
    pub portrait_media_id: Option<Uuid>,
    /// `public` (listed, anyone), `link` (anyone holding the share link) or `family`
    /// (the creator and invited family only).
    #[schema(value_type = MemorialVisibility)]
    pub visibility: String,
    /// Whether every message waits for the family's approval before it shows. Always on
    /// for `public` pages (asking for `false` there is refused); default on.
    #[serde(default)]
    pub pre_review: Option<bool>,
}

/// The tribute counters of a page (no ranking, no prices: counts only).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"flowers": 128, "candles": 40, "incense": 12}))]
pub struct MemorialTributeCountsDto {
    pub flowers: i64,
    pub candles: i64,
    pub incense: i64,
}

/// A memorial hall as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "deceased_name": "王秀英", "birth_date": "1938-03-12", "death_date": "2025-12-01", "biography": "一生勤劳善良，教书育人四十年。",
    "portrait_url": "/api/v1/memorials/0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71/portrait", "visibility": "link", "pre_review": true, "status": "active", "takedown_reason": null,
    "tributes": {"flowers": 128, "candles": 40, "incense": 12}, "your_role": "owner", "share_token": "q3Vb8m1xZ0kP7tRw2yLc9A",
    "created_at": "2026-04-01T09:00:00+08:00", "updated_at": "2026-04-02T10:30:00+08:00"}))]
pub struct MemorialDto {
    pub id: Uuid,
    pub deceased_name: String,
    pub birth_date: Option<NaiveDate>,
    pub death_date: NaiveDate,
    pub biography: String,
    /// Where to fetch the portrait (pass `token` too for a `link` page), when there is one.
    pub portrait_url: Option<String>,
    /// `public`, `link` or `family`.
    #[schema(value_type = MemorialVisibility)]
    pub visibility: String,
    pub pre_review: bool,
    /// `active` or `taken_down` (only the family and staff ever see a taken-down page).
    #[schema(value_type = MemorialStatus)]
    pub status: String,
    /// Why staff took the page down (family and staff only).
    pub takedown_reason: Option<String>,
    pub tributes: MemorialTributeCountsDto,
    /// The caller's relation to the page: `owner`, `family`, `staff` or `visitor`.
    #[schema(value_type = MemorialViewerRole)]
    pub your_role: String,
    /// The share-link token (`GET /api/v1/memorials/{id}?token=`), for the family only.
    pub share_token: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// One page of memorial halls.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "deceased_name": "王秀英", "birth_date": null, "death_date": "2025-12-01", "biography": "",
    "portrait_url": null, "visibility": "public", "pre_review": true, "status": "active", "takedown_reason": null,
    "tributes": {"flowers": 3, "candles": 1, "incense": 0}, "your_role": "visitor", "share_token": null,
    "created_at": "2026-04-01T09:00:00+08:00", "updated_at": "2026-04-01T09:00:00+08:00"}], "next_cursor": "MDE5M2E2YzQ"}))]
pub struct MemorialPageDto {
    pub items: Vec<MemorialDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Which page of a list, and the share-link token for a `link` page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessQuery {
    /// The share-link token, for a page visible by link.
    pub token: Option<String>,
}

/// The portrait, full size or as a thumbnail.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PortraitQuery {
    /// The share-link token, for a page visible by link.
    pub token: Option<String>,
    /// The small JPEG instead of the full image.
    #[serde(default)]
    pub thumbnail: bool,
}

/// A list page of memorial halls.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

/// A list page of a memorial's messages.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
    /// The share-link token, for a page visible by link.
    pub token: Option<String>,
    /// For the family and staff: only messages in this state (`held`, `published`, `hidden`).
    pub status: Option<MemorialMessageStatus>,
}

/// Leaving a tribute.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "flower"}))]
pub struct MemorialTributeRequest {
    /// `flower` (献花), `candle` (点烛) or `incense` (上香).
    pub kind: MemorialTributeKind,
}

/// Leaving a message.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "外婆，清明又到了，我们都很想念您。", "display_name": "外孙小明"}))]
pub struct MemorialMessageRequest {
    /// 1 to 500 characters.
    pub body: String,
    /// The name shown with the message, 1 to 20 characters; default your masked real
    /// name (`张*`). Your verified real name stays behind it.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// A message on a memorial hall.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e72", "memorial_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "display_name": "外孙小明", "body": "外婆，清明又到了，我们都很想念您。",
    "status": "held", "hold_reason": "pre_review", "mine": true, "author_id": null, "created_at": "2026-04-04T08:12:00+08:00"}))]
pub struct MemorialMessageDto {
    pub id: Uuid,
    pub memorial_id: Uuid,
    pub display_name: String,
    pub body: String,
    /// `published`, `held` (waiting for review) or `hidden`.
    #[schema(value_type = MemorialMessageStatus)]
    pub status: String,
    /// Why a message is held: `pre_review` (the family approves) or `sensitive_word`
    /// (staff review). Shown to the author, the family and staff.
    #[schema(value_type = Option<MemorialHoldReason>)]
    pub hold_reason: Option<String>,
    /// Whether the caller wrote it.
    pub mine: bool,
    /// The author's account, for staff only (real name behind, free display in front).
    pub author_id: Option<Uuid>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// One page of messages.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e72", "memorial_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "display_name": "张*", "body": "永远怀念您。",
    "status": "published", "hold_reason": null, "mine": false, "author_id": null, "created_at": "2026-04-04T08:12:00+08:00"}], "next_cursor": null}))]
pub struct MemorialMessagePageDto {
    pub items: Vec<MemorialMessageDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A family invitation code, to give to a relative (one use, 7 days).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "K7M2Q9XH4T", "expires_at": "2026-04-08T09:00:00+08:00"}))]
pub struct MemorialInvitationDto {
    pub code: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// Joining a memorial's family with an invitation code.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "K7M2Q9XH4T"}))]
pub struct MemorialJoinRequest {
    pub code: String,
}

/// A member of a memorial's family.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"citizen_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e73", "name_masked": "王*", "role": "family", "joined_at": "2026-04-02T10:30:00+08:00"}))]
pub struct MemorialMemberDto {
    pub citizen_id: Uuid,
    /// The masked real name, when one is bound.
    pub name_masked: Option<String>,
    /// `owner` or `family`.
    #[schema(value_type = MemorialMemberRole)]
    pub role: String,
    #[schema(format = DateTime)]
    pub joined_at: String,
}

/// The family of a memorial: the creator first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"citizen_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e74", "name_masked": "王*", "role": "owner", "joined_at": "2026-04-01T09:00:00+08:00"},
    {"citizen_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e73", "name_masked": "李*", "role": "family", "joined_at": "2026-04-02T10:30:00+08:00"}]}))]
pub struct MemorialMemberListDto {
    pub items: Vec<MemorialMemberDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Taking a page down (reason required) or restoring it (reason optional).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "页面含有违法广告内容"}))]
pub struct MemorialReasonRequest {
    #[serde(default)]
    pub reason: Option<String>,
}

/// The sensitive-word list (replaced as a whole).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"words": ["赌博", "六合彩", "代开发票"]}))]
pub struct SensitiveWordsRequest {
    /// Up to 500 words; case, full-width forms, spaces and punctuation do not matter.
    pub words: Vec<String>,
}

/// The sensitive-word list, in its normal form (lower case, half-width, no spaces or
/// punctuation), sorted.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"words": ["代开发票", "六合彩", "赌博"]}))]
pub struct SensitiveWordsDto {
    pub words: Vec<String>,
}
