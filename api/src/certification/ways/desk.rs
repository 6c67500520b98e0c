//! Certifying in person: the desk's face comparison and home visits.
use chrono::Utc;
use entity::face_attempt as attempt;
use sea_orm::{ActiveModelTrait, Set};
use uuid::Uuid;

use super::rules::{in_scope, may_face, staff_how};
use super::settle::settle;
use crate::auth::extract::Staff;
use crate::certification::cycle;
use crate::error::{ApiError, Code};
use crate::platform::face::{Outcome, Verdict};
use crate::state::AppState;

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
