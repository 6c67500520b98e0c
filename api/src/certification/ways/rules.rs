//! What the ways of certifying share: who acts for whom, the street scope, consent, the
//! open review, the transferee's identity, counting failures.
use chrono::Utc;
use entity::{certification_review as review, face_attempt as attempt, transferee};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::auth::domain::ScopeKind;
use crate::auth::extract::{Citizen, Staff};
use crate::certification::cycle::{self, How};
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::rows::find_or;
use crate::platform::{context::Context, db::is_unique_violation};

/// A citizen acting for a transferee: as themself, or as a proxy.
pub struct Acting {
    pub transferee: transferee::Model,
    pub proxy: bool,
    /// False for an account whose real name (the transferee's ID number) is not verified
    /// yet: it may consent and try face checks, which verify it, and nothing else.
    pub verified: bool,
}

impl Acting {
    /// Refuses what only the verified transferee or a proxy may do.
    pub(super) fn must_be_verified(self) -> Result<Acting, ApiError> {
        if self.verified {
            Ok(self)
        } else {
            Err(ApiError::new(Code::RealNameUnverified))
        }
    }
}

pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<transferee::Model, ApiError> {
    find_or::<transferee::Entity>(conn, id, Code::TransfereeNotFound).await
}

/// Whether `citizen` is the transferee (verified or not) or a consented proxy.
pub async fn acting_for(state: &Context, citizen: Uuid, id: Uuid) -> Result<Acting, ApiError> {
    let t = find(&state.db, id).await?;
    let claim = cycle::claimants(&state.db, &t)
        .await?
        .into_iter()
        .find(|(account, _)| *account == citizen);
    if let Some((_, true)) = claim {
        return Ok(Acting {
            transferee: t,
            proxy: false,
            verified: true,
        });
    }
    if cycle::proxies(&state.db, &t).await?.contains(&citizen) {
        return Ok(Acting {
            transferee: t,
            proxy: true,
            verified: true,
        });
    }
    if claim.is_some() {
        return Ok(Acting {
            transferee: t,
            proxy: false,
            verified: false,
        });
    }
    Err(ApiError::new(Code::NotYourTransferee))
}

/// Staff may act on transferees of their street (the district on all).
pub async fn in_scope(
    state: &Context,
    staff: &Staff,
    id: Uuid,
) -> Result<transferee::Model, ApiError> {
    let t = find(&state.db, id).await?;
    if staff.scope.covers(ScopeKind::Street, &t.street_id) {
        Ok(t)
    } else {
        Err(ApiError::new(Code::Forbidden))
    }
}

pub fn staff_actor(staff: &Staff) -> Actor {
    Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    }
}

pub fn has_consent(t: &transferee::Model) -> bool {
    t.face_consent_at.is_some() && t.face_consent_withdrawn_at.is_none()
}

/// Before any face check: consent given, no open review, the allowance not stopped.
pub(super) async fn may_face(
    conn: &impl ConnectionTrait,
    t: &transferee::Model,
) -> Result<(), ApiError> {
    if t.allowance_status == "stopped" {
        return Err(ApiError::new(Code::Forbidden));
    }
    if !has_consent(t) {
        return Err(ApiError::new(Code::FaceConsentRequired));
    }
    if open_review(conn, t.id).await?.is_some() {
        return Err(ApiError::new(Code::ReviewPending));
    }
    Ok(())
}

pub async fn open_review(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<review::Model>, ApiError> {
    Ok(review::Entity::find()
        .filter(review::Column::TransfereeId.eq(id))
        .filter(review::Column::Open.eq(true))
        .one(conn)
        .await?)
}

/// Which of `ids` have an open review, in one query (lists would otherwise ask per row).
pub async fn with_open_review(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<std::collections::HashSet<Uuid>, ApiError> {
    use sea_orm::QuerySelect;
    Ok(review::Entity::find()
        .select_only()
        .column(review::Column::TransfereeId)
        .filter(review::Column::Open.eq(true))
        .filter(review::Column::TransfereeId.is_in(ids))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// The registered name and ID number, opened for a provider call only.
pub(super) fn identity(
    state: &Context,
    t: &transferee::Model,
) -> Result<(String, String), ApiError> {
    let name = state
        .sealer
        .open(&t.name_sealed)
        .map_err(ApiError::internal)?;
    let id = state
        .sealer
        .open(&t.id_number_sealed)
        .map_err(ApiError::internal)?;
    Ok((name, id))
}

pub(super) async fn is_verified(state: &Context, citizen: &Citizen) -> Result<bool, ApiError> {
    let row = entity::real_name::Entity::find_by_id(citizen.id)
        .one(&state.db)
        .await?;
    Ok(row.is_some_and(|r| r.status == "verified"))
}

/// Whether the citizen who started the attempt may still act for its transferee: as a
/// proxy whose consent stands, or as an account still bound to the transferee's number.
pub(super) async fn still_acting(
    conn: &impl ConnectionTrait,
    a: &attempt::Model,
    citizen: Uuid,
) -> Result<bool, ApiError> {
    let t = find(conn, a.transferee_id).await?;
    Ok(if a.by_proxy {
        cycle::proxies(conn, &t).await?.contains(&citizen)
    } else {
        cycle::claimants(conn, &t)
            .await?
            .iter()
            .any(|(id, _)| *id == citizen)
    })
}

/// One more failed face; at the configured number a manual review opens.
pub(super) async fn count_failure(
    conn: &impl ConnectionTrait,
    state: &Context,
    t: transferee::Model,
) -> Result<(), ApiError> {
    let failures = t.failed_attempts + 1;
    let mut active: transferee::ActiveModel = t.clone().into();
    active.failed_attempts = Set(failures);
    let t = active.update(conn).await?;
    if failures >= state.config.face_failures_before_review as i32 {
        open(conn, &t, "failed_attempts", None, None).await?;
    }
    Ok(())
}

/// Opens a manual review unless one is open (the partial unique index decides a race).
pub(super) async fn open(
    conn: &impl ConnectionTrait,
    t: &transferee::Model,
    reason: &str,
    note: Option<String>,
    by: Option<Uuid>,
) -> Result<Option<review::Model>, ApiError> {
    if open_review(conn, t.id).await?.is_some() {
        return Ok(None);
    }
    let row = review::ActiveModel {
        id: Set(Uuid::now_v7()),
        transferee_id: Set(t.id),
        street_id: Set(t.street_id.clone()),
        reason: Set(reason.into()),
        note_sealed: Set(note),
        requested_by: Set(by),
        status: Set("open".into()),
        open: Set(true),
        decided_by: Set(None),
        decision_reason: Set(None),
        created_at: Set(Utc::now()),
        decided_at: Set(None),
    };
    match row.insert(conn).await {
        Ok(row) => {
            audit::record(
                conn,
                cycle::event(
                    Actor::System,
                    "certification.review.open",
                    t,
                    reason.into(),
                    None,
                ),
            )
            .await?;
            Ok(Some(row))
        }
        Err(e) if is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub(super) fn staff_how(staff: &Staff, via: &'static str, attempt_id: Option<Uuid>) -> How {
    How {
        via,
        by_citizen: None,
        by_staff: Some(staff.id),
        by_proxy: false,
        attempt_id,
        actor: staff_actor(staff),
        request_id: staff.request_id.clone(),
    }
}
