//! What a face check's outcome does: a certification, or a failure counted towards a manual
//! review.
use chrono::Utc;
use entity::face_attempt as attempt;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::rules::{count_failure, still_acting};
use crate::certification::cycle::{self, How};
use crate::error::{ApiError, Code};
use crate::platform::audit;
use crate::platform::face::{Outcome, Verdict};
use crate::state::AppState;

/// Records a check's verdict, once (the attempt moves from `started` only here), and
/// what follows from it.
pub(super) async fn settle(
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
