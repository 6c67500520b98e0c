//! Wire types of tomb visit reservations.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::domain::TombVisitStatus;

/// Where the grave lies in the cemetery.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"section": "A", "row": "3", "number": "12"}))]
pub struct GraveDto {
    /// 区 (1 to 16 characters, no `/`).
    pub section: String,
    /// 排.
    pub row: String,
    /// 号.
    pub number: String,
}

/// One person of the party, named with their ID number.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "张伟", "id_number": "110112199001010014"}))]
pub struct VisitorRequest {
    pub name: String,
    pub id_number: String,
}

/// A reservation for a party (1 to 5 persons) at one grave in one slot.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cemetery_id": "luhe-cemetery", "slot_id": "01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a69", "grave": {"section": "A", "row": "3", "number": "12"}, "visitors": [{"name": "张伟", "id_number": "110112199001010014"}, {"name": "李娜", "id_number": "110112199203040027"}], "plates": ["京AD12345"]}))]
pub struct VisitRequest {
    pub cemetery_id: String,
    /// A `visit` slot of the cemetery (`GET /api/v1/resources/{id}/availability?business_type=visit`).
    pub slot_id: Uuid,
    pub grave: GraveDto,
    /// 1 to 5 persons, each ID number once; each may hold one reservation a day.
    pub visitors: Vec<VisitorRequest>,
    /// Up to 3 vehicle plates (`京A12345`, new-energy `京AD12345`); spaces and `·` are
    /// ignored, letters upper-cased.
    #[serde(default)]
    pub plates: Vec<String>,
}

/// A person of the party, masked.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name_masked": "张*", "id_number_masked": "110***********0014"}))]
pub struct VisitorDto {
    pub name_masked: String,
    pub id_number_masked: String,
}

/// A tomb visit reservation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a69", "code": "K7M4Q2XA", "qr_content": "MZ-K7M4Q2XA", "cemetery_id": "luhe-cemetery", "cemetery_name": "通州区潞河公益性公墓", "slot_id": "01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a70", "visit_date": "2027-04-04", "starts_at": "2027-04-04T09:00:00+08:00", "ends_at": "2027-04-04T09:30:00+08:00", "grave": "A区 3排 12号", "persons": 2, "visitors": [{"name_masked": "张*", "id_number_masked": "110***********0014"}, {"name_masked": "李*", "id_number_masked": "110***********0027"}], "plates": ["京AD12345"], "status": "booked", "checked_in_at": null, "created_at": "2027-03-21T09:00:05+08:00"}))]
pub struct VisitDto {
    pub id: Uuid,
    /// Booking code for the gate; the QR code carries `qr_content`.
    pub code: String,
    pub qr_content: String,
    pub cemetery_id: String,
    pub cemetery_name: String,
    pub slot_id: Uuid,
    pub visit_date: chrono::NaiveDate,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// The grave as people read it.
    pub grave: String,
    pub persons: i32,
    pub visitors: Vec<VisitorDto>,
    pub plates: Vec<String>,
    /// `booked`, `checked_in`, `cancelled`.
    #[schema(value_type = TombVisitStatus)]
    pub status: String,
    #[schema(format = DateTime)]
    pub checked_in_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// Reservations.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a69", "code": "K7M4Q2XA", "qr_content": "MZ-K7M4Q2XA", "cemetery_id": "luhe-cemetery", "cemetery_name": "通州区潞河公益性公墓", "slot_id": "01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a70", "visit_date": "2027-04-04", "starts_at": "2027-04-04T09:00:00+08:00", "ends_at": "2027-04-04T09:30:00+08:00", "grave": "A区 3排 12号", "persons": 1, "visitors": [{"name_masked": "张*", "id_number_masked": "110***********0014"}], "plates": [], "status": "booked", "checked_in_at": null, "created_at": "2027-03-21T09:00:05+08:00"}]}))]
pub struct VisitListDto {
    pub items: Vec<VisitDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Which day's reservations the gate wants.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GateDayQuery {
    pub cemetery_id: String,
    /// Default: today (Beijing).
    pub date: Option<chrono::NaiveDate>,
    /// `booked`, `checked_in` or `cancelled`.
    pub status: Option<TombVisitStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl GateDayQuery {
    /// The page this query asks for.
    pub fn page(&self) -> crate::platform::pagination::PageQuery {
        crate::platform::pagination::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// What the clerk typed or scanned.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GateLookupQuery {
    /// A booking code, the QR content (`MZ-...`) or a visitor's ID number.
    #[param(example = "110112199001010014")]
    pub q: String,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl GateLookupQuery {
    /// The page this query asks for.
    pub fn page(&self) -> crate::platform::pagination::PageQuery {
        crate::platform::pagination::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// Persons who came without a reservation.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"persons": 3}))]
pub struct WalkInRequest {
    /// 1 to 500.
    pub persons: i32,
}

/// Which day's load.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoadQuery {
    /// Default: today (Beijing).
    pub date: Option<chrono::NaiveDate>,
}

/// A cemetery's load on a day, for the gate and the bureau.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"cemetery_id": "luhe-cemetery", "date": "2027-04-04", "capacity": 1800, "booked_persons": 1523, "checked_in_persons": 610, "walk_in_persons": 42, "expected_persons": 1565}))]
pub struct LoadDto {
    pub cemetery_id: String,
    pub date: chrono::NaiveDate,
    /// Seats of the day's visit slots.
    pub capacity: i64,
    /// Persons holding reservations.
    pub booked_persons: i64,
    /// Persons of parties let in.
    pub checked_in_persons: i64,
    /// Persons counted at the gate without a reservation.
    pub walk_in_persons: i64,
    /// Booked plus walk-ins: the day's load.
    pub expected_persons: i64,
}
