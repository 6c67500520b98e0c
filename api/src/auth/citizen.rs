//! Citizen sign-in: WeChat mini-program (`wx.login` code) and apps (a one-time code by
//! email), and linking a WeChat openid to an account made by email.
use chrono::{Duration, Utc};
use entity::{citizen_account, email_code};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use crate::platform::crypto::Sealer;
use uuid::Uuid;

use super::extract::Citizen;
use super::session::{self, TokenPair};
use super::tokens::AccountKind;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::db::{begin_write, is_unique_violation};
use crate::platform::outbox::{self, Email};
use crate::platform::rate_limit::{self, Limit, too_many};
use crate::platform::wechat;
use crate::state::AppState;

/// A code is good for this long.
pub const CODE_TTL: Duration = Duration::minutes(10);
/// Wrong codes before the address locks, and for how long.
pub const CODE_MAX_WRONG: i32 = 10;
pub const CODE_LOCK: Duration = Duration::minutes(10);
/// Sends per client address (RULES: at most 25 per 5 minutes).
const SENDS_PER_CLIENT: Limit = Limit {
    hits: 25,
    window_secs: 300,
};
/// Sends per email address: one a minute, ten an hour.
const SENDS_PER_ADDRESS_MINUTE: Limit = Limit {
    hits: 1,
    window_secs: 60,
};
const SENDS_PER_ADDRESS_HOUR: Limit = Limit {
    hits: 10,
    window_secs: 3600,
};
/// WeChat sign-ins per client address per minute: generous, because mobile carriers put
/// many phones behind one address, yet enough to stop one client burning the app's quota.
const WECHAT_PER_CLIENT: Limit = Limit {
    hits: 300,
    window_secs: 60,
};
/// Wrong code checks per client address per 5 minutes (stops one client guessing across
/// addresses). Right codes are not counted: behind a carrier's shared address many
/// citizens sign in at once, and each right code was sent to its owner.
const CHECKS_PER_CLIENT: Limit = Limit {
    hits: 60,
    window_secs: 300,
};

/// Where one-time sign-in codes go. Email is the first real channel; an SMS gateway
/// implements the same trait when the bureau contracts one, and the sign-in rules
/// (expiry, single use, lockout, limits) stay as they are.
pub trait CodeChannel {
    /// Queues `code` for `address` inside the caller's transaction (through the outbox,
    /// so a crash after the commit loses nothing).
    fn queue(
        &self,
        txn: &DatabaseTransaction,
        sealer: &Sealer,
        address: &str,
        code: &str,
    ) -> impl std::future::Future<Output = Result<(), sea_orm::DbErr>> + Send;
}

/// Codes by email, through the outbox and lettre.
pub struct EmailChannel;

impl CodeChannel for EmailChannel {
    async fn queue(
        &self,
        txn: &DatabaseTransaction,
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
        outbox::enqueue_email(txn, sealer, address, "auth.email_code", &message).await
    }
}

/// Sends a fresh 6-digit code to `email` (through the outbox). The previous code, if
/// any, stops working.
pub async fn send_email_code(state: &AppState, email: &str, client: &str) -> Result<(), ApiError> {
    rate_limit::hit(
        &state.db,
        &format!("email-code:client:{client}"),
        SENDS_PER_CLIENT,
        Code::RateLimited,
    )
    .await?;
    rate_limit::hit(
        &state.db,
        &format!("email-code:minute:{email}"),
        SENDS_PER_ADDRESS_MINUTE,
        Code::RateLimited,
    )
    .await?;
    rate_limit::hit(
        &state.db,
        &format!("email-code:hour:{email}"),
        SENDS_PER_ADDRESS_HOUR,
        Code::RateLimited,
    )
    .await?;
    let now = Utc::now();
    if let Some(existing) = email_code::Entity::find_by_id(email.to_owned())
        .one(&state.db)
        .await?
    {
        if let Some(until) = existing.locked_until.filter(|t| *t > now) {
            return Err(too_many(
                Code::CodeLocked,
                (until - now).num_seconds().max(1),
            ));
        }
    }
    let code = six_digits();
    let txn = begin_write(&state.db).await?;
    let row = email_code::ActiveModel {
        email: Set(email.to_owned()),
        code_hash: Set(code_hash(state, email, &code)),
        expires_at: Set(now + CODE_TTL),
        wrong_attempts: Set(0),
        locked_until: Set(None),
        created_at: Set(now),
    };
    email_code::Entity::insert(row)
        .on_conflict(
            OnConflict::column(email_code::Column::Email)
                .update_columns([
                    email_code::Column::CodeHash,
                    email_code::Column::ExpiresAt,
                    email_code::Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    EmailChannel
        .queue(&txn, &state.sealer, email, &code)
        .await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// Signs in with an emailed code: single use, ten wrong tries lock the address.
pub async fn sign_in_with_email(
    state: &AppState,
    email: &str,
    code: &str,
    client: &str,
) -> Result<TokenPair, ApiError> {
    let wrong_key = format!("email-check:client:{client}");
    rate_limit::check(&state.db, &wrong_key, CHECKS_PER_CLIENT, Code::RateLimited).await?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let Some(row) = email_code::Entity::find_by_id(email.to_owned())
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
    let hash = code_hash(state, email, code.trim());
    // Single use: only the request whose delete removes the row signs in, however many
    // arrive with the right code at once.
    let used = email_code::Entity::delete_many()
        .filter(email_code::Column::Email.eq(email))
        .filter(email_code::Column::CodeHash.eq(&hash))
        .filter(email_code::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        // Counted atomically, so parallel guesses cannot outrun the lock.
        email_code::Entity::update_many()
            .col_expr(
                email_code::Column::WrongAttempts,
                sea_orm::sea_query::ExprTrait::add(Expr::col(email_code::Column::WrongAttempts), 1),
            )
            .filter(email_code::Column::Email.eq(email))
            .exec(&txn)
            .await?;
        let wrong = email_code::Entity::find_by_id(email.to_owned())
            .one(&txn)
            .await?
            .map_or(0, |r| r.wrong_attempts);
        if wrong >= CODE_MAX_WRONG {
            // A locked address also loses its code: after the lock a new one must be sent.
            email_code::Entity::update_many()
                .col_expr(email_code::Column::WrongAttempts, Expr::value(0))
                .col_expr(
                    email_code::Column::LockedUntil,
                    Expr::value(now + CODE_LOCK),
                )
                .col_expr(email_code::Column::ExpiresAt, Expr::value(now))
                .filter(email_code::Column::Email.eq(email))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        rate_limit::record(&state.db, &wrong_key, CHECKS_PER_CLIENT).await?;
        return Err(ApiError::new(Code::CodeInvalid));
    }
    let account = find_or_create(&txn, citizen_account::Column::Email, email, None).await?;
    let tokens = session::start(&txn, state, AccountKind::Citizen, account, None).await?;
    audit::record(
        &txn,
        event(
            account,
            "auth.citizen.sign_in",
            "signed in with an email code".into(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(tokens)
}

/// Signs in with the `code` from `wx.login`.
pub async fn sign_in_with_wechat(
    state: &AppState,
    code: &str,
    client: &str,
) -> Result<TokenPair, ApiError> {
    // Each call spends the app's jscode2session quota: one client cannot spend it all.
    rate_limit::hit(
        &state.db,
        &format!("wechat-sign-in:client:{client}"),
        WECHAT_PER_CLIENT,
        Code::RateLimited,
    )
    .await?;
    let session = wechat_session(state, code).await?;
    let txn = begin_write(&state.db).await?;
    let account = find_or_create(
        &txn,
        citizen_account::Column::WechatOpenid,
        &session.openid,
        session.unionid.clone(),
    )
    .await?;
    let tokens = session::start(&txn, state, AccountKind::Citizen, account, None).await?;
    audit::record(
        &txn,
        event(
            account,
            "auth.citizen.sign_in",
            "signed in with WeChat".into(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(tokens)
}

/// Links the WeChat openid behind `code` to the caller's account.
pub async fn link_wechat(state: &AppState, citizen: &Citizen, code: &str) -> Result<(), ApiError> {
    let session = wechat_session(state, code).await?;
    let txn = begin_write(&state.db).await?;
    let owner = citizen_account::Entity::find()
        .filter(citizen_account::Column::WechatOpenid.eq(&session.openid))
        .one(&txn)
        .await?;
    match owner {
        Some(other) if other.id != citizen.id => {
            return Err(ApiError::new(Code::WechatAlreadyLinked));
        }
        Some(_) => return Ok(()),
        None => {}
    }
    citizen_account::Entity::update_many()
        .col_expr(
            citizen_account::Column::WechatOpenid,
            Expr::value(session.openid),
        )
        .col_expr(
            citizen_account::Column::WechatUnionid,
            Expr::value(session.unionid),
        )
        .filter(citizen_account::Column::Id.eq(citizen.id))
        .exec(&txn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::new(Code::WechatAlreadyLinked)
            } else {
                e.into()
            }
        })?;
    audit::record(
        &txn,
        event(
            citizen.id,
            "auth.citizen.link_wechat",
            "linked a WeChat account".into(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn wechat_session(state: &AppState, code: &str) -> Result<wechat::WechatSession, ApiError> {
    let (Some(app_id), Some(secret)) = (
        &state.config.wechat_app_id,
        &state.secrets.wechat_app_secret,
    ) else {
        return Err(ApiError::new(Code::WechatNotConfigured));
    };
    wechat::jscode2session(
        &state.http,
        &state.config.wechat_api_base,
        app_id,
        secret,
        code,
    )
    .await
}

/// The account whose `column` equals `value`, made on first sign-in. Two first sign-ins
/// racing meet at the unique index; the loser finds the winner's row.
async fn find_or_create(
    conn: &impl ConnectionTrait,
    column: citizen_account::Column,
    value: &str,
    unionid: Option<String>,
) -> Result<Uuid, ApiError> {
    if let Some(found) = citizen_account::Entity::find()
        .filter(column.eq(value))
        .one(conn)
        .await?
    {
        return Ok(found.id);
    }
    let id = Uuid::now_v7();
    let mut row = citizen_account::ActiveModel {
        id: Set(id),
        wechat_openid: Set(None),
        wechat_unionid: Set(unionid),
        email: Set(None),
        disabled: Set(false),
        created_at: Set(Utc::now()),
    };
    match column {
        citizen_account::Column::Email => row.email = Set(Some(value.to_owned())),
        _ => row.wechat_openid = Set(Some(value.to_owned())),
    }
    // Two first sign-ins at once (mini-programs often log in twice on launch) meet at the
    // unique index: the insert that loses does nothing, and both read the one row.
    citizen_account::Entity::insert(row)
        .on_conflict_do_nothing_on([column])
        .exec(conn)
        .await?;
    citizen_account::Entity::find()
        .filter(column.eq(value))
        .one(conn)
        .await?
        .map(|a| a.id)
        .ok_or_else(|| ApiError::internal("citizen account vanished after insert"))
}

fn six_digits() -> String {
    // Rejection sampling over u32 keeps the six digits uniform.
    loop {
        let n = u32::from_le_bytes(crate::platform::crypto::random_bytes::<4>());
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// Keyed with the blind-index key: a 6-digit code's plain hash would fall to brute force.
fn code_hash(state: &AppState, email: &str, code: &str) -> String {
    state
        .sealer
        .blind_index("email_code", &format!("{email}\u{1f}{code}"))
}

fn event(citizen: Uuid, action: &'static str, summary: String) -> Event {
    Event {
        actor: Actor::Citizen(citizen),
        action,
        target_kind: "citizen_account",
        target_id: citizen.to_string(),
        summary,
        request_id: None,
    }
}

/// Whether a citizen account exists (for rooms that take an account id from a client).
pub async fn exists(conn: &impl ConnectionTrait, citizen: Uuid) -> Result<bool, ApiError> {
    Ok(citizen_account::Entity::find_by_id(citizen)
        .one(conn)
        .await?
        .is_some())
}

/// How to reach a citizen: their email and WeChat openid, when known.
pub async fn contact_of(
    conn: &impl ConnectionTrait,
    citizen: Uuid,
) -> Result<(Option<String>, Option<String>), ApiError> {
    Ok(citizen_account::Entity::find_by_id(citizen)
        .one(conn)
        .await?
        .map_or((None, None), |a| (a.email, a.wechat_openid)))
}

/// A message to one citizen: an email when they have an address, and a WeChat subscribe
/// message when they have an openid and `purpose` has a template configured.
pub struct Notice {
    pub purpose: &'static str,
    pub subject: String,
    pub body: String,
    /// Template keys (`thing1`, `time2`, ...) to values for the subscribe message.
    pub wechat_data: std::collections::BTreeMap<String, String>,
    pub page: Option<String>,
}

/// Queues `notice` for `citizen` in the caller's transaction.
pub async fn notify(
    conn: &impl ConnectionTrait,
    state: &AppState,
    citizen: Uuid,
    notice: &Notice,
) -> Result<(), ApiError> {
    use crate::platform::outbox::WechatMessage;
    let (email, openid) = contact_of(conn, citizen).await?;
    if let Some(address) = email {
        let mail = Email {
            subject: notice.subject.clone(),
            body: format!("{}\n\n北京市通州区民政局", notice.body),
            ics: None,
        };
        outbox::enqueue_email(conn, &state.sealer, &address, notice.purpose, &mail).await?;
    }
    if let (Some(openid), true) = (
        openid,
        state.config.wechat_templates.contains_key(notice.purpose),
    ) {
        let message = WechatMessage {
            purpose: notice.purpose.into(),
            page: notice.page.clone(),
            data: notice.wechat_data.clone(),
        };
        outbox::enqueue_wechat(conn, &state.sealer, &openid, &message).await?;
    }
    Ok(())
}
