//! Draws and draw requests on the wire.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::appointments::PartyRequest;
use crate::marriage::domain::BusinessType;
use crate::marriage::states::DrawEntryStatus;
use crate::scheduling::states::DrawPhase;

/// Opening a day as a draw (admins).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"office_id": "marriage-centre", "business_type": "marriage", "date": "2027-05-20", "requests_open_at": "2027-05-06T09:00:00+08:00", "requests_close_at": "2027-05-10T17:00:00+08:00"}))]
pub struct NewDrawRequest {
    pub office_id: String,
    /// `marriage` or `reissue` (a divorce is not given out by draw).
    pub business_type: BusinessType,
    /// The day given out by draw; it must have no bookings of this type yet.
    pub date: chrono::NaiveDate,
    /// RFC 3339 with offset.
    pub requests_open_at: chrono::DateTime<chrono::FixedOffset>,
    /// After the opening, before the day starts. The draw runs by itself soon after.
    pub requests_close_at: chrono::DateTime<chrono::FixedOffset>,
}

/// A draw and, once drawn, everything needed to check it: the seed (whose SHA-256 was
/// published before any request) and the ranking. Each request's rank is its place when
/// the requests are sorted by `SHA-256(seed bytes ‖ request id as 16 bytes)`, ascending;
/// winners are booked in rank order into the day's slots by time until seats run out.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-8888-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "business_type": "marriage", "date": "2027-05-20", "requests_open_at": "2027-05-06T09:00:00+08:00", "requests_close_at": "2027-05-10T17:00:00+08:00", "phase": "drawn", "seed_sha256": "9f2c0d4e5b6a718293a4b5c6d7e8f90112233445566778899aabbccddeeff00", "seed": "3b1f0a9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a", "request_count": 412, "winner_count": 60, "drawn_at": "2027-05-10T17:00:30+08:00", "ranking": ["0193a6c4-9999-7b61-9d1e-3f0c2a9b8e71", "0193a6c4-aaaa-7b61-9d1e-3f0c2a9b8e71"]}))]
pub struct DrawDto {
    pub id: uuid::Uuid,
    pub office_id: String,
    #[schema(value_type = BusinessType)]
    pub business_type: String,
    pub date: chrono::NaiveDate,
    #[schema(format = DateTime)]
    pub requests_open_at: String,
    #[schema(format = DateTime)]
    pub requests_close_at: String,
    /// `scheduled` (requests not taken yet), `collecting`, `closed` (about to be drawn),
    /// `drawn`.
    #[schema(value_type = DrawPhase)]
    pub phase: String,
    /// Published from the start.
    pub seed_sha256: String,
    /// Hex; null until drawn.
    pub seed: Option<String>,
    pub request_count: Option<i32>,
    pub winner_count: Option<i32>,
    #[schema(format = DateTime)]
    pub drawn_at: Option<String>,
    /// Request ids in rank order (empty until drawn; withdrawn requests are not ranked).
    pub ranking: Vec<uuid::Uuid>,
}

/// Draws of an office.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-8888-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "business_type": "marriage", "date": "2027-05-20", "requests_open_at": "2027-05-06T09:00:00+08:00", "requests_close_at": "2027-05-10T17:00:00+08:00", "phase": "collecting", "seed_sha256": "9f2c0d4e5b6a718293a4b5c6d7e8f90112233445566778899aabbccddeeff00", "seed": null, "request_count": null, "winner_count": null, "drawn_at": null, "ranking": []}]}))]
pub struct DrawListDto {
    pub items: Vec<DrawDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Which office's draws to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DrawListQuery {
    pub office_id: String,
    /// Draws for this day or later (default: today).
    pub from: Option<chrono::NaiveDate>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl DrawListQuery {
    /// The page this query asks for.
    pub fn page(&self) -> crate::platform::pagination::PageQuery {
        crate::platform::pagination::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// A request for a draw: the parties, as for a booking.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"parties": [{"name": "张伟", "id_number": "110112199001010014"}, {"name": "李娜", "id_number": "110112199203040027"}]}))]
pub struct DrawEntryRequest {
    /// As in a booking; the caller must be one of them, and holds one request a day.
    /// Naming someone is never refused; a person wins at most once per draw.
    pub parties: Vec<PartyRequest>,
}

/// A request handed in for a draw, and its result.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-9999-7b61-9d1e-3f0c2a9b8e71", "draw_id": "0193a6c4-8888-7b61-9d1e-3f0c2a9b8e71", "date": "2027-05-20", "status": "won", "rank": 1, "appointment_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "reason": null, "parties_masked": ["110***********0014", "110***********0027"], "handed_in_at": "2027-05-06T09:00:02+08:00"}))]
pub struct DrawEntryDto {
    pub id: uuid::Uuid,
    pub draw_id: uuid::Uuid,
    pub date: chrono::NaiveDate,
    /// `pending`, `won` (booked: see `appointment_id`; the other party confirms as for
    /// any booking), `lost`, `failed` (won, but the booking was refused: see `reason`),
    /// `withdrawn`.
    #[schema(value_type = DrawEntryStatus)]
    pub status: String,
    /// 1-based place in the ranking, once drawn.
    pub rank: Option<i32>,
    pub appointment_id: Option<uuid::Uuid>,
    /// The error code that refused a winner's booking, e.g. `marriage.party_has_active_booking`.
    pub reason: Option<String>,
    pub parties_masked: Vec<String>,
    #[schema(format = DateTime)]
    pub handed_in_at: String,
}

/// The caller's draw requests, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-9999-7b61-9d1e-3f0c2a9b8e71", "draw_id": "0193a6c4-8888-7b61-9d1e-3f0c2a9b8e71", "date": "2027-05-20", "status": "pending", "rank": null, "appointment_id": null, "reason": null, "parties_masked": ["110***********0014", "110***********0027"], "handed_in_at": "2027-05-06T09:00:02+08:00"}]}))]
pub struct DrawEntryListDto {
    pub items: Vec<DrawEntryDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
