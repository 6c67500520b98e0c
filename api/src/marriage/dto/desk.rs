//! The registration desk's queries.
use serde::Deserialize;
use utoipa::IntoParams;

use crate::marriage::states::AppointmentStatus;

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
