//! Finishing a face check: the provider's answer, the real name it proves, the
//! certification it settles.
use chrono::Utc;
use entity::{face_attempt as attempt, transferee};
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::rules::{find, has_consent, identity, is_verified};
use super::settle::settle;
use crate::auth::extract::Citizen;
use crate::certification::cycle::How;
use crate::error::{ApiError, Code};
use crate::platform::audit::Actor;
use crate::platform::context::Context;
use crate::platform::face::{Outcome, StartedCheck, Verdict};
use crate::platform::rows::find_or;
use crate::state::AppState;

/// Asks the attempt's provider what the check came to, for the transferee's identity.
pub(super) async fn ask_provider(
    state: &Context,
    t: &transferee::Model,
    a: &attempt::Model,
) -> Result<Verdict, ApiError> {
    let (name, number) = identity(state, t)?;
    let check = StartedCheck {
        provider: &a.provider,
        session_id: &a.session_id,
        sequence_no: &a.sequence_no,
        openid: a.openid.as_deref(),
    };
    let providers = state.face_providers();
    providers.check_started(check, (&name, &number)).await
}

/// Confirms a started face check with its provider, once. A pass certifies; a failed
/// face counts towards manual review. Returns the certification, or the failure's error
/// after the failure is recorded.
pub async fn finish(
    state: &AppState,
    citizen: &Citizen,
    attempt_id: Uuid,
) -> Result<entity::survival_certification::Model, ApiError> {
    let a = find_or::<attempt::Entity>(&state.db, attempt_id, Code::AttemptNotFound).await?;
    if a.by_citizen != Some(citizen.id) {
        return Err(ApiError::new(Code::AttemptNotYours));
    }
    if a.state != "started" {
        return Err(ApiError::new(Code::AttemptUsed));
    }
    let t = find(&state.db, a.transferee_id).await?;
    let verdict = if !has_consent(&t) {
        // Withdrawn while the check ran: its result is not used.
        Verdict::refused(Code::FaceConsentRequired, "consent_withdrawn")
    } else if a.expires_at.is_some_and(|at| at < Utc::now()) {
        Verdict::refused(Code::VerificationExpired, "expired")
    } else {
        ask_provider(state, &t, &a).await?
    };
    // Failures of someone who only claims the ID number do not open a manual review for
    // the real transferee (anyone could fail on purpose).
    let verdict = match verdict.outcome {
        Outcome::Failed { code, counts: true }
            if !a.by_proxy && !is_verified(state, citizen).await? =>
        {
            Verdict {
                outcome: Outcome::Failed {
                    code,
                    counts: false,
                },
                ..verdict
            }
        }
        _ => verdict,
    };
    let how = How {
        via: if a.provider == "wechat" {
            "wechat"
        } else {
            "faceid"
        },
        by_citizen: Some(citizen.id),
        by_staff: None,
        by_proxy: a.by_proxy,
        attempt_id: Some(a.id),
        actor: Actor::Citizen(citizen.id),
        request_id: citizen.request_id.clone(),
    };
    let certified = settle(state, &a, verdict, how).await?;
    if !a.by_proxy {
        verify_real_name(state, citizen).await?;
    }
    Ok(certified)
}

/// A passed face check of one's own face also verifies one's bound real name.
pub(super) async fn verify_real_name(state: &Context, citizen: &Citizen) -> Result<(), ApiError> {
    let row = entity::real_name::Entity::find_by_id(citizen.id)
        .one(&state.db)
        .await?;
    if row.is_some_and(|r| r.status != "verified") {
        let txn = state.begin().await?;
        crate::identity::service::mark_verified_by_face(
            &txn,
            citizen.id,
            citizen.request_id.clone(),
        )
        .await?;
        txn.commit().await?;
    }
    Ok(())
}
