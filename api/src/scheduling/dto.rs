//! Wire types of the scheduling core.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::CalendarKind;
use super::states::{DayState, OnBookings, ResourceExceptionKind, ResourceKind, SlotBusinessType};

/// A bookable place and its booking rules.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "marriage-centre", "kind": "marriage_office", "name": "通州区婚姻登记中心", "address": "通州区新华西街", "window_days": 15, "window_opens_at": "00:00", "cutoff_previous_day_at": "15:00", "cutoff_minutes": 0, "cancel_minutes": 60, "working_days_only": true}))]
pub struct ResourceDto {
    pub id: String,
    /// `marriage_office`, `funeral_home`, `cemetery` or `burial_ground`.
    #[schema(value_type = ResourceKind)]
    pub kind: String,
    pub name: String,
    pub address: Option<String>,
    /// Dates up to this many days ahead can be booked.
    pub window_days: i32,
    /// The newest date opens at this time of day (Beijing time, `HH:MM`).
    pub window_opens_at: String,
    /// Booking for a date closes the day before at this time, if set.
    pub cutoff_previous_day_at: Option<String>,
    /// And in any case this many minutes before the slot.
    pub cutoff_minutes: i32,
    /// Cancelling is possible until this many minutes before the slot.
    pub cancel_minutes: i32,
    /// Only working days (national calendar) open.
    pub working_days_only: bool,
}

impl From<entity::resource::Model> for ResourceDto {
    fn from(r: entity::resource::Model) -> Self {
        ResourceDto {
            id: r.id,
            kind: r.kind,
            name: r.name,
            address: r.address,
            window_days: r.window_days,
            window_opens_at: r.window_opens_at,
            cutoff_previous_day_at: r.cutoff_previous_day_at,
            cutoff_minutes: r.cutoff_minutes,
            cancel_minutes: r.cancel_minutes,
            working_days_only: r.working_days_only,
        }
    }
}

/// A resource's settings, as an admin saves them.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "marriage_office", "name": "通州区婚姻登记中心", "address": "通州区新华西街", "window_days": 15, "window_opens_at": "00:00", "cutoff_previous_day_at": "15:00", "cutoff_minutes": 0, "cancel_minutes": 60, "working_days_only": true}))]
pub struct ResourceRequest {
    pub kind: ResourceKind,
    pub name: String,
    pub address: Option<String>,
    pub window_days: i32,
    pub window_opens_at: String,
    pub cutoff_previous_day_at: Option<String>,
    pub cutoff_minutes: i32,
    pub cancel_minutes: i32,
    pub working_days_only: bool,
}

/// The resources, optionally of one kind.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResourceQuery {
    /// e.g. `marriage_office`.
    pub kind: Option<ResourceKind>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl ResourceQuery {
    /// The page this query asks for.
    pub fn page(&self) -> crate::platform::pagination::PageQuery {
        crate::platform::pagination::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// One page of resources, by id.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "marriage-centre", "kind": "marriage_office", "name": "通州区婚姻登记中心", "address": "通州区新华西街", "window_days": 15, "window_opens_at": "00:00", "cutoff_previous_day_at": "15:00", "cutoff_minutes": 0, "cancel_minutes": 60, "working_days_only": true}]}))]
pub struct ResourceListDto {
    pub items: Vec<ResourceDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// One slot of a weekly template.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateSlotDto {
    /// 1 = Monday .. 7 = Sunday.
    pub weekday: i32,
    #[schema(example = "09:00")]
    pub start_time: String,
    #[schema(example = "10:00")]
    pub end_time: String,
    pub capacity: i32,
}

/// A whole weekly template for one business type.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slots": [{"weekday": 1, "start_time": "09:00", "end_time": "10:00", "capacity": 10}, {"weekday": 1, "start_time": "10:00", "end_time": "11:00", "capacity": 10}]}))]
pub struct TemplateRequest {
    pub slots: Vec<TemplateSlotDto>,
}

/// A dated exception.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "special", "capacity_percent": 200, "note": "5.20 加开"}))]
pub struct ExceptionRequest {
    /// `closed` or `special`.
    pub kind: ResourceExceptionKind,
    /// For `special`: capacity in percent of the template (e.g. 200, or 70 for a cut).
    pub capacity_percent: Option<i32>,
    #[serde(default)]
    pub note: String,
}

/// A national calendar day.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDayDto {
    pub date: chrono::NaiveDate,
    /// `holiday` (法定节假日) or `workday` (调休上班).
    pub kind: CalendarKind,
    #[schema(example = "国庆节")]
    pub name: String,
}

/// A year's holidays and make-up working days, in one request.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"days": [{"date": "2026-10-01", "kind": "holiday", "name": "国庆节"}, {"date": "2026-10-10", "kind": "workday", "name": "国庆节调休"}], "on_bookings": "refuse"}))]
pub struct CalendarRequest {
    pub days: Vec<CalendarDayDto>,
    /// What to do with a day whose slots were already made and booked that the change
    /// closes: `refuse` (the default: nothing changes, and a 409 names each such day as
    /// `days[i].date` with its booking codes) or `cancel` (the bookings are cancelled
    /// with the reason, their people told, the day closed).
    pub on_bookings: Option<OnBookings>,
}

/// What a calendar load did.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"loaded": 2, "closed_days": [{"date": "2026-10-01", "resource_id": "marriage-centre", "business_type": "marriage"}],
    "cancelled": [{"kind": "marriage_appointment", "id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "code": "MZ7K2Q9P"}]}))]
pub struct CalendarLoadedDto {
    pub loaded: usize,
    /// Days already made into slots that the change closed (days not made yet follow
    /// the calendar when first viewed; days it opens need nothing).
    pub closed_days: Vec<ClosedDayDto>,
    /// Bookings cancelled because their day closed (only with `on_bookings: cancel`).
    pub cancelled: Vec<CancelledBookingDto>,
}

/// A day of one resource and business type that a calendar change closed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosedDayDto {
    pub date: chrono::NaiveDate,
    pub resource_id: String,
    #[schema(value_type = SlotBusinessType)]
    pub business_type: String,
}

/// A booking cancelled because its day closed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CancelledBookingDto {
    /// `marriage_appointment`.
    pub kind: String,
    pub id: uuid::Uuid,
    /// The booking code the people and the desk know it by.
    pub code: String,
}

/// Which days to show.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// e.g. `marriage`, `divorce`, `reissue`; `farewell`, `cremation` at a funeral home;
    /// `visit` at a cemetery.
    pub business_type: SlotBusinessType,
    /// First date (default: today, Beijing time).
    pub from: Option<chrono::NaiveDate>,
    /// Last date (default and maximum: 31 days after `from`).
    pub to: Option<chrono::NaiveDate>,
}

/// Seats of one slot.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotDto {
    pub slot_id: uuid::Uuid,
    #[schema(example = "2026-12-02T09:00:00+08:00")]
    pub starts_at: String,
    #[schema(example = "2026-12-02T10:00:00+08:00")]
    pub ends_at: String,
    pub capacity: i32,
    pub remaining: i32,
    /// Whether it takes first-come bookings now (seats left, cut-off not passed, no draw).
    pub bookable: bool,
}

/// One day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayDto {
    pub date: chrono::NaiveDate,
    /// `open`, `closed` (no service that day), `not_open_yet`, `past`, `draw` (seats
    /// given out by a draw: hand in a draw request instead; when the day is full, join its
    /// waitlist).
    #[schema(value_type = DayState)]
    pub state: String,
    pub slots: Vec<SlotDto>,
}

/// Availability of a resource for a business type.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"resource_id": "marriage-centre", "business_type": "marriage", "days": [{"date": "2026-12-02", "state": "open", "slots": [{"slot_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "starts_at": "2026-12-02T09:00:00+08:00", "ends_at": "2026-12-02T10:00:00+08:00", "capacity": 10, "remaining": 3, "bookable": true}]}]}))]
pub struct AvailabilityDto {
    pub resource_id: String,
    pub business_type: SlotBusinessType,
    pub days: Vec<DayDto>,
}

/// One slot of a peak period's daily layout.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"business_type": "visit", "start_time": "07:00", "end_time": "07:30", "capacity": 300}))]
pub struct PeakSlotDto {
    /// e.g. `visit`.
    pub business_type: SlotBusinessType,
    /// Beijing time, `HH:MM`.
    pub start_time: String,
    pub end_time: String,
    pub capacity: i32,
}

/// A peak period as an admin defines it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "重阳", "first_date": "2027-10-08", "last_date": "2027-10-16", "window_days": 14, "slots": [{"business_type": "visit", "start_time": "07:00", "end_time": "07:30", "capacity": 300}, {"business_type": "visit", "start_time": "07:30", "end_time": "08:00", "capacity": 300}]}))]
pub struct PeakPeriodRequest {
    /// 清明, 冬至, ... (1 to 32 characters).
    pub name: String,
    pub first_date: chrono::NaiveDate,
    /// Inclusive; at most 62 days after `first_date`.
    pub last_date: chrono::NaiveDate,
    /// Dates of the period are bookable this many days ahead (1 to 60), from the
    /// resource's usual opening time: the earlier opening of 清明.
    pub window_days: i32,
    /// The daily layout of each business type it changes; other business types keep the
    /// weekly template.
    pub slots: Vec<PeakSlotDto>,
}

/// A peak period of a resource.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a69", "resource_id": "luhe-cemetery", "name": "清明", "first_date": "2027-03-27", "last_date": "2027-04-11", "window_days": 14, "slots": [{"business_type": "visit", "start_time": "07:00", "end_time": "07:30", "capacity": 300}]}))]
pub struct PeakPeriodDto {
    pub id: uuid::Uuid,
    pub resource_id: String,
    pub name: String,
    pub first_date: chrono::NaiveDate,
    pub last_date: chrono::NaiveDate,
    pub window_days: i32,
    pub slots: Vec<PeakSlotDto>,
}

/// The peak periods of a resource.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a69", "resource_id": "luhe-cemetery", "name": "清明", "first_date": "2027-03-27", "last_date": "2027-04-11", "window_days": 14, "slots": [{"business_type": "visit", "start_time": "07:00", "end_time": "07:30", "capacity": 300}]}]}))]
pub struct PeakPeriodListDto {
    pub items: Vec<PeakPeriodDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
