//! Staff sign-in: password and TOTP, the lock after failures.
use chrono::{Duration, Utc};
use entity::staff_account;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::rules::{event, pending_step, totp_matches};
use crate::auth::domain::Role;
use crate::auth::password;
use crate::auth::session::{self, TokenPair};
use crate::auth::tokens::AccountKind;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::rate_limit::{self, Limit};
use crate::state::AppState;

/// Wrong passwords in a row before the account locks.
pub const LOCK_AFTER: i32 = 10;

/// How long a locked account stays locked.
pub const LOCK_FOR: Duration = Duration::minutes(15);

/// Sign-in attempts per account per hour (RULES: at most 100 failures an hour).
pub(super) const PER_ACCOUNT: Limit = Limit {
    hits: 100,
    window_secs: 3600,
};

/// Sign-in attempts per client address per five minutes.
pub(super) const PER_CLIENT: Limit = Limit {
    hits: 50,
    window_secs: 300,
};

/// A successful staff sign-in: the tokens and the step still owed, if any.
pub struct SignedIn {
    pub tokens: TokenPair,
    pub pending_step: Option<String>,
}

/// Signs a staff member in. Unknown user, wrong password, disabled or locked account all
/// answer the same `auth.invalid_credentials` after the same argon2 work.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn sign_in(
    state: &AppState,
    username: &str,
    secret: String,
    totp: Option<String>,
    client: &str,
) -> Result<SignedIn, ApiError> {
    let username = username.trim().to_lowercase();
    rate_limit::hit(
        &state.db,
        &format!("staff-sign-in:account:{username}"),
        PER_ACCOUNT,
        Code::RateLimited,
    )
    .await?;
    rate_limit::hit(
        &state.db,
        &format!("staff-sign-in:client:{client}"),
        PER_CLIENT,
        Code::RateLimited,
    )
    .await?;
    let account = staff_account::Entity::find()
        .filter(staff_account::Column::Username.eq(&username))
        .one(&state.db)
        .await?;
    let matches = password::verify(secret, account.as_ref().map(|a| a.password_hash.clone())).await;
    let Some(account) = account else {
        // A write like a wrong password's, so that unknown names cost the same time.
        let unknown = Limit {
            hits: i32::MAX,
            window_secs: 60,
        };
        rate_limit::hit(
            &state.db,
            "staff-sign-in:unknown-user",
            unknown,
            Code::RateLimited,
        )
        .await?;
        return Err(ApiError::new(Code::InvalidCredentials));
    };
    let now = Utc::now();
    if account.disabled || account.locked_until.is_some_and(|t| t > now) {
        return Err(ApiError::new(Code::InvalidCredentials));
    }
    if !matches {
        record_failure(state, &account).await?;
        return Err(ApiError::new(Code::InvalidCredentials));
    }
    if account.totp_enabled {
        let code = totp.ok_or_else(|| ApiError::new(Code::TotpRequired))?;
        if !totp_matches(state, &account, &code).await? {
            record_failure(state, &account).await?;
            return Err(ApiError::new(Code::TotpInvalid));
        }
    }
    let role = Role::parse(&account.role).ok_or_else(|| ApiError::internal("unknown role"))?;
    let pending = pending_step(&account);
    let txn = state.begin().await?;
    staff_account::Entity::update_many()
        .col_expr(staff_account::Column::FailedAttempts, Expr::value(0))
        .filter(staff_account::Column::Id.eq(account.id))
        .exec(&txn)
        .await?;
    let tokens = session::start(&txn, state, AccountKind::Staff, account.id, pending).await?;
    audit::record(
        &txn,
        event(
            Actor::Staff {
                id: account.id,
                role: role.as_str(),
            },
            "auth.staff.sign_in",
            account.id,
            "signed in".into(),
            None,
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(SignedIn {
        tokens,
        pending_step: pending.map(str::to_owned),
    })
}

pub(super) async fn record_failure(
    state: &Context,
    account: &staff_account::Model,
) -> Result<(), ApiError> {
    let txn = state.begin().await?;
    // Counted in the database, so parallel wrong passwords cannot lose a count.
    staff_account::Entity::update_many()
        .col_expr(
            staff_account::Column::FailedAttempts,
            sea_orm::sea_query::ExprTrait::add(Expr::col(staff_account::Column::FailedAttempts), 1),
        )
        .filter(staff_account::Column::Id.eq(account.id))
        .exec(&txn)
        .await?;
    let failures = staff_account::Entity::find_by_id(account.id)
        .one(&txn)
        .await?
        .map_or(0, |a| a.failed_attempts);
    if failures >= LOCK_AFTER {
        staff_account::Entity::update_many()
            .col_expr(staff_account::Column::FailedAttempts, Expr::value(0))
            .col_expr(
                staff_account::Column::LockedUntil,
                Expr::value(Utc::now() + LOCK_FOR),
            )
            .filter(staff_account::Column::Id.eq(account.id))
            .exec(&txn)
            .await?;
        let summary = format!("locked for 15 minutes after {LOCK_AFTER} failed sign-ins");
        audit::record(
            &txn,
            event(
                Actor::System,
                "auth.staff.locked",
                account.id,
                summary,
                None,
            ),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
