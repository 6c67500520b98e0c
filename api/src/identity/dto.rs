//! Wire types of the identity room.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use super::domain::Sex as SexDto;
use super::states::{ProxyRelation, ProxyService, RealNameStatus, RealNameVerifiedBy};

/// An ID number to check before a form is submitted.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id_number": "11010519491231002X"}))]
pub struct IdNumberCheckRequest {
    /// 18-character resident ID number (居民身份证号码); a lower-case x is accepted.
    pub id_number: String,
}

/// What the server reads from a valid ID number. The number itself comes back masked,
/// and neither the region nor the birth date is answered: with the last four they would
/// rebuild the number.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id_number_masked": "110***********002X",
    "sex": "female",
    "age": 76
}))]
pub struct IdNumberCheckDto {
    /// The first three and last four characters; the other eleven masked.
    pub id_number_masked: String,
    pub sex: SexDto,
    /// Full years today (Beijing time).
    pub age: u32,
}

/// A real name to bind.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "张三", "id_number": "11010519491231002X"}))]
pub struct RealNameRequest {
    /// The name as on the ID card.
    pub name: String,
    pub id_number: String,
}

/// A real name as answers show it: masked.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name_masked": "张*", "id_number_masked": "110***********002X", "sex": "female", "age": 76, "status": "verified", "verified_by": "in_person", "verified_at": "2026-11-29T10:00:00+08:00", "face_consent": false}))]
pub struct RealNameDto {
    /// The first character, the rest masked.
    pub name_masked: String,
    pub id_number_masked: String,
    #[schema(value_type = SexDto)]
    pub sex: String,
    /// Full years today (Beijing time), read from the sealed number.
    pub age: u32,
    /// `unverified` or `verified`.
    #[schema(value_type = RealNameStatus)]
    pub status: String,
    /// `face` or `in_person` once verified.
    #[schema(value_type = Option<RealNameVerifiedBy>)]
    pub verified_by: Option<String>,
    #[schema(format = DateTime)]
    pub verified_at: Option<String>,
    /// Whether the holder has consented to face processing for verifying it (needed
    /// before a face check; withdrawable).
    pub face_consent: bool,
}

/// A clerk's in-person check: the citizen's account (shown by their app) and the name
/// and number from the ID card in front of the clerk.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"citizen_id": "0193a6c4-3333-7b61-9d1e-3f0c2a9b8e71", "name": "张三", "id_number": "11010519491231002X"}))]
pub struct InPersonCheckRequest {
    /// The account id the citizen's app shows (`GET /api/v1/auth/citizen/me`).
    pub citizen_id: uuid::Uuid,
    pub name: String,
    pub id_number: String,
}

/// A consent for a family member to act for the caller.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"proxy_name": "李四", "proxy_id_number": "110101199003070011", "relation": "child", "services": ["dibao", "survival_certification"]}))]
pub struct ProxyGrantRequest {
    pub proxy_name: String,
    pub proxy_id_number: String,
    /// `spouse`, `parent`, `child`, `sibling`, `grandparent`, `grandchild`, `other_relative`.
    pub relation: ProxyRelation,
    /// Service codes the proxy may act on (e.g. `dibao`, `survival_certification`); at
    /// least one.
    pub services: Vec<ProxyService>,
}

/// A recorded consent.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-5555-7b61-9d1e-3f0c2a9b8e71", "principal_id": "0193a6c4-3333-7b61-9d1e-3f0c2a9b8e71", "proxy_id": "0193a6c4-4444-7b61-9d1e-3f0c2a9b8e71", "relation": "child", "services": ["dibao", "survival_certification"], "created_at": "2026-11-29T10:00:00+08:00", "revoked_at": null}))]
pub struct ProxyConsentDto {
    pub id: uuid::Uuid,
    /// The citizen who consented.
    pub principal_id: uuid::Uuid,
    /// The family member who may act.
    pub proxy_id: uuid::Uuid,
    #[schema(value_type = ProxyRelation)]
    pub relation: String,
    #[schema(value_type = Vec<ProxyService>)]
    pub services: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
}

impl From<entity::proxy_consent::Model> for ProxyConsentDto {
    fn from(m: entity::proxy_consent::Model) -> Self {
        ProxyConsentDto {
            id: m.id,
            principal_id: m.principal_id,
            proxy_id: m.proxy_id,
            relation: m.relation,
            services: m
                .services
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            created_at: crate::platform::clock::format(m.created_at),
            revoked_at: m.revoked_at.map(crate::platform::clock::format),
        }
    }
}

/// The consents the caller gave and received.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-5555-7b61-9d1e-3f0c2a9b8e71", "principal_id": "0193a6c4-3333-7b61-9d1e-3f0c2a9b8e71", "proxy_id": "0193a6c4-4444-7b61-9d1e-3f0c2a9b8e71", "relation": "child", "services": ["dibao", "survival_certification"], "created_at": "2026-11-29T10:00:00+08:00", "revoked_at": null}]}))]
pub struct ProxyListDto {
    pub items: Vec<ProxyConsentDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// One read of the caller's personal data by staff: when, by which role of which unit,
/// what and of what record. Never the staff member's name.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"at": "2026-12-02T10:15:00+08:00", "role": "reviewer", "unit_kind": "street", "unit": "永顺镇", "kind": "application_opened", "target_kind": "application"}))]
pub struct AccessEventDto {
    #[schema(format = DateTime)]
    pub at: String,
    #[schema(value_type = crate::auth::domain::Role)]
    pub role: String,
    #[schema(value_type = crate::auth::domain::ScopeKind)]
    pub unit_kind: String,
    /// The unit's name: a street, an office, a cemetery or funeral home, or the bureau.
    pub unit: String,
    #[schema(value_type = super::access::AccessKind)]
    pub kind: String,
    /// `application`, `marriage_appointment`, `transferee` or `street` (an export).
    pub target_kind: String,
}

/// The reads of the caller's data, newest first (the latest 500).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"at": "2026-12-02T10:15:00+08:00", "role": "reviewer", "unit_kind": "street", "unit": "永顺镇", "kind": "application_opened", "target_kind": "application"}], "next_cursor": null}))]
pub struct AccessEventList {
    pub items: Vec<AccessEventDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A copy of everything the service holds about the caller, unmasked: each table's rows
/// as stored, sealed values opened (`name_sealed` shows as `name`), blind indexes and
/// hashes left out. Files are listed (`media_object`), not included.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"generated_at": "2026-12-03T18:30:00+08:00", "account_id": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71",
    "tables": {"citizen_account": [{"id": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71", "email": null, "phone": "+8613900139000", "wechat_openid": null}],
               "real_name": [{"citizen_id": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71", "name": "张伟", "id_number": "110112199001010014", "status": "verified", "verified_by": "face"}]}}))]
pub struct MyDataDto {
    #[schema(format = DateTime)]
    pub generated_at: String,
    pub account_id: uuid::Uuid,
    /// Table name to its rows about you, each row an object of its columns.
    #[schema(value_type = Object)]
    pub tables: std::collections::BTreeMap<String, Vec<serde_json::Value>>,
}

/// Whether the caller's account can be deleted now, and if not, what to finish first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"deletable": false, "blockers": [{"kind": "marriage_appointment", "id": "0193a6c4-3333-7b61-9d1e-3f0c2a9b8e71",
    "message": "婚姻登记预约 MZ-7K3QH2（2026-12-20）尚未办结，请办结或取消"}]}))]
pub struct DeletionCheckDto {
    /// `true` when nothing blocks: `DELETE /identity/account` will succeed.
    pub deletable: bool,
    /// What blocks deletion, one entry per item (empty when deletable).
    pub blockers: Vec<DeletionBlockerDto>,
}

/// One item that blocks account deletion.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletionBlockerDto {
    pub kind: super::deletion::DeletionBlocker,
    /// The id of the booking, application or duty (as its own routes name it).
    pub id: String,
    /// What to finish first, in the caller's language.
    pub message: String,
}
