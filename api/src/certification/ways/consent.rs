//! Consent to face checks, given or withdrawn by the transferee, a relative or at the desk.
use chrono::Utc;
use entity::transferee;
use sea_orm::{ActiveModelTrait, Set};
use uuid::Uuid;

use super::rules::{acting_for, in_scope, staff_actor};
use crate::auth::extract::{Citizen, Staff};
use crate::certification::cycle;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;

/// Who recorded or withdrew a consent.
pub enum ConsentBy<'a> {
    Transferee(&'a Citizen),
    Staff(&'a Staff),
}

/// Records (`give`) or withdraws the transferee's consent to face processing. Only the
/// transferee's own account or staff (from the signed form) may: a relative cannot
/// consent to someone else's biometric processing.
pub async fn set_consent(
    state: &Context,
    id: Uuid,
    by: ConsentBy<'_>,
    give: bool,
) -> Result<transferee::Model, ApiError> {
    let (actor, who, request_id) = match by {
        ConsentBy::Transferee(c) => {
            let acting = acting_for(state, c.id, id).await?;
            if acting.proxy {
                return Err(ApiError::new(Code::ConsentByTransfereeOnly));
            }
            // Whoever holds an unverified binding may consent to their own face being
            // checked, but not take away the transferee's choice.
            if !give {
                acting.must_be_verified()?;
            }
            (
                Actor::Citizen(c.id),
                format!("citizen:{}", c.id),
                c.request_id.clone(),
            )
        }
        ConsentBy::Staff(s) => {
            in_scope(state, s, id).await?;
            (
                staff_actor(s),
                format!("staff:{}", s.id),
                s.request_id.clone(),
            )
        }
    };
    let txn = state.begin().await?;
    let t = cycle::lock(&txn, id).await?;
    let now = Utc::now();
    let mut active: transferee::ActiveModel = t.into();
    if give {
        active.face_consent_at = Set(Some(now));
        active.face_consent_by = Set(Some(who));
        active.face_consent_withdrawn_at = Set(None);
    } else {
        active.face_consent_withdrawn_at = Set(Some(now));
    }
    let t = active.update(&txn).await?;
    let action = if give {
        "certification.consent.give"
    } else {
        "certification.consent.withdraw"
    };
    audit::record(
        &txn,
        cycle::event(actor, action, &t, "face processing".into(), request_id),
    )
    .await?;
    txn.commit().await?;
    Ok(t)
}
