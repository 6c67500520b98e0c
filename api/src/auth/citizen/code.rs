//! Signing in with a one-time code sent by e-mail or SMS: sending it within its limits,
//! checking it, locking after wrong tries.
use chrono::{Duration, Utc};
use entity::sign_in_code;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use crate::platform::tx::Tx;
use crate::platform::{context::Context, crypto::Sealer};

use super::rules::{Address, Identity, code_hash, event, find_or_create, six_digits};
use crate::auth::session::{self, TokenPair};
use crate::auth::tokens::AccountKind;
use crate::error::{ApiError, Code};
use crate::platform::audit;
use crate::platform::outbox::{self, Email};
use crate::platform::rate_limit::{self, Limit, too_many};
use crate::platform::sms::{SmsError, SmsGateway};
use crate::state::AppState;

/// A code is good for this long.
pub const CODE_TTL: Duration = Duration::minutes(10);

/// Wrong codes before the address locks, and for how long.
pub const CODE_MAX_WRONG: i32 = 10;

pub const CODE_LOCK: Duration = Duration::minutes(10);

/// Sends per client address and channel (RULES: at most 25 per 5 minutes).
pub(super) const SENDS_PER_CLIENT: Limit = Limit {
    hits: 25,
    window_secs: 300,
};

/// Sends per address: one a minute, for email and SMS alike.
pub(super) const SENDS_PER_ADDRESS_MINUTE: Limit = Limit {
    hits: 1,
    window_secs: 60,
};

/// How long a citizen is told to wait when Tencent's own frequency limit refused a send.
pub(super) const SMS_LIMITED_RETRY_SECS: i64 = 60;

/// Wrong code checks per client address per 5 minutes (stops one client guessing across
/// addresses, email and phone together). Right codes are not counted: behind a carrier's
/// shared address many citizens sign in at once, and each right code was sent to its owner.
pub(super) const CHECKS_PER_CLIENT: Limit = Limit {
    hits: 60,
    window_secs: 300,
};

/// The email with a sign-in code, queued in the caller's transaction (through the outbox,
/// so a crash after the commit loses nothing).
pub(super) async fn queue_email(
    txn: &Tx,
    sealer: &Sealer,
    address: &str,
    code: &str,
) -> Result<(), sea_orm::DbErr> {
    let message = Email {
        subject: "民政自助服务登录验证码".into(),
        ics: None,
        body: format!(
            "您的登录验证码是 {code}，10 分钟内有效，仅可使用一次。\n如非本人操作，请忽略本邮件。\n\n北京市通州区民政局"
        ),
    };
    outbox::enqueue_email(txn, sealer, (None, address), "auth.email_code", &message).await
}

/// Sends a fresh 6-digit code to `address`. The previous code, if any, stops working
/// once the new one is on its way.
pub async fn send_code(state: &Context, address: &Address, client: &str) -> Result<(), ApiError> {
    let (key, [minute, long]) = address.keys(&state.sealer);
    let channel = address.channel();
    for (limit_key, limit) in [
        (format!("{channel}:client:{client}"), SENDS_PER_CLIENT),
        (minute, SENDS_PER_ADDRESS_MINUTE),
        (long, address.longer_limit()),
    ] {
        rate_limit::hit(&state.db, &limit_key, limit, Code::RateLimited).await?;
    }
    let now = Utc::now();
    if let Some(existing) = sign_in_code::Entity::find_by_id(key.clone())
        .one(&state.db)
        .await?
        && let Some(until) = existing.locked_until.filter(|t| *t > now)
    {
        return Err(too_many(
            Code::CodeLocked,
            (until - now).num_seconds().max(1),
        ));
    }
    let code = six_digits();
    // An SMS is sent before the code is stored: Tencent's refusal is the citizen's answer,
    // and a refused send must leave the code they already have working.
    if let Address::Phone(phone) = address {
        send_sms_code(state, phone, &code).await?;
    }
    let txn = state.begin().await?;
    store_code(&txn, &key, &code_hash(state, &key, &code), now).await?;
    match address {
        Address::Email(email) => queue_email(&txn, &state.sealer, email, &code).await?,
        Address::Phone(phone) => {
            let sent = serde_json::json!({"purpose": "sign_in_code", "params": [code]});
            let to = crate::platform::text::mask_mobile(phone);
            outbox::record_sent(&txn, &state.sealer, "sms", &to, "auth.sms_code", &sent).await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// The code by SMS, Tencent's refusals in stable codes.
pub(super) async fn send_sms_code(
    state: &Context,
    phone: &str,
    code: &str,
) -> Result<(), ApiError> {
    let Some(template) = state.config.sms_templates.get("sign_in_code") else {
        return Err(ApiError::new(Code::SmsUnavailable));
    };
    let gateway = SmsGateway::new(&state.config, &state.secrets, &state.http);
    match gateway
        .send(phone, "sign_in_code", template, &[code.to_owned()])
        .await
    {
        Ok(()) => Ok(()),
        Err(SmsError::RateLimited(_)) => {
            Err(too_many(Code::SmsRateLimited, SMS_LIMITED_RETRY_SECS))
        }
        Err(SmsError::Blocked) => Err(ApiError::new(Code::SmsBlocked)),
        Err(SmsError::WrongNumber) => Err(ApiError::new(Code::PhoneRejected)),
        Err(SmsError::Unavailable(reason)) => {
            tracing::warn!(reason = %reason, "SMS sign-in code not sent");
            Err(ApiError::new(Code::SmsUnavailable))
        }
    }
}

/// The address's one live code, replacing any earlier one (its lock, if lapsed, stays
/// recorded until the next wrong code resets it).
pub(super) async fn store_code(
    txn: &DatabaseTransaction,
    key: &str,
    hash: &str,
    now: chrono::DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let row = sign_in_code::ActiveModel {
        address: Set(key.to_owned()),
        code_hash: Set(hash.to_owned()),
        expires_at: Set(now + CODE_TTL),
        wrong_attempts: Set(0),
        locked_until: Set(None),
        created_at: Set(now),
    };
    sign_in_code::Entity::insert(row)
        .on_conflict(
            OnConflict::column(sign_in_code::Column::Address)
                .update_columns([
                    sign_in_code::Column::CodeHash,
                    sign_in_code::Column::ExpiresAt,
                    sign_in_code::Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// Signs in with a code sent to `address`: single use, ten wrong tries lock the address.
pub async fn sign_in_with_code(
    state: &AppState,
    address: &Address,
    code: &str,
    client: &str,
) -> Result<TokenPair, ApiError> {
    let wrong_key = format!("code-check:client:{client}");
    rate_limit::check(&state.db, &wrong_key, CHECKS_PER_CLIENT, Code::RateLimited).await?;
    let key = address.key(&state.sealer);
    let now = Utc::now();
    let txn = state.begin().await?;
    let Some(row) = sign_in_code::Entity::find_by_id(key.clone())
        .one(&txn)
        .await?
    else {
        drop(txn);
        rate_limit::record(&state.db, &wrong_key, CHECKS_PER_CLIENT).await?;
        return Err(ApiError::new(Code::CodeInvalid));
    };
    if let Some(until) = row.locked_until.filter(|t| *t > now) {
        return Err(too_many(
            Code::CodeLocked,
            (until - now).num_seconds().max(1),
        ));
    }
    let hash = code_hash(state, &key, &crate::platform::text::identifier(code));
    // Single use: only the request whose delete removes the row signs in, however many
    // arrive with the right code at once.
    let used = sign_in_code::Entity::delete_many()
        .filter(sign_in_code::Column::Address.eq(&key))
        .filter(sign_in_code::Column::CodeHash.eq(&hash))
        .filter(sign_in_code::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        count_wrong_code(&txn, &key, now).await?;
        txn.commit().await?;
        rate_limit::record(&state.db, &wrong_key, CHECKS_PER_CLIENT).await?;
        return Err(ApiError::new(Code::CodeInvalid));
    }
    let (identity, how) = match address {
        Address::Email(email) => (Identity::Email(email), "signed in with an email code"),
        Address::Phone(phone) => (
            Identity::Phone {
                index: key.trim_start_matches("phone:"),
                sealed: state.sealer.seal(phone),
            },
            "signed in with an SMS code",
        ),
    };
    let account = find_or_create(&txn, identity).await?;
    let tokens = session::start(&txn, state, AccountKind::Citizen, account, None).await?;
    audit::record(&txn, event(account, "auth.citizen.sign_in", how.into())).await?;
    txn.commit().await?;
    Ok(tokens)
}

/// One more wrong code for `key`, counted atomically so parallel guesses cannot outrun the
/// lock; the tenth locks the address and ends its code.
pub(super) async fn count_wrong_code(
    txn: &DatabaseTransaction,
    key: &str,
    now: chrono::DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    sign_in_code::Entity::update_many()
        .col_expr(
            sign_in_code::Column::WrongAttempts,
            sea_orm::sea_query::ExprTrait::add(Expr::col(sign_in_code::Column::WrongAttempts), 1),
        )
        .filter(sign_in_code::Column::Address.eq(key))
        .exec(txn)
        .await?;
    let wrong = sign_in_code::Entity::find_by_id(key.to_owned())
        .one(txn)
        .await?
        .map_or(0, |r| r.wrong_attempts);
    if wrong >= CODE_MAX_WRONG {
        // A locked address also loses its code: after the lock a new one must be sent.
        sign_in_code::Entity::update_many()
            .col_expr(sign_in_code::Column::WrongAttempts, Expr::value(0))
            .col_expr(
                sign_in_code::Column::LockedUntil,
                Expr::value(now + CODE_LOCK),
            )
            .col_expr(sign_in_code::Column::ExpiresAt, Expr::value(now))
            .filter(sign_in_code::Column::Address.eq(key))
            .exec(txn)
            .await?;
    }
    Ok(())
}
