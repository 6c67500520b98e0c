//! Manual reviews on the wire.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::certification::states::{CertificationReviewReason, CertificationReviewStatus};
use crate::platform::clock;

/// Asking for a manual review.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "老人视力不好，人脸识别多次失败"}))]
pub struct ReviewRequest {
    /// At most 500 characters (kept sealed).
    pub note: Option<String>,
}

/// A staff decision on a review.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"approve": true, "reason": "社区工作人员上门核实本人健在"}))]
pub struct DecisionRequest {
    pub approve: bool,
    /// 1 to 500 characters.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-bbbb-7b61-9d1e-3f0c2a9b8e71", "transferee_id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "street_id": "yongshun", "reason": "failed_attempts", "status": "open", "created_at": "2026-11-29T10:05:00+08:00", "due_by": "2026-12-02", "decision_reason": null, "decided_at": null}))]
pub struct ReviewDto {
    pub id: Uuid,
    pub transferee_id: Uuid,
    pub street_id: String,
    /// `failed_attempts` or `requested`.
    #[schema(value_type = CertificationReviewReason)]
    pub reason: String,
    /// `open`, `approved` or `rejected`.
    #[schema(value_type = CertificationReviewStatus)]
    pub status: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Answer expected within 3 working days of the bureau's calendar (RULES.md).
    pub due_by: chrono::NaiveDate,
    pub decision_reason: Option<String>,
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
}

impl ReviewDto {
    /// `is_working` is the bureau's calendar: answers are due in 3 working days (RULES).
    pub fn new(
        r: entity::certification_review::Model,
        is_working: impl Fn(chrono::NaiveDate) -> bool,
    ) -> Self {
        let created = r
            .created_at
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive();
        let due_by = crate::applications::domain::add_working_days(created, 3, is_working);
        ReviewDto {
            id: r.id,
            transferee_id: r.transferee_id,
            street_id: r.street_id,
            reason: r.reason,
            status: r.status,
            created_at: clock::format(r.created_at),
            due_by,
            decision_reason: r.decision_reason,
            decided_at: r.decided_at.map(clock::format),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-bbbb-7b61-9d1e-3f0c2a9b8e71", "transferee_id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "street_id": "yongshun", "reason": "failed_attempts", "status": "open", "created_at": "2026-11-29T10:05:00+08:00", "due_by": "2026-12-02", "decision_reason": null, "decided_at": null}]}))]
pub struct ReviewListDto {
    pub items: Vec<ReviewDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Which reviews to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    pub street: Option<String>,
    /// `open` (default), `approved`, `rejected`.
    pub status: Option<CertificationReviewStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl ReviewQuery {
    /// The page this query asks for.
    pub fn page(&self) -> crate::platform::pagination::PageQuery {
        crate::platform::pagination::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}
