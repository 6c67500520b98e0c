//! Real-name verification by face, online (实名认证（人脸核验）): the holder's separate
//! consent to face processing for this purpose first (the 2025 face rules), then a check
//! with WeChat (mini-program) or FaceID (apps) of the bound name and ID number, which the
//! server confirms with the provider. A pass marks the real name `verified` by `face`.
//! The providers are `platform::face`, shared with survival certification; the way
//! without a face stays open: in person at any desk (`service::verify_in_person`).
use chrono::{Duration, Utc};
use entity::{real_name, real_name_face_check as check};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::service::{event, get};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::face::{Outcome, Provider, StartedCheck, Subject, Verdict};
use crate::platform::rate_limit::{self, Limit};
use crate::platform::rows::find_or;

/// Gives (`true`) or withdraws the caller's consent to face processing for verifying
/// their real name. Withdrawing stops checks not yet confirmed from counting.
pub async fn set_consent(
    state: &Context,
    citizen: &Citizen,
    give: bool,
) -> Result<real_name::Model, ApiError> {
    let row = get(state, citizen.id).await?;
    let txn = state.begin().await?;
    real_name::Entity::update_many()
        .col_expr(
            real_name::Column::FaceConsentAt,
            Expr::value(give.then(Utc::now)),
        )
        .filter(real_name::Column::CitizenId.eq(row.citizen_id))
        .exec(&txn)
        .await?;
    let (action, summary) = if give {
        (
            "identity.face_consent.give",
            "consented to face processing for real-name verification",
        )
    } else {
        (
            "identity.face_consent.withdraw",
            "withdrew the consent to face processing",
        )
    };
    let actor = Actor::Citizen(citizen.id);
    let request_id = citizen.request_id.clone();
    audit::record(
        &txn,
        event(actor, action, citizen.id, summary.into(), request_id),
    )
    .await?;
    txn.commit().await?;
    get(state, citizen.id).await
}

/// A started check: the row to confirm later and how long the provider keeps it.
pub struct Started {
    pub check: check::Model,
    pub expires_in: u64,
}

/// Starts a face check of the caller's bound, unverified real name with `provider`.
pub async fn start(
    state: &Context,
    citizen: &Citizen,
    provider: Provider,
) -> Result<Started, ApiError> {
    let row = get(state, citizen.id).await?;
    may_check(&row)?;
    let openid = match provider {
        Provider::Wechat => Some(crate::auth::citizen::face_openid(&state.db, citizen.id).await?),
        Provider::FaceId => None,
    };
    take_attempt(state, citizen.id).await?;
    let (name, number) = opened(state, &row)?;
    let subject = Subject {
        name: &name,
        id_number: &number,
        openid: openid.as_deref(),
    };
    let session = state.face_providers().start(provider, &subject).await?;
    let now = Utc::now();
    let new = check::ActiveModel {
        id: Set(Uuid::now_v7()),
        citizen_id: Set(citizen.id),
        provider: Set(provider.as_str().into()),
        session_id: Set(session.session_id),
        sequence_no: Set(session.sequence_no),
        id_number_index: Set(row.id_number_index),
        openid: Set(openid),
        expires_at: Set(now + Duration::seconds(session.expires_in as i64)),
        state: Set("started".into()),
        result_code: Set(None),
        score: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
    };
    let txn = state.begin().await?;
    let saved = new.insert(&txn).await?;
    let summary = format!(
        "{} face check {} of the real name",
        saved.provider, saved.id
    );
    let request_id = citizen.request_id.clone();
    let started = event(
        Actor::Citizen(citizen.id),
        "identity.real_name.face_start",
        citizen.id,
        summary,
        request_id,
    );
    audit::record(&txn, started).await?;
    txn.commit().await?;
    Ok(Started {
        check: saved,
        expires_in: session.expires_in,
    })
}

/// Before a check starts: unverified, and the consent given.
fn may_check(row: &real_name::Model) -> Result<(), ApiError> {
    if row.status == "verified" {
        return Err(ApiError::new(Code::RealNameVerified));
    }
    if row.face_consent_at.is_none() {
        return Err(ApiError::new(Code::FaceConsentRequired));
    }
    Ok(())
}

/// One of the account's checks of the last 24 hours (`face_attempts_per_day`), counted
/// when started: a check costs the service a provider call whatever it comes to.
async fn take_attempt(state: &Context, citizen: Uuid) -> Result<(), ApiError> {
    let limit = Limit {
        hits: state.config.face_attempts_per_day as i32,
        window_secs: 24 * 3600,
    };
    let key = format!("face-check:real-name:{citizen}");
    rate_limit::hit(&state.db, &key, limit, Code::RealNameFaceAttemptsExhausted).await
}

/// The bound name and ID number, opened for a provider call only.
fn opened(state: &Context, row: &real_name::Model) -> Result<(String, String), ApiError> {
    let name = state
        .sealer
        .open(&row.name_sealed)
        .map_err(ApiError::internal)?;
    let number = state
        .sealer
        .open(&row.id_number_sealed)
        .map_err(ApiError::internal)?;
    Ok((name, number))
}

/// Confirms a started check with its provider, once. A pass verifies the real name (and
/// answers it); anything else is recorded and answered as its error.
pub async fn confirm(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<real_name::Model, ApiError> {
    let started = find_or::<check::Entity>(&state.db, id, Code::AttemptNotFound).await?;
    if started.citizen_id != citizen.id {
        return Err(ApiError::new(Code::AttemptNotYours));
    }
    if started.state != "started" {
        return Err(ApiError::new(Code::AttemptUsed));
    }
    let row = get(state, citizen.id).await?;
    if row.status == "verified" {
        return Err(ApiError::new(Code::RealNameVerified));
    }
    let verdict = verdict(state, &row, &started).await?;
    settle(state, citizen, &started, verdict).await?;
    get(state, citizen.id).await
}

/// What the check came to: refused for a reason of ours (a name re-bound since, the
/// consent withdrawn, the session expired), else what the provider says.
async fn verdict(
    state: &Context,
    row: &real_name::Model,
    started: &check::Model,
) -> Result<Verdict, ApiError> {
    if row.id_number_index != started.id_number_index {
        return Ok(Verdict::refused(Code::RealNameChanged, "real_name_changed"));
    }
    if row.face_consent_at.is_none() {
        return Ok(Verdict::refused(
            Code::FaceConsentRequired,
            "consent_withdrawn",
        ));
    }
    if started.expires_at < Utc::now() {
        return Ok(Verdict::refused(Code::VerificationExpired, "expired"));
    }
    let (name, number) = opened(state, row)?;
    let check = StartedCheck {
        provider: &started.provider,
        session_id: &started.session_id,
        sequence_no: &started.sequence_no,
        openid: started.openid.as_deref(),
    };
    let providers = state.face_providers();
    providers.check_started(check, (&name, &number)).await
}

/// Records the verdict, once (the check moves from `started` only here, so two confirms
/// at once settle it once), and on a pass verifies the real name in the same
/// transaction. A failure is committed before it is answered.
async fn settle(
    state: &Context,
    citizen: &Citizen,
    started: &check::Model,
    verdict: Verdict,
) -> Result<(), ApiError> {
    let passed = verdict.outcome == Outcome::Passed;
    let txn = state.begin().await?;
    let closed = check::Entity::update_many()
        .col_expr(
            check::Column::State,
            Expr::value(if passed { "passed" } else { "failed" }),
        )
        .col_expr(check::Column::ResultCode, Expr::value(verdict.result_code))
        .col_expr(check::Column::Score, Expr::value(verdict.score))
        .col_expr(check::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(check::Column::Id.eq(started.id))
        .filter(check::Column::State.eq("started"))
        .exec(&txn)
        .await?;
    if closed.rows_affected == 0 {
        return Err(ApiError::new(Code::AttemptUsed));
    }
    if passed {
        super::service::mark_verified_by_face(&txn, citizen.id, citizen.request_id.clone()).await?;
    }
    txn.commit().await?;
    match verdict.outcome {
        Outcome::Passed => Ok(()),
        Outcome::Failed { code, .. } => Err(ApiError::new(code)),
    }
}
