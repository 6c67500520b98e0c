//! The ladder of ways to certify (face is never the only one):
//! 1. WeChat face verification, 2. Tencent FaceID for app clients — each started and
//!    confirmed by the server, for the transferee's registered name and ID number, by the
//!    transferee or a relative they consented to (3. proxy);
//! 4. at a desk or on a home visit, a 1:1 comparison in-process (or a home visit without
//!    face); 5. manual review after repeated failures, decided by staff with a reason.
//!
//! Face checks need the transferee's separate consent, recorded before the first one and
//! withdrawable; attempts are limited per day; each is kept as a provider-neutral record.
use chrono::{Duration, Utc};
use entity::{certification_review as review, face_attempt as attempt, transferee};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::cycle::{self, How};
use crate::auth::domain::ScopeKind;
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::clock;
use crate::platform::face::{Outcome, Provider, StartedCheck, Subject, Verdict};
use crate::platform::rows::find_or;
use crate::platform::{context::Context, db::is_unique_violation};
use crate::state::AppState;

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
    fn must_be_verified(self) -> Result<Acting, ApiError> {
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

pub fn has_consent(t: &transferee::Model) -> bool {
    t.face_consent_at.is_some() && t.face_consent_withdrawn_at.is_none()
}

/// Before any face check: consent given, no open review, the allowance not stopped.
async fn may_face(conn: &impl ConnectionTrait, t: &transferee::Model) -> Result<(), ApiError> {
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

/// Takes one of today's attempts, or none is left: one conditional update, so parallel
/// starts cannot exceed the limit.
async fn take_attempt(state: &Context, id: Uuid) -> Result<(), ApiError> {
    let today = clock::today();
    let limit = state.config.face_attempts_per_day as i32;
    let day = transferee::Column::AttemptDay;
    let count = transferee::Column::AttemptsThatDay;
    let taken = transferee::Entity::update_many()
        .col_expr(
            count,
            Expr::case(Expr::col(day).eq(today), Expr::col(count).add(1))
                .finally(1)
                .into(),
        )
        .col_expr(day, Expr::value(today))
        .filter(transferee::Column::Id.eq(id))
        .filter(
            sea_orm::Condition::any()
                .add(day.is_null())
                .add(day.ne(today))
                .add(count.lt(limit)),
        )
        .exec(&state.db)
        .await?;
    if taken.rows_affected == 1 {
        Ok(())
    } else {
        Err(ApiError::new(Code::FaceAttemptsExhausted))
    }
}

/// Takes one of an unverified claimant's own attempts: anyone can bind a transferee's ID
/// number unverified, so their tries are counted per account (a day being 24 hours
/// here), and the transferee's own budget stays for the verified account and proxies.
async fn take_claimant_attempt(state: &Context, account: Uuid, id: Uuid) -> Result<(), ApiError> {
    let limit = crate::platform::rate_limit::Limit {
        hits: state.config.face_attempts_per_day as i32,
        window_secs: 24 * 3600,
    };
    crate::platform::rate_limit::hit(
        &state.db,
        &format!("face-attempt:claimant:{account}:{id}"),
        limit,
        Code::FaceAttemptsExhausted,
    )
    .await
}

/// The registered name and ID number, opened for a provider call only.
fn identity(state: &Context, t: &transferee::Model) -> Result<(String, String), ApiError> {
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

/// A started face check: what the client needs to run it.
pub struct Started {
    pub attempt: attempt::Model,
    pub expires_in: u64,
}

/// Starts a face check for the transferee from the caller's account.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn start(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
    provider: Provider,
) -> Result<Started, ApiError> {
    let acting = acting_for(state, citizen.id, id).await?;
    let t = &acting.transferee;
    may_face(&state.db, t).await?;
    let openid = match provider {
        Provider::Wechat => Some(crate::auth::citizen::face_openid(&state.db, citizen.id).await?),
        Provider::FaceId => None,
    };
    if acting.verified {
        take_attempt(state, t.id).await?;
    } else {
        take_claimant_attempt(state, citizen.id, t.id).await?;
    }
    let (name, number) = identity(state, t)?;
    let subject = Subject {
        name: &name,
        id_number: &number,
        openid: openid.as_deref(),
    };
    let session = state.face_providers().start(provider, &subject).await?;
    let now = Utc::now();
    let row = attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        transferee_id: Set(t.id),
        provider: Set(provider.as_str().into()),
        session_id: Set(session.session_id),
        sequence_no: Set(session.sequence_no),
        by_citizen: Set(Some(citizen.id)),
        by_staff: Set(None),
        by_proxy: Set(acting.proxy),
        openid: Set(openid),
        expires_at: Set(Some(now + Duration::seconds(session.expires_in as i64))),
        state: Set("started".into()),
        result_code: Set(None),
        passed: Set(None),
        score: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
    };
    let txn = state.begin().await?;
    let row = row.insert(&txn).await?;
    audit::record(
        &txn,
        cycle::event(
            Actor::Citizen(citizen.id),
            "certification.face.start",
            t,
            format!(
                "{} attempt {}{}",
                row.provider,
                row.id,
                if acting.proxy { " by proxy" } else { "" }
            ),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(Started {
        attempt: row,
        expires_in: session.expires_in,
    })
}

/// Asks the attempt's provider what the check came to, for the transferee's identity.
async fn ask_provider(
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

async fn is_verified(state: &Context, citizen: &Citizen) -> Result<bool, ApiError> {
    let row = entity::real_name::Entity::find_by_id(citizen.id)
        .one(&state.db)
        .await?;
    Ok(row.is_some_and(|r| r.status == "verified"))
}

/// A passed face check of one's own face also verifies one's bound real name.
async fn verify_real_name(state: &Context, citizen: &Citizen) -> Result<(), ApiError> {
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

/// Records a check's verdict, once (the attempt moves from `started` only here), and
/// what follows from it.
async fn settle(
    state: &AppState,
    a: &attempt::Model,
    verdict: Verdict,
    how: How,
) -> Result<entity::survival_certification::Model, ApiError> {
    let txn = state.begin().await?;
    // Authority is checked again at the moment of effect: a proxy revoked, or a claim
    // removed at a desk, while the check ran must not certify anyone.
    let verdict = match how.by_citizen {
        Some(citizen) if !still_acting(&txn, a, citizen).await? => {
            Verdict::refused(Code::NotYourTransferee, "authority_withdrawn")
        }
        _ => verdict,
    };
    let passed = verdict.outcome == Outcome::Passed;
    let closed = attempt::Entity::update_many()
        .col_expr(
            attempt::Column::State,
            Expr::value(if passed { "passed" } else { "failed" }),
        )
        .col_expr(
            attempt::Column::ResultCode,
            Expr::value(verdict.result_code.clone()),
        )
        .col_expr(attempt::Column::Passed, Expr::value(passed))
        .col_expr(attempt::Column::Score, Expr::value(verdict.score))
        .col_expr(attempt::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(attempt::Column::Id.eq(a.id))
        .filter(attempt::Column::State.eq("started"))
        .exec(&txn)
        .await?;
    if closed.rows_affected == 0 {
        return Err(ApiError::new(Code::AttemptUsed));
    }
    let t = cycle::lock(&txn, a.transferee_id).await?;
    let summary = format!("{} attempt {}: {}", a.provider, a.id, verdict.result_code);
    audit::record(
        &txn,
        cycle::event(
            how.actor.clone(),
            "certification.face.result",
            &t,
            summary,
            how.request_id.clone(),
        ),
    )
    .await?;
    match verdict.outcome {
        Outcome::Passed => {
            let row = cycle::certify(&txn, state, t, how).await?;
            txn.commit().await?;
            Ok(row)
        }
        Outcome::Failed { code, counts } => {
            if counts {
                count_failure(&txn, state, t).await?;
            }
            txn.commit().await?;
            Err(ApiError::new(code))
        }
    }
}

/// Whether the citizen who started the attempt may still act for its transferee: as a
/// proxy whose consent stands, or as an account still bound to the transferee's number.
async fn still_acting(
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
async fn count_failure(
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
async fn open(
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

/// The transferee (or a proxy) asks for a manual review, e.g. after withdrawing consent.
pub async fn request_review(
    state: &AppState,
    citizen: &Citizen,
    id: Uuid,
    note: Option<String>,
) -> Result<review::Model, ApiError> {
    let acting = acting_for(state, citizen.id, id)
        .await?
        .must_be_verified()?;
    let txn = state.begin().await?;
    let t = cycle::lock(&txn, acting.transferee.id).await?;
    let note = note.map(|n| state.sealer.seal(&n));
    let row = match open(&txn, &t, "requested", note, Some(citizen.id)).await? {
        Some(row) => row,
        None => return Err(ApiError::new(Code::ReviewPending)),
    };
    txn.commit().await?;
    Ok(row)
}

/// Staff decide an open review with a reason: approving certifies, rejecting lets face
/// checks start again (the failure count restarts).
pub async fn decide(
    state: &AppState,
    staff: &Staff,
    review_id: Uuid,
    approve: bool,
    reason: String,
) -> Result<review::Model, ApiError> {
    let r = find_or::<review::Entity>(&state.db, review_id, Code::ReviewNotFound).await?;
    if !staff.scope.covers(ScopeKind::Street, &r.street_id) {
        return Err(ApiError::new(Code::ReviewNotFound));
    }
    let txn = state.begin().await?;
    let decided = review::Entity::update_many()
        .col_expr(
            review::Column::Status,
            Expr::value(if approve { "approved" } else { "rejected" }),
        )
        .col_expr(review::Column::Open, Expr::value(false))
        .col_expr(review::Column::DecidedBy, Expr::value(staff.id))
        .col_expr(review::Column::DecisionReason, Expr::value(reason.clone()))
        .col_expr(review::Column::DecidedAt, Expr::value(Utc::now()))
        .filter(review::Column::Id.eq(r.id))
        .filter(review::Column::Open.eq(true))
        .exec(&txn)
        .await?;
    if decided.rows_affected == 0 {
        return Err(ApiError::new(Code::ReviewDecided));
    }
    let t = cycle::lock(&txn, r.transferee_id).await?;
    let action = if approve {
        "certification.review.approve"
    } else {
        "certification.review.reject"
    };
    audit::record(
        &txn,
        cycle::event(
            staff_actor(staff),
            action,
            &t,
            reason,
            staff.request_id.clone(),
        ),
    )
    .await?;
    if approve {
        let how = staff_how(staff, "manual_review", None);
        cycle::certify(&txn, state, t, how).await?;
    } else {
        let mut active: transferee::ActiveModel = t.into();
        active.failed_attempts = Set(0);
        active.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(review::Entity::find_by_id(r.id)
        .one(&state.db)
        .await?
        .unwrap_or(r))
}

fn staff_how(staff: &Staff, via: &'static str, attempt_id: Option<Uuid>) -> How {
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

/// A home visit where staff saw the transferee alive and certify without a face check
/// (for those who withdrew consent or whose face checks keep failing).
pub async fn home_visit(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
) -> Result<entity::survival_certification::Model, ApiError> {
    in_scope(state, staff, id).await?;
    let txn = state.begin().await?;
    let t = cycle::lock(&txn, id).await?;
    if t.allowance_status == "stopped" {
        return Err(ApiError::new(Code::Forbidden));
    }
    let row = cycle::certify(&txn, state, t, staff_how(staff, "home_visit", None)).await?;
    txn.commit().await?;
    Ok(row)
}

/// The two photos of a desk or home-visit comparison, as received.
pub struct Photos {
    pub chip: Vec<u8>,
    pub live: Vec<u8>,
}

/// Compares the ID card chip's photo with a live photo in-process. Both are decoded,
/// compared and dropped here: only the result, the distance and who did it are kept.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn compare(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    photos: Photos,
    home: bool,
) -> Result<(entity::survival_certification::Model, f32), ApiError> {
    use crate::platform::face::compare::{FaceError, Photo};
    let t = in_scope(state, staff, id).await?;
    may_face(&state.db, &t).await?;
    let limits = state.media.limits;
    let matcher = state.face.clone();
    let mb = state.media.compare_mb(&photos.chip, &photos.live);
    let result = state
        .media
        .gated(mb, move || {
            let decode = |bytes: &[u8]| {
                crate::media::intake::decode_photo(bytes, &limits).map(|i| i.to_rgb8())
            };
            let chip = decode(&photos.chip).map_err(|r| (Photo::Chip, r))?;
            let live = decode(&photos.live).map_err(|r| (Photo::Live, r))?;
            Ok(matcher.get().compare(&chip, &live))
        })
        .await?
        .map_err(|(photo, refusal): (Photo, _)| {
            crate::media::service::refused(refusal).with_source(format!("{photo:?} photo"))
        })?;
    let (verdict, distance) = match result {
        Ok(c) => (
            Verdict {
                outcome: if c.same_person {
                    Outcome::Passed
                } else {
                    Outcome::Failed {
                        code: Code::FaceNotMatched,
                        counts: true,
                    }
                },
                result_code: if c.same_person { "match" } else { "no_match" }.into(),
                score: Some(f64::from(c.distance)),
            },
            c.distance,
        ),
        Err(FaceError::Unavailable(why)) => {
            return Err(ApiError::new(Code::FaceComparisonUnavailable).with_source(why));
        }
        Err(e) => {
            let (code, result_code) = match e {
                FaceError::NoFace(_) => (Code::NoFace, "no_face"),
                FaceError::SeveralFaces(_) => (Code::SeveralFaces, "several_faces"),
                _ => (Code::PoorFaceImage, "poor_image"),
            };
            (Verdict::refused(code, result_code), f32::NAN)
        }
    };
    let now = Utc::now();
    let row = attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        transferee_id: Set(t.id),
        provider: Set("desk".into()),
        session_id: Set(Uuid::now_v7().to_string()),
        sequence_no: Set(uuid::Uuid::new_v4().simple().to_string()),
        by_citizen: Set(None),
        by_staff: Set(Some(staff.id)),
        by_proxy: Set(false),
        openid: Set(None),
        expires_at: Set(None),
        state: Set("started".into()),
        result_code: Set(None),
        passed: Set(None),
        score: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
    }
    .insert(&state.db)
    .await?;
    let how = staff_how(
        staff,
        if home { "home_visit" } else { "desk" },
        Some(row.id),
    );
    let certified = settle(state, &row, verdict, how).await?;
    Ok((certified, distance))
}
