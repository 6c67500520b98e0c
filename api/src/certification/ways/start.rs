//! Starting a face check with WeChat or FaceID: the attempts left, the provider's session.
use chrono::{Duration, Utc};
use entity::{face_attempt as attempt, transferee};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::rules::{acting_for, identity, may_face};
use crate::auth::extract::Citizen;
use crate::certification::cycle;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::face::{Provider, Subject};

/// Takes one of today's attempts, or none is left: one conditional update, so parallel
/// starts cannot exceed the limit.
pub(super) async fn take_attempt(state: &Context, id: Uuid) -> Result<(), ApiError> {
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
pub(super) async fn take_claimant_attempt(
    state: &Context,
    account: Uuid,
    id: Uuid,
) -> Result<(), ApiError> {
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
