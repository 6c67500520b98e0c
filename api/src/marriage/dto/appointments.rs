//! Appointments on the wire: booking, rescheduling, the answer with its parties and share
//! link.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::identity::domain::Sex;
use crate::marriage::domain::BusinessType;
use crate::marriage::service::NewParty;
use crate::marriage::states::AppointmentStatus;

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

/// Where to move an appointment.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slot_id": "0193a6c4-0001-7b61-9d1e-3f0c2a9b8e71"}))]
pub struct RescheduleRequest {
    /// A slot of the same office and business type.
    pub slot_id: uuid::Uuid,
}

/// The parties of a request, each name and ID number checked (`parties[i].name`, ...).
pub(crate) fn parse_parties(parties: &[PartyRequest]) -> Result<Vec<NewParty>, ApiError> {
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
