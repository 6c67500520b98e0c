//! Wire types of marriage appointments.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
#[schema(example = json!({"office_id": "marriage-centre", "business_type": "marriage", "slot_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "parties": [{"name": "张伟", "id_number": "110112199001010019"}, {"name": "李娜", "id_number": "110112199203040028"}]}))]
pub struct BookRequest {
    pub office_id: String,
    /// `marriage` (结婚), `divorce` (离婚), `reissue` (补领).
    pub business_type: String,
    /// A slot from the office's availability for this business type.
    pub slot_id: uuid::Uuid,
    /// Both parties for `marriage` (a man of 22 or more and a woman of 20 or more on the
    /// day); one or both for `reissue`. The caller must be one of them.
    pub parties: Vec<PartyRequest>,
}

/// A party as answers show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyDto {
    pub position: i32,
    pub name_masked: String,
    pub id_number_masked: String,
    pub sex: String,
    /// Whether this party confirmed from their own account.
    pub confirmed: bool,
}

/// An appointment.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "code": "K7PM2QXR", "qr_content": "MZ-K7PM2QXR", "office_id": "marriage-centre", "business_type": "marriage", "slot_id": "0193a6c4-0000-7b61-9d1e-3f0c2a9b8e71", "date": "2026-12-02", "starts_at": "2026-12-02T09:00:00+08:00", "status": "pending_confirmation", "confirm_deadline": "2026-11-30T10:15:00+08:00", "parties": [{"position": 1, "name_masked": "张*", "id_number_masked": "110112********0019", "sex": "male", "confirmed": true}, {"position": 2, "name_masked": "李*", "id_number_masked": "110112********0028", "sex": "female", "confirmed": false}]}))]
pub struct AppointmentDto {
    pub id: uuid::Uuid,
    /// 8 characters to show at the desk.
    pub code: String,
    /// What the QR code (`/qr.png`) carries.
    pub qr_content: String,
    pub office_id: String,
    pub business_type: String,
    pub slot_id: uuid::Uuid,
    pub date: chrono::NaiveDate,
    pub starts_at: String,
    /// `pending_confirmation`, `confirmed`, `checked_in`, `completed`, `cancelled`,
    /// `expired` (not confirmed in time), `no_show`.
    pub status: String,
    /// The second party must confirm before this.
    pub confirm_deadline: String,
    pub parties: Vec<PartyDto>,
}

/// A list of appointments.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentListDto {
    pub items: Vec<AppointmentDto>,
}

/// The desk's day sheet query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DaySheetQuery {
    pub office_id: String,
    /// Default: today (Beijing time).
    pub date: Option<chrono::NaiveDate>,
    pub status: Option<String>,
    /// Only this slot's appointments.
    pub slot_id: Option<uuid::Uuid>,
}

/// The desk's search.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// A booking code, a QR scanner's input (`MZ-...`), or a party's ID number.
    pub q: String,
}

/// A joint divorce application as the desk records it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"office_id": "marriage-centre", "parties": [{"name": "张伟", "id_number": "110112199001010019"}, {"name": "李娜", "id_number": "110112199203040028"}]}))]
pub struct DivorceApplicationRequest {
    pub office_id: String,
    /// Both spouses, present at the desk.
    pub parties: Vec<PartyRequest>,
}

/// A divorce application and its dates (Civil Code art. 1077).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "received_on": "2026-11-02", "cooling_off_ends": "2026-12-02", "certificate_from": "2026-12-03", "certificate_by": "2027-01-04", "status": "cooling_off", "parties_masked": ["110112********0019", "110112********0028"]}))]
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
pub struct DivorceApplicationListDto {
    pub items: Vec<DivorceApplicationDto>,
}

/// Where to move an appointment.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// A slot of the same office and business type.
    pub slot_id: uuid::Uuid,
}
