//! Wire types of the catalogue and of applications.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::domain::ServiceDef;
use super::states::{
    ApplicationAction, ApplicationActorKind, ApplicationStatus, AssistanceService,
    HouseholdRelation, StatisticsFormat,
};

/// A service and its current (or asked-for) definition.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "heating_subsidy", "version": 1, "definition": {"name": "采暖救助", "routed_by": "hukou", "needs_district_approval": false, "accept_days": 5, "decide_days": 15, "urgent_allowed": false,
    "fields": [{"key": "phone", "label": "联系电话", "type": "phone", "required": true}, {"key": "area_m2", "label": "采暖面积（平方米）", "type": "number", "required": true, "min": 1.0, "max": 500.0}],
    "materials": [{"code": "id_card", "label": "申请人身份证", "required": true}]}}))]
pub struct ServiceDto {
    #[schema(value_type = AssistanceService)]
    pub code: String,
    pub version: i32,
    pub definition: ServiceDef,
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"code": "heating_subsidy", "version": 1, "definition": {"name": "采暖救助", "routed_by": "hukou", "needs_district_approval": false, "accept_days": 5, "decide_days": 15, "urgent_allowed": false, "fields": [{"key": "phone", "label": "联系电话", "type": "phone", "required": true}], "materials": [{"code": "id_card", "label": "申请人身份证", "required": true}]}}]}))]
pub struct ServiceListDto {
    pub items: Vec<ServiceDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Which version to read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// Default: the current one.
    pub version: Option<i32>,
}

/// Starting a draft.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"service_code": "heating_subsidy"}))]
pub struct NewApplicationRequest {
    pub service_code: AssistanceService,
    /// For a proxy: the citizen account applied for (who consented to the proxy for this
    /// service). Default: the caller.
    #[serde(default)]
    pub applicant_id: Option<uuid::Uuid>,
}

/// The form of a draft.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"values": {"phone": "13812345678", "address": "通州区中仓街道某小区 1 号楼", "heating": "electric", "area_m2": 56.5}, "hukou_street_id": "zhongcang", "residence_street_id": "zhongcang", "urgent": false}))]
pub struct FormRequest {
    /// Keys and types from the service's `fields`; a draft may be partial.
    #[schema(value_type = Object)]
    pub values: BTreeMap<String, Value>,
    /// Street (`GET /api/v1/streets`) of the hukou and of the residence: the service's
    /// `routed_by` picks the responsible one.
    #[serde(default)]
    pub hukou_street_id: Option<String>,
    #[serde(default)]
    pub residence_street_id: Option<String>,
    /// Only where the service allows it (temporary relief).
    #[serde(default)]
    pub urgent: bool,
}

/// A household member as declared.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRequest {
    /// `self` (the applicant, exactly once), `spouse`, `child`, `parent`, `sibling`,
    /// `grandparent`, `grandchild`, `other`.
    pub relation: HouseholdRelation,
    pub name: String,
    pub id_number: String,
    /// Yuan a month, 0 to 1,000,000.
    pub monthly_income: f64,
    /// 1-4 where relevant.
    #[serde(default)]
    pub disability_grade: Option<i32>,
}

/// The household of a draft (replaces what was declared).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"members": [{"relation": "self", "name": "张伟", "id_number": "110112199001010014", "monthly_income": 1200.0}, {"relation": "child", "name": "张小明", "id_number": "110112201503040010", "monthly_income": 0.0, "disability_grade": 2}]}))]
pub struct HouseholdRequest {
    pub members: Vec<MemberRequest>,
}

/// Attaching an uploaded file (`POST /api/v1/media`) as a material.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"material_code": "id_card", "media_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71"}))]
pub struct MaterialRequest {
    pub material_code: String,
    pub media_id: uuid::Uuid,
}

/// Withdrawing.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "情况已好转"}))]
pub struct WithdrawRequest {
    #[serde(default)]
    pub reason: Option<String>,
}

/// Answering a supplement request.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "已补充近三个月工资流水", "materials": [{"material_code": "income_proof", "media_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71"}]}))]
pub struct SupplementRequest {
    #[serde(default)]
    pub note: Option<String>,
    pub materials: Vec<MaterialRequest>,
}

/// A staff action.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "request_supplement", "reason": "请补充近三个月的收入证明"}))]
pub struct ActionRequest {
    /// Reviewers: `accept`, `return_incomplete`, `request_supplement`, `record_visit`,
    /// `approve`, `reject`, `forward` (services needing district approval, instead of
    /// deciding); approvers: `approve`, `reject`.
    pub action: ApplicationAction,
    /// Required for decisions, returns, supplement requests (what is needed) and home
    /// visits (the note).
    #[serde(default)]
    pub reason: Option<String>,
    /// For `request_supplement`: the codes of the materials asked for (each a material of
    /// the service); the citizen's answer must bring each of them.
    #[serde(default)]
    pub materials: Vec<String>,
}

/// A household member as answers show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    pub position: i32,
    #[schema(value_type = HouseholdRelation)]
    pub relation: String,
    pub name_masked: String,
    pub id_number_masked: String,
    /// Yuan a month; shown only to the staff who decide the application (the street's
    /// reviewer; district approvers where the district approves), each read audited as
    /// `applications.incomes_read`; null for everyone else.
    pub monthly_income: Option<f64>,
    pub disability_grade: Option<i32>,
}

/// A material.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "material_code": "id_card", "media_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "supplement": false, "added_at": "2026-11-29T10:00:00+08:00", "url": "/api/v1/applications/0193a6c4-1111-7b61-9d1e-3f0c2a9b8e71/materials/0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71"}))]
pub struct MaterialDto {
    pub id: uuid::Uuid,
    pub material_code: String,
    pub media_id: uuid::Uuid,
    /// Added in answer to a supplement request.
    pub supplement: bool,
    #[schema(format = DateTime)]
    pub added_at: String,
    /// Where the caller downloads it.
    pub url: String,
}

/// One step of the history.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepDto {
    pub at: String,
    #[schema(value_type = ApplicationAction)]
    pub action: String,
    /// Null for `create`.
    #[schema(value_type = Option<ApplicationStatus>)]
    pub from_status: Option<String>,
    #[schema(value_type = ApplicationStatus)]
    pub to_status: String,
    /// `citizen` or `staff`.
    #[schema(value_type = ApplicationActorKind)]
    pub actor_kind: String,
    /// The reason or note (home-visit notes are shown to staff only).
    pub note: Option<String>,
}

/// An application and its place in the state machine. `allowed_actions` lists what the
/// caller may do now.
///
/// | from | action | by | to |
/// |---|---|---|---|
/// | `draft` | `submit` | citizen | `submitted` |
/// | `submitted` | `accept` | reviewer | `under_review` |
/// | `submitted` | `return_incomplete` | reviewer | `returned` |
/// | `under_review` | `request_supplement` | reviewer | `supplement_requested` (clock paused) |
/// | `supplement_requested` | `answer_supplement` | citizen | `under_review` |
/// | `under_review` | `record_visit` | reviewer | `under_review` (a note) |
/// | `under_review` | `approve` / `reject` | reviewer, services without district approval | `approved` / `rejected` |
/// | `under_review` | `forward` | reviewer, services with district approval | `awaiting_approval` |
/// | `awaiting_approval` | `approve` / `reject` | approver | `approved` / `rejected` |
/// | `submitted`, `under_review`, `supplement_requested`, `awaiting_approval` | `withdraw` | citizen | `withdrawn` |
///
/// `approved`, `rejected`, `returned` and `withdrawn` are final.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-1111-7b61-9d1e-3f0c2a9b8e71", "service_code": "heating_subsidy", "service_version": 1, "service_name": "采暖救助", "status": "under_review", "status_label": "审核中",
    "applicant_id": "0193a6c4-3333-7b61-9d1e-3f0c2a9b8e71", "urgent": false, "street_id": "zhongcang", "hukou_street_id": "zhongcang", "residence_street_id": "zhongcang",
    "values": {"phone": "13812345678", "address": "通州区中仓街道某小区 1 号楼", "heating": "electric", "area_m2": 56.5},
    "members": [{"position": 1, "relation": "self", "name_masked": "张*", "id_number_masked": "110***********0014", "monthly_income": null, "disability_grade": null}],
    "materials": [{"id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "material_code": "id_card", "media_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "supplement": false, "added_at": "2026-11-29T10:00:00+08:00", "url": "/api/v1/applications/0193a6c4-1111-7b61-9d1e-3f0c2a9b8e71/materials/0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71"}],
    "history": [{"at": "2026-11-29T10:05:00+08:00", "action": "submit", "from_status": "draft", "to_status": "submitted", "actor_kind": "citizen", "note": null}, {"at": "2026-11-30T09:00:00+08:00", "action": "accept", "from_status": "submitted", "to_status": "under_review", "actor_kind": "staff", "note": null}],
    "submitted_at": "2026-11-29T10:05:00+08:00", "accept_due": "2026-12-04", "decide_due": "2026-12-18", "days_left": 19, "overdue": false, "paused": false, "decided_at": null,
    "household_overlap": [], "allowed_actions": ["withdraw"], "created_at": "2026-11-29T09:40:00+08:00", "updated_at": "2026-11-30T09:00:00+08:00"}))]
pub struct ApplicationDto {
    pub id: uuid::Uuid,
    #[schema(value_type = AssistanceService)]
    pub service_code: String,
    pub service_version: i32,
    pub service_name: String,
    #[schema(value_type = ApplicationStatus)]
    pub status: String,
    pub status_label: String,
    pub applicant_id: uuid::Uuid,
    pub urgent: bool,
    /// The responsible street, fixed at submission.
    pub street_id: Option<String>,
    pub hukou_street_id: Option<String>,
    pub residence_street_id: Option<String>,
    #[schema(value_type = Object)]
    pub values: BTreeMap<String, Value>,
    pub members: Vec<MemberDto>,
    pub materials: Vec<MaterialDto>,
    pub history: Vec<StepDto>,
    #[schema(format = DateTime)]
    pub submitted_at: Option<String>,
    /// Acceptance deadline, then the decision deadline (working days; it moves by the
    /// working days spent waiting for a supplement).
    pub accept_due: Option<chrono::NaiveDate>,
    pub decide_due: Option<chrono::NaiveDate>,
    /// Days until the deadline that runs now; negative when overdue.
    pub days_left: Option<i64>,
    pub overdue: bool,
    /// The clock stands still while a supplement is awaited.
    pub paused: bool,
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
    /// Staff only: other active applications of the same service naming a member of this
    /// household (the household rule beyond the applicant, left to the reviewer).
    pub household_overlap: Vec<uuid::Uuid>,
    #[schema(value_type = Vec<ApplicationAction>)]
    pub allowed_actions: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A list of applications (full entries).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": []}))]
pub struct ApplicationListDto {
    pub items: Vec<ApplicationDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The reviewers' queue filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Default: reviewers see active ones, approvers `awaiting_approval`.
    pub status: Option<ApplicationStatus>,
    pub service_code: Option<AssistanceService>,
    /// Only those past their running deadline.
    #[serde(default)]
    pub overdue: bool,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl QueueQuery {
    /// The page this query asks for.
    pub fn page(&self) -> crate::platform::pagination::PageQuery {
        crate::platform::pagination::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// The statistics' period and format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatisticsQuery {
    /// Submitted on or after (default: 365 days ago).
    pub from: Option<chrono::NaiveDate>,
    /// Submitted on or before (default: today).
    pub to: Option<chrono::NaiveDate>,
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<StatisticsFormat>,
}

/// One count.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountDto {
    #[schema(value_type = AssistanceService)]
    pub service_code: String,
    pub street_id: String,
    #[schema(value_type = ApplicationStatus)]
    pub status: String,
    /// Month of submission, `YYYY-MM` (Beijing time).
    pub month: String,
    pub count: u64,
}

/// Counts and median processing times.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"from": "2026-01-01", "to": "2026-11-29", "counts": [{"service_code": "dibao", "street_id": "zhongcang", "status": "approved", "month": "2026-11", "count": 12}], "median_processing_days": {"dibao": 17.5}}))]
pub struct StatisticsDto {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub counts: Vec<CountDto>,
    /// Submission to decision, in calendar days, by service (decided ones only).
    pub median_processing_days: BTreeMap<String, f64>,
}
