//! Wire types of funeral homes, their price lists and bookings. Money is in fen (分),
//! as integers.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::states::{
    FuneralBookingAction, FuneralBookingStatus, FuneralItemKind, FuneralTransportStatus,
};

/// A funeral home (殡仪馆).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "tongzhou-funeral-home", "name": "通州区殡仪馆", "address": "通州区宋庄镇", "window_days": 7, "cutoff_minutes": 120, "cancel_minutes": 120, "transport_gap_minutes": 30, "farewell_gap_minutes": 0}))]
pub struct HomeDto {
    /// Also the resource id for `GET /api/v1/resources/{id}/availability` with
    /// `business_type` `farewell` (告别厅) or `cremation` (火化).
    pub id: String,
    pub name: String,
    pub address: Option<String>,
    /// Slots are bookable this many days ahead...
    pub window_days: i32,
    /// ...until this many minutes before they start.
    pub cutoff_minutes: i32,
    /// The family may cancel until this many minutes before the first service.
    pub cancel_minutes: i32,
    /// The body's pick-up comes at least this many minutes before the first service.
    pub transport_gap_minutes: i64,
    /// The farewell ends at least this many minutes before the cremation.
    pub farewell_gap_minutes: i64,
}

/// A home's minimum gaps between its services (district admins set them).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transport_gap_minutes": 60, "farewell_gap_minutes": 15}))]
pub struct HomeGapsRequest {
    /// From the body's pick-up to the first service, 0 to 1440.
    #[schema(minimum = 0, maximum = 1440)]
    pub transport_gap_minutes: i64,
    /// From the end of the farewell to the cremation, 0 to 1440.
    #[schema(minimum = 0, maximum = 1440)]
    pub farewell_gap_minutes: i64,
}

/// The funeral homes.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "tongzhou-funeral-home", "name": "通州区殡仪馆", "address": "通州区宋庄镇", "window_days": 7, "cutoff_minutes": 120, "cancel_minutes": 120, "transport_gap_minutes": 30, "farewell_gap_minutes": 0}]}))]
pub struct HomeListDto {
    pub items: Vec<HomeDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A priced service of a home's catalogue.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "cremation", "name": "遗体火化", "kind": "cremation", "price_fen": 50000, "basic": true, "active": true}))]
pub struct ServiceItemDto {
    pub code: String,
    pub name: String,
    /// `transport` (遗体接运), `farewell` (告别厅), `cremation` (火化), `goods` (骨灰盒、鲜花
    /// ...), `other`.
    #[schema(value_type = FuneralItemKind)]
    pub kind: String,
    /// List price in fen.
    pub price_fen: i64,
    /// A basic funeral service (基本殡葬服务) the bureau pays for: booked, it costs the
    /// family nothing.
    pub basic: bool,
    /// Withdrawn items are not offered (admins see them).
    pub active: bool,
}

/// A home's catalogue.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"home_id": "tongzhou-funeral-home", "items": [{"code": "cremation", "name": "遗体火化", "kind": "cremation", "price_fen": 50000, "basic": true, "active": true}, {"code": "urn_basic", "name": "普通骨灰盒", "kind": "goods", "price_fen": 80000, "basic": false, "active": true}]}))]
pub struct ServiceItemListDto {
    pub home_id: String,
    pub items: Vec<ServiceItemDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Setting one catalogue item (district admins).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "普通骨灰盒", "kind": "goods", "price_fen": 80000, "basic": false, "active": true}))]
pub struct ServiceItemRequest {
    /// 1 to 30 characters.
    pub name: String,
    /// `transport`, `farewell`, `cremation`, `goods` or `other`.
    pub kind: FuneralItemKind,
    /// 0 to 10,000,000 fen (100,000 yuan).
    pub price_fen: i64,
    /// Free for families by the bureau's decision.
    #[serde(default)]
    pub basic: bool,
    /// Default true; false withdraws the item (bookings made keep it).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Which catalogue to read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// Include withdrawn items (anyone may see them; bookings cannot choose them).
    #[serde(default)]
    pub all: bool,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl CatalogueQuery {
    /// The page this query asks for.
    pub fn page(&self) -> crate::platform::pagination::PageQuery {
        crate::platform::pagination::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// The deceased (逝者), as the family gives them.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeceasedRequest {
    pub name: String,
    /// Resident ID number (GB 11643).
    pub id_number: String,
    /// Not after today, not before the birth date.
    pub date_of_death: chrono::NaiveDate,
    /// The number on the medical death certificate (医学死亡证明), 4 to 40 letters,
    /// digits or `-`.
    pub death_certificate_number: String,
    /// A photo of the certificate the caller uploaded (`POST /api/v1/media`).
    pub death_certificate_media_id: uuid::Uuid,
}

/// A body transport request (遗体接运).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransportRequest {
    /// Where to collect the body, 4 to 100 characters.
    pub address: String,
    /// RFC 3339 with offset, in the future, e.g. `2026-12-01T08:00:00+08:00`.
    #[schema(format = DateTime)]
    pub requested_at: String,
    pub contact_name: String,
    pub contact_phone: String,
}

/// One chosen service of the catalogue.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    pub code: String,
    /// 1 to 99; default 1.
    #[serde(default = "one")]
    pub quantity: i32,
}

fn one() -> i32 {
    1
}

/// A booking of funeral services for the deceased.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"funeral_home_id": "tongzhou-funeral-home",
    "deceased": {"name": "王建国", "id_number": "110112194001010011", "date_of_death": "2026-11-28", "death_certificate_number": "B110112202611280001", "death_certificate_media_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71"},
    "transport": {"address": "通州区中仓街道某小区 1 号楼 2 单元 301", "requested_at": "2026-11-30T08:00:00+08:00", "contact_name": "王小明", "contact_phone": "13812345678"},
    "farewell_slot_id": "0193a6c4-0000-7b61-9d1e-3f0c2a9b8e71", "cremation_slot_id": "0193a6c4-0001-7b61-9d1e-3f0c2a9b8e71",
    "items": [{"code": "transport", "quantity": 1}, {"code": "farewell_small", "quantity": 1}, {"code": "cremation", "quantity": 1}, {"code": "urn_basic", "quantity": 1}]}))]
pub struct FuneralBookRequest {
    pub funeral_home_id: String,
    pub deceased: DeceasedRequest,
    /// Optional; goes with an item of kind `transport`.
    #[serde(default)]
    pub transport: Option<TransportRequest>,
    /// A `farewell` slot of the home's availability; goes with an item of kind `farewell`.
    #[serde(default)]
    pub farewell_slot_id: Option<uuid::Uuid>,
    /// A `cremation` slot of the home's availability; goes with an item of kind `cremation`.
    #[serde(default)]
    pub cremation_slot_id: Option<uuid::Uuid>,
    /// 1 to 20 items, each code once.
    pub items: Vec<ItemRequest>,
}

/// Another transport time, proposed by the home.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transport_at": "2026-11-30T10:00:00+08:00"}))]
pub struct ProposeRequest {
    /// RFC 3339 with offset, in the future.
    #[schema(format = DateTime)]
    pub transport_at: String,
}

/// The home's list filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HomeBookingsQuery {
    /// Default: the clerk's own home; district admins may leave it out for every home.
    pub home_id: Option<String>,
    /// The date of the first service (Beijing).
    pub date: Option<chrono::NaiveDate>,
    /// `pending`, `confirmed`, `done` or `cancelled`.
    pub status: Option<FuneralBookingStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl HomeBookingsQuery {
    /// The page this query asks for.
    pub fn page(&self) -> crate::platform::pagination::PageQuery {
        crate::platform::pagination::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// The deceased as answers show them.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeceasedDto {
    pub name_masked: String,
    /// In full for the home's clerks only (null for the family, who typed it).
    pub name: Option<String>,
    /// Masked for everyone: the clerks check the paper certificate at the desk.
    pub id_number_masked: String,
    pub date_of_death: chrono::NaiveDate,
    pub death_certificate_number_masked: String,
    pub death_certificate_media_id: uuid::Uuid,
}

/// The transport as answers show it. `status`: `requested`, `proposed` (the home offered
/// `proposed_at`; the family accepts it), `agreed` (at `agreed_at`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TransportDto {
    #[schema(value_type = FuneralTransportStatus)]
    pub status: String,
    pub address_masked: String,
    pub contact_name_masked: String,
    pub contact_phone_masked: String,
    /// In full for the home's clerks only, who go there and call (null for the family).
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    #[schema(format = DateTime)]
    pub requested_at: String,
    #[schema(format = DateTime)]
    pub proposed_at: Option<String>,
    #[schema(format = DateTime)]
    pub agreed_at: Option<String>,
}

/// A slot the booking holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotRefDto {
    pub slot_id: uuid::Uuid,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
}

/// A priced line, with the price of the day it was booked.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineDto {
    pub code: String,
    pub name: String,
    #[schema(value_type = FuneralItemKind)]
    pub kind: String,
    pub quantity: i32,
    pub unit_price_fen: i64,
    /// A basic service paid by the bureau: `amount_fen` is 0.
    pub free: bool,
    pub amount_fen: i64,
}

/// A funeral booking. `allowed_actions` lists what the caller may do now.
///
/// | from | action | by | to |
/// |---|---|---|---|
/// | `pending` | `confirm` | home (transport not awaiting the family) | `confirmed` |
/// | `pending`, `confirmed` | `propose_transport_time` | home (with transport) | `pending`, transport `proposed` |
/// | `pending` | `accept_transport_time` | family (transport `proposed`) | `confirmed`, transport `agreed` |
/// | `confirmed` | `done` | home, from the first service date | `done` |
/// | `pending`, `confirmed` | `cancel` | family | `cancelled` |
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-1111-7b61-9d1e-3f0c2a9b8e71", "funeral_home_id": "tongzhou-funeral-home", "funeral_home_name": "通州区殡仪馆", "status": "pending",
    "deceased": {"name_masked": "王**", "name": null, "id_number_masked": "110***********0013", "date_of_death": "2026-11-28", "death_certificate_number_masked": "***************0001", "death_certificate_media_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71"},
    "transport": {"status": "requested", "address_masked": "通州区中仓街***", "contact_name_masked": "王**", "contact_phone_masked": "138****5678", "address": null, "contact_name": null, "contact_phone": null, "requested_at": "2026-11-30T08:00:00+08:00", "proposed_at": null, "agreed_at": null},
    "farewell": {"slot_id": "0193a6c4-0000-7b61-9d1e-3f0c2a9b8e71", "starts_at": "2026-12-01T09:00:00+08:00", "ends_at": "2026-12-01T10:00:00+08:00"},
    "cremation": {"slot_id": "0193a6c4-0001-7b61-9d1e-3f0c2a9b8e71", "starts_at": "2026-12-01T10:00:00+08:00", "ends_at": "2026-12-01T12:00:00+08:00"},
    "service_date": "2026-11-30",
    "lines": [{"code": "transport", "name": "遗体接运", "kind": "transport", "quantity": 1, "unit_price_fen": 30000, "free": true, "amount_fen": 0}, {"code": "farewell_small", "name": "小告别厅（1 小时）", "kind": "farewell", "quantity": 1, "unit_price_fen": 60000, "free": false, "amount_fen": 60000}, {"code": "cremation", "name": "遗体火化", "kind": "cremation", "quantity": 1, "unit_price_fen": 50000, "free": true, "amount_fen": 0}, {"code": "urn_basic", "name": "普通骨灰盒", "kind": "goods", "quantity": 1, "unit_price_fen": 80000, "free": false, "amount_fen": 80000}],
    "total_fen": 140000, "allowed_actions": ["cancel"], "created_at": "2026-11-29T10:00:00+08:00", "updated_at": "2026-11-29T10:00:00+08:00"}))]
pub struct BookingDto {
    pub id: uuid::Uuid,
    pub funeral_home_id: String,
    pub funeral_home_name: String,
    /// `pending` (awaiting the home), `confirmed`, `done`, `cancelled`.
    #[schema(value_type = FuneralBookingStatus)]
    pub status: String,
    pub deceased: DeceasedDto,
    pub transport: Option<TransportDto>,
    pub farewell: Option<SlotRefDto>,
    pub cremation: Option<SlotRefDto>,
    /// The Beijing date of the first service.
    pub service_date: chrono::NaiveDate,
    pub lines: Vec<LineDto>,
    /// What the family pays, in fen (basic services count 0).
    pub total_fen: i64,
    #[schema(value_type = Vec<FuneralBookingAction>)]
    pub allowed_actions: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A list of bookings.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": []}))]
pub struct BookingListDto {
    pub items: Vec<BookingDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
