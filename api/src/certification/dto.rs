//! Wire types of survival certification. Names and ID numbers only ever leave masked.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::domain::Status;
use super::states::{
    AllowanceStatus, CertificationReviewReason, CertificationReviewStatus, CertificationVia,
    ComparisonMode, TransfereeAccountLink,
};
use crate::identity::states::ProxyRelation;
use crate::platform::clock;
pub use crate::platform::face::dto::{FaceIdStartDto, WechatStartDto};

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
            face_consent: super::ways::has_consent(&t),
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

/// A relative recorded from the signed consent form.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"proxy_name": "李四", "proxy_id_number": "110101199003070011", "relation": "child"}))]
pub struct ProxyRequest {
    pub proxy_name: String,
    pub proxy_id_number: String,
    /// `spouse`, `parent`, `child`, `sibling`, `grandparent`, `grandchild`, `other_relative`.
    pub relation: ProxyRelation,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-8888-7b61-9d1e-3f0c2a9b8e71", "transferee_id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "relation": "child", "proxy_id_number": "110***********0012", "recorded_by": "0193a6c4-1111-7b61-9d1e-3f0c2a9b8e71", "created_at": "2026-11-29T10:00:00+08:00", "revoked_at": null}))]
pub struct ProxyDto {
    pub id: Uuid,
    pub transferee_id: Uuid,
    #[schema(value_type = ProxyRelation)]
    pub relation: String,
    /// The relative's ID number, masked.
    pub proxy_id_number: String,
    /// The staff member who recorded the signed form.
    pub recorded_by: Uuid,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Set once staff revoked it; a revoked proxy can no longer certify.
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
}

impl ProxyDto {
    pub fn new(p: entity::transferee_proxy::Model, proxy_id_number: String) -> ProxyDto {
        ProxyDto {
            id: p.id,
            transferee_id: p.transferee_id,
            relation: p.relation,
            proxy_id_number,
            recorded_by: p.recorded_by,
            created_at: clock::format(p.created_at),
            revoked_at: p.revoked_at.map(clock::format),
        }
    }
}

/// The relatives staff recorded for a transferee, newest first (revoked ones too).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-8888-7b61-9d1e-3f0c2a9b8e71", "transferee_id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "relation": "child", "proxy_id_number": "110***********0012", "recorded_by": "0193a6c4-1111-7b61-9d1e-3f0c2a9b8e71", "created_at": "2026-11-29T10:00:00+08:00", "revoked_at": null}]}))]
pub struct ProxyList {
    pub items: Vec<ProxyDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// How street staff reach a transferee: the registry's phone and the citizen accounts
/// linked to them (shown to staff only; the phone is sealed at rest).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"transferee_id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "phone": "13800138000", "accounts": [{"citizen_id": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71", "link": "own"}, {"citizen_id": "0193a6c4-3333-7b61-9d1e-3f0c2a9b8e71", "link": "proxy"}]}))]
pub struct ContactDto {
    pub transferee_id: Uuid,
    pub phone: Option<String>,
    /// Empty when nobody can be told online: the street calls or visits.
    pub accounts: Vec<LinkedAccount>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedAccount {
    pub citizen_id: Uuid,
    /// `own` (verified real name with the transferee's ID number), `own_unverified` (only
    /// declared; may consent and try a face check) or `proxy` (a relative who may certify).
    #[schema(value_type = TransfereeAccountLink)]
    pub link: &'static str,
}

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

/// Counts by status for a street (or `district`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"street_id": "yongshun", "total": 1200, "counts": {"certified": 900, "due": 200, "overdue": 60, "exempt": 30, "stopped": 10}, "suspended": 58}))]
pub struct StatsDto {
    pub street_id: String,
    pub total: u64,
    /// Keys `certified`, `due`, `overdue`, `exempt`, `stopped`.
    pub counts: std::collections::BTreeMap<String, u64>,
    /// Payments currently suspended.
    pub suspended: u64,
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

/// The plot's period.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlotQuery {
    /// First day shown (default: 12 weeks ago; at most 2 years back).
    pub since: Option<chrono::NaiveDate>,
}

/// What a sweep did (admins may run one now; it also runs by itself).
pub use super::cycle::Swept as SweptDto;

/// One certification notice as a desk sees it: by which channel, to whom, and whether it
/// went out. Never the message itself.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-cccc-7b61-9d1e-3f0c2a9b8e71", "channel": "sms", "to_account": null, "recipient": "+86 138****8000", "status": "sent", "attempts": 1, "created_at": "2026-12-01T09:00:00+08:00", "sent_at": "2026-12-01T09:00:02+08:00", "failure": null}))]
pub struct NoticeDto {
    pub id: Uuid,
    #[schema(value_type = crate::notices::NoticeChannel)]
    pub channel: String,
    /// The account it went to; `null` for an SMS to the registry's phone.
    pub to_account: Option<Uuid>,
    /// For an SMS, the number masked; `null` for other channels.
    pub recipient: Option<String>,
    #[schema(value_type = crate::notices::NoticeStatus)]
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    /// Why the last attempt failed (the provider's answer), while pending or failed.
    pub failure: Option<String>,
}

impl NoticeDto {
    pub fn new(row: entity::outbox_message::Model, transferee: Uuid) -> NoticeDto {
        NoticeDto {
            id: row.id,
            to_account: row.person_id.filter(|p| *p != transferee),
            recipient: (row.channel == "sms").then_some(row.recipient),
            channel: row.channel,
            status: row.status,
            attempts: row.attempts,
            created_at: clock::format(row.created_at),
            sent_at: row.sent_at.map(clock::format),
            failure: row.last_error,
        }
    }
}

/// A page of notices, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-cccc-7b61-9d1e-3f0c2a9b8e71", "channel": "sms", "to_account": null, "recipient": "+86 138****8000", "status": "failed", "attempts": 1, "created_at": "2026-12-01T09:00:00+08:00", "sent_at": null, "failure": "the number's daily SMS cap is reached"}], "next_cursor": null}))]
pub struct NoticeList {
    pub items: Vec<NoticeDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
