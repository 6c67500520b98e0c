//! Wire types of marriage appointments.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::BusinessType;
use super::service::NewParty;
use super::states::{AppointmentStatus, DivorceApplicationStatus, DrawEntryStatus};
use crate::error::ApiError;
use crate::identity::domain::Sex;
use crate::scheduling::states::{DrawPhase, WaitlistStatus};

/// One party as the booker names them.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyRequest {
    pub name: String,
    pub id_number: String,
}

/// A booking request.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"office_id": "marriage-centre", "business_type": "marriage", "slot_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "parties": [{"name": "张伟", "id_number": "110112199001010014"}, {"name": "李娜", "id_number": "110112199203040027"}]}))]
pub struct MarriageBookRequest {
    pub office_id: String,
    /// `marriage` (结婚), `divorce` (离婚), `reissue` (补领).
    pub business_type: BusinessType,
    /// A slot from the office's availability for this business type.
    pub slot_id: uuid::Uuid,
    /// Both parties for `marriage` (a man of 22 or more and a woman of 20 or more on the
    /// day); one or both for `reissue`. The caller must be one of them.
    pub parties: Vec<PartyRequest>,
    /// To claim a seat the waitlist offered you: your waitlist entry's id, with
    /// `slot_id` the slot it holds the seat in.
    #[serde(default)]
    pub offer_id: Option<uuid::Uuid>,
}

/// A party as answers show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyDto {
    pub position: i32,
    pub name_masked: String,
    pub id_number_masked: String,
    #[schema(value_type = Sex)]
    pub sex: String,
    /// Whether this party confirmed from their own account.
    pub confirmed: bool,
}

/// An appointment.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "code": "K7PM2QXR", "qr_content": "MZ-K7PM2QXR", "office_id": "marriage-centre", "business_type": "marriage", "slot_id": "0193a6c4-0000-7b61-9d1e-3f0c2a9b8e71", "date": "2026-12-02", "starts_at": "2026-12-02T09:00:00+08:00", "status": "pending_confirmation", "confirm_deadline": "2026-11-30T10:15:00+08:00", "parties": [{"position": 1, "name_masked": "张*", "id_number_masked": "110***********0014", "sex": "male", "confirmed": true}, {"position": 2, "name_masked": "李*", "id_number_masked": "110***********0027", "sex": "female", "confirmed": false}], "share": {"token": "AZOmxFpOe2GdHj8MKpuOcf3kq0mS8j0qpE1pJxg7vQ8", "path": "pages/marriage/share?token=AZOmxFpOe2GdHj8MKpuOcf3kq0mS8j0qpE1pJxg7vQ8", "expires_at": "2026-11-30T10:15:00+08:00"}}))]
pub struct AppointmentDto {
    pub id: uuid::Uuid,
    /// 8 characters to show at the desk.
    pub code: String,
    /// What the QR code (`/qr.png`) carries.
    pub qr_content: String,
    pub office_id: String,
    #[schema(value_type = BusinessType)]
    pub business_type: String,
    pub slot_id: uuid::Uuid,
    pub date: chrono::NaiveDate,
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// `pending_confirmation`, `confirmed`, `checked_in`, `completed`, `cancelled`,
    /// `expired` (not confirmed in time), `no_show`.
    #[schema(value_type = AppointmentStatus)]
    pub status: String,
    /// The second party must confirm before this.
    #[schema(format = DateTime)]
    pub confirm_deadline: String,
    pub parties: Vec<PartyDto>,
    /// While the other party has to confirm: the link to send them. `null` otherwise.
    pub share: Option<ShareLinkDto>,
}

/// The other party's link to an appointment: send `path` (e.g. in `onShareAppMessage`);
/// the page passes `token` to `GET /api/v1/marriage/shared/{token}` and, after sign-in
/// and a verified real name, `POST .../shared/{token}/confirm`. Works until `expires_at`
/// (the confirmation deadline) and only for the appointment's parties.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"token": "AZOmxFpOe2GdHj8MKpuOcf3kq0mS8j0qpE1pJxg7vQ8", "path": "pages/marriage/share?token=AZOmxFpOe2GdHj8MKpuOcf3kq0mS8j0qpE1pJxg7vQ8", "expires_at": "2026-11-30T10:15:00+08:00"}))]
pub struct ShareLinkDto {
    pub token: String,
    /// The mini-program page with the token (`marriage_share_page?token=`).
    pub path: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// A list of appointments.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "code": "K7PM2QXR", "qr_content": "MZ-K7PM2QXR", "office_id": "marriage-centre", "business_type": "marriage", "slot_id": "0193a6c4-0000-7b61-9d1e-3f0c2a9b8e71", "date": "2026-12-02", "starts_at": "2026-12-02T09:00:00+08:00", "status": "confirmed", "confirm_deadline": "2026-11-30T10:15:00+08:00", "parties": [{"position": 1, "name_masked": "张*", "id_number_masked": "110***********0014", "sex": "male", "confirmed": true}, {"position": 2, "name_masked": "李*", "id_number_masked": "110***********0027", "sex": "female", "confirmed": true}], "share": null}]}))]
pub struct AppointmentListDto {
    pub items: Vec<AppointmentDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The desk's day sheet query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DaySheetQuery {
    pub office_id: String,
    /// Default: today (Beijing time).
    pub date: Option<chrono::NaiveDate>,
    pub status: Option<AppointmentStatus>,
    /// Only this slot's appointments.
    pub slot_id: Option<uuid::Uuid>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl DaySheetQuery {
    /// The page this query asks for.
    pub fn page(&self) -> crate::platform::pagination::PageQuery {
        crate::platform::pagination::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// The desk's search.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// A booking code, a QR scanner's input (`MZ-...`), or a party's ID number.
    #[param(example = "110112199001010014")]
    pub q: String,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl LookupQuery {
    /// The page this query asks for.
    pub fn page(&self) -> crate::platform::pagination::PageQuery {
        crate::platform::pagination::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// A joint divorce application as the desk records it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"office_id": "marriage-centre", "parties": [{"name": "张伟", "id_number": "110112199001010014"}, {"name": "李娜", "id_number": "110112199203040027"}]}))]
pub struct DivorceApplicationRequest {
    pub office_id: String,
    /// Both spouses, present at the desk.
    pub parties: Vec<PartyRequest>,
}

/// A divorce application and its dates (Civil Code art. 1077).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "received_on": "2026-11-02", "cooling_off_ends": "2026-12-02", "certificate_from": "2026-12-03", "certificate_by": "2027-01-04", "status": "cooling_off", "parties_masked": ["110***********0014", "110***********0027"]}))]
pub struct DivorceApplicationDto {
    pub id: uuid::Uuid,
    pub office_id: String,
    pub received_on: chrono::NaiveDate,
    /// Last day of the cooling-off period; either party may withdraw until then.
    pub cooling_off_ends: chrono::NaiveDate,
    /// The certificate appointment may be booked for a day from this date...
    pub certificate_from: chrono::NaiveDate,
    /// ...to this one; after it, an unbooked application lapses.
    pub certificate_by: chrono::NaiveDate,
    /// `cooling_off`, `booked`, `completed`, `withdrawn`, `lapsed`.
    #[schema(value_type = DivorceApplicationStatus)]
    pub status: String,
    pub parties_masked: Vec<String>,
}

impl From<entity::divorce_application::Model> for DivorceApplicationDto {
    fn from(a: entity::divorce_application::Model) -> Self {
        DivorceApplicationDto {
            id: a.id,
            office_id: a.office_id,
            received_on: a.received_on,
            cooling_off_ends: a.cooling_off_ends,
            certificate_from: a.cooling_off_ends + chrono::Duration::days(1),
            certificate_by: a.certificate_by,
            status: a.status,
            parties_masked: vec![a.party1_masked, a.party2_masked],
        }
    }
}

/// The caller's divorce applications.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "received_on": "2026-11-02", "cooling_off_ends": "2026-12-02", "certificate_from": "2026-12-03", "certificate_by": "2027-01-04", "status": "cooling_off", "parties_masked": ["110***********0014", "110***********0027"]}]}))]
pub struct DivorceApplicationListDto {
    pub items: Vec<DivorceApplicationDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Where to move an appointment.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slot_id": "0193a6c4-0001-7b61-9d1e-3f0c2a9b8e71"}))]
pub struct RescheduleRequest {
    /// A slot of the same office and business type.
    pub slot_id: uuid::Uuid,
}

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

/// The parties of a request, each name and ID number checked (`parties[i].name`, ...).
pub(super) fn parse_parties(parties: &[PartyRequest]) -> Result<Vec<NewParty>, ApiError> {
    use crate::identity::service::{parse_id_number, parse_name};
    parties
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Ok(NewParty {
                name: parse_name(&format!("parties[{i}].name"), &p.name)?,
                id: parse_id_number(&format!("parties[{i}].id_number"), &p.id_number)?,
            })
        })
        .collect()
}
