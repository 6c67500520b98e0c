//! Real names: binding an ID number, verifying it in person or by face.
use chrono::Utc;
use entity::real_name;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use uuid::Uuid;

use super::rules::{event, id_index, mark_verified};
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code};
use crate::identity::domain::{IdNumber, Sex};
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::db::is_unique_violation;
use crate::platform::rows::find_or;

/// Binds (or, while unverified, replaces) the caller's real name.
pub async fn bind(
    state: &Context,
    citizen: &Citizen,
    name: String,
    id: IdNumber,
) -> Result<real_name::Model, ApiError> {
    let now = Utc::now();
    let txn = state.begin().await?;
    let existing = real_name::Entity::find_by_id(citizen.id).one(&txn).await?;
    if existing.as_ref().is_some_and(|r| r.status == "verified") {
        return Err(ApiError::new(Code::RealNameVerified));
    }
    let row = real_name::ActiveModel {
        citizen_id: Set(citizen.id),
        name_sealed: Set(state.sealer.seal(&name)),
        id_number_sealed: Set(state.sealer.seal(id.expose())),
        id_number_index: Set(id_index(&state.sealer, &id)),
        id_number_masked: Set(id.masked()),
        sex: Set(match id.sex() {
            Sex::Male => "male".into(),
            Sex::Female => "female".into(),
        }),
        status: Set("unverified".into()),
        verified_by: Set(None),
        verified_at: Set(None),
        verified_by_staff: Set(None),
        // The consent is the holder's, for this account: it outlives a re-binding.
        face_consent_at: Set(existing.as_ref().and_then(|r| r.face_consent_at)),
        created_at: Set(existing.as_ref().map_or(now, |r| r.created_at)),
        updated_at: Set(now),
    };
    let saved = if existing.is_some() {
        row.update(&txn).await
    } else {
        row.insert(&txn).await
    };
    let saved = match saved {
        Ok(saved) => saved,
        Err(e) if is_unique_violation(&e) => return Err(ApiError::new(Code::IdNumberTaken)),
        Err(e) => return Err(e.into()),
    };
    let summary = format!("bound real name, ID {}", id.masked());
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "identity.real_name.bind",
            citizen.id,
            summary,
            citizen.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A clerk who has seen the ID card of the citizen at the desk verifies the real name of
/// that citizen's account (the account id comes from the citizen's app). The card wins
/// over an unverified binding of the same number by another account: that binding is
/// removed (and audited), so a leaked ID number cannot be squatted.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn verify_in_person(
    state: &Context,
    staff: &Staff,
    citizen: Uuid,
    name: &str,
    id: &IdNumber,
) -> Result<real_name::Model, ApiError> {
    use crate::auth::domain::Role;
    if !matches!(staff.role, Role::Clerk | Role::Admin) {
        return Err(ApiError::new(Code::Forbidden));
    }
    if !crate::auth::citizen::exists(&state.db, citizen).await? {
        return Err(ApiError::new(Code::RealNameNotFound));
    }
    let index = id_index(&state.sealer, id);
    let actor = Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    };
    let txn = state.begin().await?;
    let holder = real_name::Entity::find()
        .filter(real_name::Column::IdNumberIndex.eq(&index))
        .one(&txn)
        .await?;
    if let Some(other) = holder.filter(|r| r.citizen_id != citizen) {
        if other.status == "verified" {
            return Err(ApiError::new(Code::IdNumberTaken));
        }
        real_name::Entity::delete_by_id(other.citizen_id)
            .exec(&txn)
            .await?;
        let summary = format!(
            "unverified binding of ID {} removed: the card holder was verified on another account",
            id.masked()
        );
        audit::record(
            &txn,
            event(
                actor.clone(),
                "identity.real_name.remove",
                other.citizen_id,
                summary,
                staff.request_id.clone(),
            ),
        )
        .await?;
    }
    let own = real_name::Entity::find_by_id(citizen).one(&txn).await?;
    let row = match own {
        Some(row) if row.id_number_index == index => {
            if state
                .sealer
                .open(&row.name_sealed)
                .map_err(ApiError::internal)?
                != name
            {
                return Err(ApiError::new(Code::RealNameNotFound));
            }
            row
        }
        Some(row) if row.status == "verified" => return Err(ApiError::new(Code::RealNameVerified)),
        other => {
            if let Some(stale) = other {
                real_name::Entity::delete_by_id(stale.citizen_id)
                    .exec(&txn)
                    .await?;
            }
            new_row(state, citizen, name, id).insert(&txn).await?
        }
    };
    let updated = mark_verified(&txn, row, "in_person", Some(staff.id)).await?;
    let summary = format!("verified in person, ID {}", id.masked());
    audit::record(
        &txn,
        event(
            actor,
            "identity.real_name.verify",
            citizen,
            summary,
            staff.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A fresh, unverified real-name row.
pub(super) fn new_row(
    state: &Context,
    citizen: Uuid,
    name: &str,
    id: &IdNumber,
) -> real_name::ActiveModel {
    let now = Utc::now();
    real_name::ActiveModel {
        citizen_id: Set(citizen),
        name_sealed: Set(state.sealer.seal(name)),
        id_number_sealed: Set(state.sealer.seal(id.expose())),
        id_number_index: Set(id_index(&state.sealer, id)),
        id_number_masked: Set(id.masked()),
        sex: Set(match id.sex() {
            Sex::Male => "male".into(),
            Sex::Female => "female".into(),
        }),
        status: Set("unverified".into()),
        verified_by: Set(None),
        verified_at: Set(None),
        verified_by_staff: Set(None),
        face_consent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The hook for face verification (survival certification supplies the verifiers): a
/// passed check for this citizen marks the real name verified, inside the caller's transaction.
pub async fn mark_verified_by_face<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    citizen: Uuid,
    request_id: Option<String>,
) -> Result<(), ApiError> {
    let row = find_or::<real_name::Entity>(conn, citizen, Code::RealNameNotFound).await?;
    mark_verified(conn, row, "face", None).await?;
    audit::record(
        conn,
        event(
            Actor::Citizen(citizen),
            "identity.real_name.verify",
            citizen,
            "verified by face".into(),
            request_id,
        ),
    )
    .await?;
    Ok(())
}
