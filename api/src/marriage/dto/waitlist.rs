//! Waitlist entries and offers on the wire.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::marriage::domain::BusinessType;
use crate::scheduling::states::WaitlistStatus;

/// Joining the waitlist of a full day.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"office_id": "marriage-centre", "business_type": "marriage", "date": "2026-12-02"}))]
pub struct WaitlistRequest {
    pub office_id: String,
    /// `marriage`, `divorce` or `reissue`.
    pub business_type: BusinessType,
    /// A day whose open slots are all full (else `scheduling.seats_available`: book).
    pub date: chrono::NaiveDate,
}

/// The seat a waitlist entry holds for its owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferDto {
    /// Book it with `POST /marriage/appointments`, this `slot_id` and `offer_id`.
    pub slot_id: uuid::Uuid,
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// After this the seat goes to the next in line.
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// A place on a waitlist.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "business_type": "marriage", "date": "2026-12-02", "status": "offered", "place_in_line": null, "offer": {"slot_id": "0193a6c4-0000-7b61-9d1e-3f0c2a9b8e71", "starts_at": "2026-12-02T09:00:00+08:00", "expires_at": "2026-11-30T10:45:00+08:00"}, "joined_at": "2026-11-29T09:12:00+08:00"}))]
pub struct WaitlistEntryDto {
    pub id: uuid::Uuid,
    pub office_id: String,
    #[schema(value_type = BusinessType)]
    pub business_type: String,
    pub date: chrono::NaiveDate,
    /// `waiting`, `offered` (a seat is held for you: see `offer`), `claimed` (you booked
    /// it), `lapsed` (not claimed in time), `cancelled` (you left or declined), `closed`
    /// (the day passed).
    #[schema(value_type = WaitlistStatus)]
    pub status: String,
    /// 1 for the first in line; null unless `waiting`.
    pub place_in_line: Option<u64>,
    pub offer: Option<OfferDto>,
    #[schema(format = DateTime)]
    pub joined_at: String,
}

/// The caller's waitlist entries, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "business_type": "marriage", "date": "2026-12-02", "status": "waiting", "place_in_line": 3, "offer": null, "joined_at": "2026-11-29T09:12:00+08:00"}]}))]
pub struct WaitlistEntryListDto {
    pub items: Vec<WaitlistEntryDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
