//! A staff member's own password and TOTP.
use chrono::Utc;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use totp_rs::Secret;

use super::rules::{actor, event, load, pending_step, set_restriction, totp_for, totp_matches};
use crate::auth::extract::Staff;
use crate::auth::password;
use crate::auth::session;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::audit;
use crate::platform::context::Context;
use crate::platform::rate_limit::{self, Limit};

/// Codes tried while setting up TOTP, per account per 5 minutes.
pub(super) const TOTP_TRIES: Limit = Limit {
    hits: 10,
    window_secs: 300,
};

/// Changes the caller's password; other sessions end. Clears the first-password step.
pub async fn change_password(
    state: &Context,
    staff: &Staff,
    current: String,
    new: String,
) -> Result<(), ApiError> {
    let account = load(state, staff.id).await?;
    password::check_rules(&new, &account.username)?;
    if current == new {
        return Err(ApiError::new(Code::PasswordTooWeak).with_field(FieldError {
            field: "new_password".into(),
            reason: "unchanged",
            message: Message::new(
                "新密码不能与当前密码相同",
                "the new password must differ from the current one",
            ),
        }));
    }
    rate_limit::hit(
        &state.db,
        &format!("password-change:{}", staff.id),
        TOTP_TRIES,
        Code::RateLimited,
    )
    .await?;
    if !password::verify(current, Some(account.password_hash.clone())).await {
        return Err(ApiError::new(Code::InvalidCredentials));
    }
    let hash = password::hash(new).await?;
    let txn = state.begin().await?;
    let mut row = account.clone().into_active_model();
    row.password_hash = Set(hash);
    row.must_change_password = Set(false);
    row.updated_at = Set(Utc::now());
    let updated = row.update(&txn).await?;
    session::revoke_all(&txn, staff.id, Some(staff.session_id)).await?;
    set_restriction(&txn, staff.session_id, pending_step(&updated)).await?;
    audit::record(
        &txn,
        event(
            actor(staff),
            "auth.staff.password_change",
            staff.id,
            "changed own password".into(),
            staff.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A fresh TOTP secret for the caller (not active until confirmed with a code).
pub async fn start_totp(state: &Context, staff: &Staff) -> Result<(String, String), ApiError> {
    let account = load(state, staff.id).await?;
    // A stolen access token must not be enough to replace a working second factor.
    if account.totp_enabled {
        return Err(ApiError::new(Code::TotpAlreadyEnabled));
    }
    let secret = Secret::from(crate::platform::crypto::random_bytes::<20>()).to_base32();
    let mut row = account.clone().into_active_model();
    row.totp_secret_sealed = Set(Some(state.sealer.seal(&secret)));
    row.totp_enabled = Set(false);
    let updated = row.update(&state.db).await?;
    let url = totp_for(state, &updated)?
        .and_then(|t| t.to_url().ok())
        .unwrap_or_default();
    let summary = "started two-factor setup".to_owned();
    audit::record(
        &state.db,
        event(
            actor(staff),
            "auth.staff.totp_setup",
            staff.id,
            summary,
            staff.request_id.clone(),
        ),
    )
    .await?;
    Ok((secret, url))
}

/// Turns TOTP on once the caller proves the authenticator app has the secret.
pub async fn confirm_totp(state: &Context, staff: &Staff, code: &str) -> Result<(), ApiError> {
    rate_limit::hit(
        &state.db,
        &format!("totp-confirm:{}", staff.id),
        TOTP_TRIES,
        Code::RateLimited,
    )
    .await?;
    let account = load(state, staff.id).await?;
    if !totp_matches(state, &account, code).await? {
        return Err(ApiError::new(Code::TotpInvalid));
    }
    let txn = state.begin().await?;
    let mut row = account.into_active_model();
    row.totp_enabled = Set(true);
    let updated = row.update(&txn).await?;
    set_restriction(&txn, staff.session_id, pending_step(&updated)).await?;
    audit::record(
        &txn,
        event(
            actor(staff),
            "auth.staff.totp_enable",
            staff.id,
            "two-factor authentication on".into(),
            staff.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
