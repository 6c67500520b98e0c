//! Wire types of the admin room.
use serde::Serialize;
use utoipa::ToSchema;

use super::kinds::{AuditActorKind, AuditTargetKind, StreetKind};
use crate::auth::domain::Role;

/// A street (街道) or township (乡镇) of the district.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "zhongcang", "name": "中仓街道", "kind": "subdistrict"}))]
pub struct StreetDto {
    /// Stable identifier used wherever a street is named (`street_id`).
    pub id: String,
    /// The official Chinese name.
    pub name: String,
    /// `subdistrict` (街道), `township` (镇) or `ethnic_township` (民族乡).
    #[schema(value_type = StreetKind)]
    pub kind: String,
}

impl From<entity::street::Model> for StreetDto {
    fn from(m: entity::street::Model) -> Self {
        StreetDto {
            id: m.id,
            name: m.name,
            kind: m.kind,
        }
    }
}

/// One audit event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"seq": 42, "at": "2026-11-29T10:00:00+08:00", "actor_kind": "staff", "actor_id": "0193a6c4-1000-7b61-9d1e-3f0c2a9b8e71", "actor_role": "admin", "action": "auth.staff.create", "target_kind": "staff_account", "target_id": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71", "summary": "created wang.li (reviewer, street)", "request_id": "0193a6c4-6666-7b61-9d1e-3f0c2a9b8e71"}))]
pub struct AuditEventDto {
    pub seq: i64,
    pub at: String,
    /// `citizen`, `staff` or `system`.
    #[schema(value_type = AuditActorKind)]
    pub actor_kind: String,
    pub actor_id: Option<String>,
    /// The staff member's role at the time; null for citizens and the system.
    #[schema(value_type = Option<Role>)]
    pub actor_role: Option<String>,
    /// Dotted like the error codes (`auth.staff.create`, `identity.real_name.bind`, ...).
    pub action: String,
    #[schema(value_type = AuditTargetKind)]
    pub target_kind: String,
    pub target_id: String,
    pub summary: String,
    pub request_id: Option<String>,
}

impl From<entity::audit_event::Model> for AuditEventDto {
    fn from(m: entity::audit_event::Model) -> Self {
        AuditEventDto {
            seq: m.seq,
            at: crate::platform::clock::format(m.at),
            actor_kind: m.actor_kind,
            actor_id: m.actor_id,
            actor_role: m.actor_role,
            action: m.action,
            target_kind: m.target_kind,
            target_id: m.target_id,
            summary: m.summary,
            request_id: m.request_id,
        }
    }
}

/// Which target's events to list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `citizen_account`, `staff_account`.
    pub target_kind: AuditTargetKind,
    pub target_id: String,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A bulk job: what it does, how far it got, and its outcome once done. Poll it (every
/// few seconds) until `status` is `done` or `failed`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "kind": "certification_sweep", "status": "running", "done": 12000, "total": 50000, "result": {"reminded_before": 12000, "reminded_on": 0, "suspended": 0}, "error": null, "created_at": "2026-12-02T09:00:00+08:00", "finished_at": null}))]
pub struct JobDto {
    pub id: uuid::Uuid,
    #[schema(value_type = super::kinds::JobKind)]
    pub kind: String,
    #[schema(value_type = super::kinds::JobStatus)]
    pub status: String,
    /// Rows handled so far.
    pub done: i64,
    /// Rows to handle, once counted.
    pub total: Option<i64>,
    /// The outcome (so far, while running); for a sweep the counts of `SweptDto`, for a
    /// window `{"moved": N}`.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// The error code that stopped a failed job.
    pub error: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
}

impl From<entity::job::Model> for JobDto {
    fn from(j: entity::job::Model) -> Self {
        JobDto {
            id: j.id,
            kind: j.kind,
            status: j.status,
            done: j.done,
            total: j.total,
            result: j.result.and_then(|r| serde_json::from_str(&r).ok()),
            error: j.error,
            created_at: crate::platform::clock::format(j.created_at),
            finished_at: j.finished_at.map(crate::platform::clock::format),
        }
    }
}
