//! A transferee on the wire: the registry record, a page of them, what a citizen may
//! certify, the requests that change one.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::certification::domain::Status;
use crate::certification::states::{AllowanceStatus, CertificationVia};
use crate::platform::clock;

/// A transferee as staff see them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "name": "张*", "id_number": "110***********0012", "street_id": "yongshun", "village": "前北营村", "allowance_status": "paid", "status": "due", "due_on": "2026-12-20", "cycle_months": 12, "last_certified_at": "2025-12-18T09:30:00+08:00", "last_certified_via": "wechat", "exempt_until": null, "face_consent": true, "failed_attempts": 0, "review_open": false, "suspended_since": null}))]
pub struct TransfereeDto {
    pub id: Uuid,
    /// Masked.
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub street_id: String,
    pub village: String,
    /// `paid`, `suspended` (missed certification) or `stopped`.
    #[schema(value_type = AllowanceStatus)]
    pub allowance_status: String,
    pub status: Status,
    pub due_on: chrono::NaiveDate,
    pub cycle_months: u32,
    #[schema(format = DateTime)]
    pub last_certified_at: Option<String>,
    /// `wechat`, `faceid`, `desk`, `home_visit` or `manual_review`.
    #[schema(value_type = Option<CertificationVia>)]
    pub last_certified_via: Option<String>,
    pub exempt_until: Option<chrono::NaiveDate>,
    /// Consent to face processing is on record and not withdrawn.
    pub face_consent: bool,
    /// Failed face checks since the last certification.
    pub failed_attempts: i32,
    pub review_open: bool,
    pub suspended_since: Option<chrono::NaiveDate>,
}

impl TransfereeDto {
    pub fn new(
        t: entity::transferee::Model,
        status: Status,
        cycle_months: u32,
        review_open: bool,
    ) -> Self {
        TransfereeDto {
            face_consent: crate::certification::ways::has_consent(&t),
            last_certified_at: t.last_certified_at.map(clock::format),
            id: t.id,
            name: t.name_masked,
            id_number: t.id_number_masked,
            street_id: t.street_id,
            village: t.village,
            allowance_status: t.allowance_status,
            status,
            due_on: t.due_on,
            cycle_months,
            last_certified_via: t.last_certified_via,
            exempt_until: t.exempt_until,
            failed_attempts: t.failed_attempts,
            review_open,
            suspended_since: t.suspended_since,
        }
    }
}

/// A page of transferees.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "name": "张*", "id_number": "110***********0012", "street_id": "yongshun", "village": "前北营村", "allowance_status": "paid", "status": "due", "due_on": "2026-12-20", "cycle_months": 12, "last_certified_at": null, "last_certified_via": null, "exempt_until": null, "face_consent": false, "failed_attempts": 0, "review_open": false, "suspended_since": null}], "next_cursor": null}))]
pub struct TransfereePage {
    pub items: Vec<TransfereeDto>,
    pub next_cursor: Option<String>,
}

/// The transferees a citizen may certify for.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"as_proxy": false, "attempts_left_today": 5, "transferee": {"id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "name": "张*", "id_number": "110***********0012", "street_id": "yongshun", "village": "前北营村", "allowance_status": "paid", "status": "due", "due_on": "2026-12-20", "cycle_months": 12, "last_certified_at": null, "last_certified_via": null, "exempt_until": null, "face_consent": true, "failed_attempts": 0, "review_open": false, "suspended_since": null}}]}))]
pub struct MineDto {
    pub items: Vec<MineItem>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MineItem {
    /// True when you act as a relative the transferee consented to.
    pub as_proxy: bool,
    pub attempts_left_today: u32,
    pub transferee: TransfereeDto,
}

/// A new registry record (admins). Bulk loads use `minzheng import-transferees`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "张三", "id_number": "110112195001010016", "street_id": "yongshun", "village": "前北营村", "phone": "13800138000", "due_on": "2026-12-31"}))]
pub struct NewTransfereeRequest {
    pub name: String,
    pub id_number: String,
    /// Street id (`yongshun`) or name (`永顺镇`).
    pub street_id: String,
    pub village: String,
    pub phone: Option<String>,
    /// First due date (default: one notice period from today).
    pub due_on: Option<chrono::NaiveDate>,
}

/// Changes to a record (admins); absent fields stay.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"village": "后北营村", "cycle_months": 6, "allowance_status": "paid"}))]
pub struct TransfereePatch {
    pub name: Option<String>,
    pub street_id: Option<String>,
    pub village: Option<String>,
    /// Empty string removes the phone.
    pub phone: Option<String>,
    /// 1 to 24; 0 returns to the configured cycle.
    pub cycle_months: Option<i32>,
    pub due_on: Option<chrono::NaiveDate>,
    /// `paid` or `stopped` (a suspension ends only by certifying: `suspended` is refused).
    pub allowance_status: Option<AllowanceStatus>,
}

/// An exemption (e.g. in hospital).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"until": "2027-03-31", "reason": "住院治疗"}))]
pub struct ExemptionRequest {
    /// Last day of the exemption, at most a year ahead.
    pub until: chrono::NaiveDate,
    /// 1 to 200 characters (kept sealed).
    pub reason: String,
}

/// A bureau-wide window: everyone (in a street) due on one date.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"due_on": "2027-03-31", "street_id": "yongshun"}))]
pub struct WindowRequest {
    pub due_on: chrono::NaiveDate,
    /// Absent: the whole district.
    pub street_id: Option<String>,
}

/// The street list query: `street` (staff of a street see only theirs), or one ID number.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Street id; absent means your own street (district staff: everyone).
    pub street: Option<String>,
    /// Find one person by full ID number.
    pub id_number: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}
