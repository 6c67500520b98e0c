//! Certifications and desk comparisons on the wire.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::certification::states::{CertificationVia, ComparisonMode};
use crate::platform::clock;

/// A transferee's certifications, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-aaaa-7b61-9d1e-3f0c2a9b8e71", "transferee_id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "via": "home_visit", "by_proxy": false, "by_citizen": null, "by_staff": "0193a6c4-1111-7b61-9d1e-3f0c2a9b8e71", "certified_at": "2026-11-29T10:05:00+08:00", "next_due_on": "2027-11-29", "back_pay_from": null, "back_pay_until": null, "back_pay_months": 0}]}))]
pub struct CertificationList {
    pub items: Vec<CertificationDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A certification made.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-aaaa-7b61-9d1e-3f0c2a9b8e71", "transferee_id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "via": "wechat", "by_proxy": false, "by_citizen": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71", "by_staff": null, "certified_at": "2026-11-29T10:05:00+08:00", "next_due_on": "2027-11-29", "back_pay_from": "2026-10-01", "back_pay_until": "2026-11-29", "back_pay_months": 2}))]
pub struct CertificationDto {
    pub id: Uuid,
    pub transferee_id: Uuid,
    /// `wechat`, `faceid`, `desk`, `home_visit` or `manual_review`.
    #[schema(value_type = CertificationVia)]
    pub via: String,
    pub by_proxy: bool,
    /// The citizen account that passed the face check (the transferee's own or a proxy's).
    pub by_citizen: Option<Uuid>,
    /// The staff member who compared, visited or decided the review.
    pub by_staff: Option<Uuid>,
    #[schema(format = DateTime)]
    pub certified_at: String,
    pub next_due_on: chrono::NaiveDate,
    /// Set when this certification ended a suspension: the payments owed back.
    pub back_pay_from: Option<chrono::NaiveDate>,
    pub back_pay_until: Option<chrono::NaiveDate>,
    pub back_pay_months: i32,
}

impl From<entity::survival_certification::Model> for CertificationDto {
    fn from(c: entity::survival_certification::Model) -> Self {
        CertificationDto {
            id: c.id,
            transferee_id: c.transferee_id,
            via: c.via,
            by_proxy: c.by_proxy,
            by_citizen: c.by_citizen,
            by_staff: c.by_staff,
            certified_at: clock::format(c.certified_at),
            next_due_on: c.due_on_after,
            back_pay_from: c.back_pay_from,
            back_pay_until: c.back_pay_until,
            back_pay_months: c.back_pay_months,
        }
    }
}

/// The result of a desk comparison that certified.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"distance": 0.31, "threshold": 0.5, "certification": {"id": "0193a6c4-aaaa-7b61-9d1e-3f0c2a9b8e71", "transferee_id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "via": "desk", "by_proxy": false, "by_citizen": null, "by_staff": "0193a6c4-1111-7b61-9d1e-3f0c2a9b8e71", "certified_at": "2026-11-29T10:05:00+08:00", "next_due_on": "2027-11-29", "back_pay_from": null, "back_pay_until": null, "back_pay_months": 0}}))]
pub struct ComparisonDto {
    /// Face distance (smaller is more alike).
    pub distance: f32,
    /// Below this distance the faces are taken as one person.
    pub threshold: f32,
    pub certification: CertificationDto,
}

/// The two photos of a desk comparison (multipart/form-data). Neither is stored.
#[derive(ToSchema)]
#[schema(example = json!({"chip_photo": "(JPEG bytes read from the ID card chip)", "live_photo": "(JPEG bytes of the photo taken now)", "mode": "desk"}))]
#[allow(dead_code)]
pub struct ComparisonForm {
    /// The photo read from the ID card's chip (JPEG or PNG).
    #[schema(value_type = String, format = Binary)]
    pub chip_photo: Vec<u8>,
    /// A live photo taken now (JPEG or PNG).
    #[schema(value_type = String, format = Binary)]
    pub live_photo: Vec<u8>,
    /// `desk` (default) or `home_visit`.
    #[schema(value_type = Option<ComparisonMode>)]
    pub mode: Option<String>,
}

/// The plot's period.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlotQuery {
    /// First day shown (default: 12 weeks ago; at most 2 years back).
    pub since: Option<chrono::NaiveDate>,
}
