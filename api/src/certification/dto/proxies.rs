//! Proxies and contacts on the wire.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::certification::states::TransfereeAccountLink;
use crate::identity::states::ProxyRelation;
use crate::platform::clock;

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
