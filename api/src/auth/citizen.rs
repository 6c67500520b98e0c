//! Citizen sign-in: WeChat mini-program (`wx.login` code), apps (a one-time code by email
//! or by SMS), and linking a WeChat openid to an account made otherwise.
use chrono::{Duration, Utc};
use entity::{citizen_account, sign_in_code};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use crate::platform::tx::Tx;
use crate::platform::{context::Context, crypto::Sealer};
use uuid::Uuid;

use super::extract::Citizen;
use super::session::{self, TokenPair};
use super::tokens::AccountKind;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::db::is_unique_violation;
use crate::platform::outbox::{self, Email};
use crate::platform::rate_limit::{self, Limit, too_many};
use crate::platform::sms::{SmsError, SmsGateway};
use crate::platform::wechat;
use crate::state::AppState;

/// A code is good for this long.
pub const CODE_TTL: Duration = Duration::minutes(10);
/// Wrong codes before the address locks, and for how long.
pub const CODE_MAX_WRONG: i32 = 10;
pub const CODE_LOCK: Duration = Duration::minutes(10);
/// Sends per client address and channel (RULES: at most 25 per 5 minutes).
const SENDS_PER_CLIENT: Limit = Limit {
    hits: 25,
    window_secs: 300,
};
/// Sends per address: one a minute, for email and SMS alike.
const SENDS_PER_ADDRESS_MINUTE: Limit = Limit {
    hits: 1,
    window_secs: 60,
};
/// Emails: ten an hour per address.
const EMAILS_PER_HOUR: Limit = Limit {
    hits: 10,
    window_secs: 3600,
};
/// SMS cost money and reach a person's phone: ten a day per number.
const SMS_PER_DAY: Limit = Limit {
    hits: 10,
    window_secs: 86_400,
};
/// How long a citizen is told to wait when Tencent's own frequency limit refused a send.
const SMS_LIMITED_RETRY_SECS: i64 = 60;
/// WeChat sign-ins per client address per minute: generous, because mobile carriers put
/// many phones behind one address, yet enough to stop one client burning the app's quota.
const WECHAT_PER_CLIENT: Limit = Limit {
    hits: 300,
    window_secs: 60,
};
/// Wrong code checks per client address per 5 minutes (stops one client guessing across
/// addresses, email and phone together). Right codes are not counted: behind a carrier's
/// shared address many citizens sign in at once, and each right code was sent to its owner.
const CHECKS_PER_CLIENT: Limit = Limit {
    hits: 60,
    window_secs: 300,
};

/// Where a sign-in code goes. The rules (6 digits, 10 minutes, single use, lockout) are
/// the same for both; only delivery and the per-address limits differ.
pub enum Address {
    /// Normalised (`auth::dto::parse_email`).
    Email(String),
    /// A mainland mobile number in E.164 (`platform::text::mobile_number`).
    Phone(String),
}

impl Address {
    /// The code's key: the email itself, or `phone:` and the number's blind index, so
    /// the table never holds a number.
    fn key(&self, sealer: &Sealer) -> String {
        match self {
            Address::Email(email) => email.clone(),
            Address::Phone(phone) => format!("phone:{}", phone_index(sealer, phone)),
        }
    }

    /// The prefix of this channel's rate-limit keys.
    fn channel(&self) -> &'static str {
        match self {
            Address::Email(_) => "email-code",
            Address::Phone(_) => "sms-code",
        }
    }

    /// The address's own rate-limit keys (a minute's and the longer window's), with
    /// the code's key: what `send_code` counts and account deletion forgets.
    pub fn keys(&self, sealer: &Sealer) -> (String, [String; 2]) {
        let (key, channel) = (self.key(sealer), self.channel());
        let limits = [
            format!("{channel}:minute:{key}"),
            format!("{channel}:long:{key}"),
        ];
        (key, limits)
    }

    fn longer_limit(&self) -> Limit {
        match self {
            Address::Email(_) => EMAILS_PER_HOUR,
            Address::Phone(_) => SMS_PER_DAY,
        }
    }
}

/// The blind index of an E.164 number: `citizen_account.phone_index` and code keys.
pub fn phone_index(sealer: &Sealer, e164: &str) -> String {
    sealer.blind_index("phone", e164)
}

/// The email with a sign-in code, queued in the caller's transaction (through the outbox,
/// so a crash after the commit loses nothing).
async fn queue_email(
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
async fn send_sms_code(state: &Context, phone: &str, code: &str) -> Result<(), ApiError> {
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
async fn store_code(
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
async fn count_wrong_code(
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
    let txn = state.begin().await?;
    let identity = Identity::Wechat {
        openid: &session.openid,
        unionid: session.unionid.clone(),
    };
    let account = find_or_create(&txn, identity).await?;
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
pub async fn link_wechat(state: &Context, citizen: &Citizen, code: &str) -> Result<(), ApiError> {
    let session = wechat_session(state, code).await?;
    let txn = state.begin().await?;
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

/// Binds the phone number behind a `getPhoneNumber` code to the caller's account: one
/// phone per account (a new one replaces the old) and one account per phone (a number on
/// another account is refused, never moved). Answers the number in E.164.
pub async fn bind_phone_by_wechat(
    state: &Context,
    citizen: &Citizen,
    code: &str,
) -> Result<String, ApiError> {
    let (Some(app_id), Some(secret)) = (
        &state.config.wechat_app_id,
        &state.secrets.wechat_app_secret,
    ) else {
        return Err(ApiError::new(Code::WechatNotConfigured));
    };
    let (http, base) = (&state.http, state.config.wechat_api_base.as_str());
    let (country, number) = wechat::with_access_token(
        &state.wechat_token,
        http,
        base,
        app_id,
        secret,
        |token| async move { wechat::user_phone_number(http, base, &token, app_id, code).await },
    )
    .await
    .map_err(phone_error)?;
    let phone = (country == "86")
        .then(|| crate::platform::text::mobile_number(&number))
        .flatten()
        .ok_or_else(|| ApiError::new(Code::PhoneNotMainland))?;
    let index = phone_index(&state.sealer, &phone);
    let txn = state.begin().await?;
    let owner = citizen_account::Entity::find()
        .filter(citizen_account::Column::PhoneIndex.eq(&index))
        .one(&txn)
        .await?;
    match owner {
        Some(other) if other.id != citizen.id => {
            return Err(ApiError::new(Code::PhoneAlreadyBound));
        }
        Some(_) => return Ok(phone),
        None => {}
    }
    citizen_account::Entity::update_many()
        .col_expr(citizen_account::Column::PhoneIndex, Expr::value(index))
        .col_expr(
            citizen_account::Column::PhoneSealed,
            Expr::value(state.sealer.seal(&phone)),
        )
        .filter(citizen_account::Column::Id.eq(citizen.id))
        .exec(&txn)
        .await
        .map_err(|e| {
            // Two accounts binding one number at once meet at the unique index.
            if is_unique_violation(&e) {
                ApiError::new(Code::PhoneAlreadyBound)
            } else {
                e.into()
            }
        })?;
    let summary = format!(
        "bound the phone {}",
        crate::platform::text::mask_mobile(&phone)
    );
    audit::record(&txn, event(citizen.id, "auth.citizen.bind_phone", summary)).await?;
    txn.commit().await?;
    Ok(phone)
}

/// WeChat's answers to `getuserphonenumber` in stable codes.
fn phone_error(error: crate::platform::face::faceid::FaceProviderError) -> ApiError {
    use crate::platform::face::faceid::FaceProviderError::{Rejected, Unavailable};
    match error {
        Rejected { code, .. } if code == "40029" || code == "40163" => {
            ApiError::new(Code::PhoneCodeInvalid)
        }
        Rejected { code, .. } if code == "45011" => ApiError::new(Code::WechatRateLimited),
        Rejected { code, message } => {
            tracing::warn!(code = %code, message = %message, "getuserphonenumber refused");
            ApiError::new(Code::WechatUnavailable)
        }
        Unavailable(reason) => {
            tracing::warn!(reason = %reason, "getuserphonenumber failed");
            ApiError::new(Code::WechatUnavailable)
        }
    }
}

async fn wechat_session(state: &Context, code: &str) -> Result<wechat::WechatSession, ApiError> {
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

/// What a sign-in proves, and so which account it reaches.
enum Identity<'a> {
    Email(&'a str),
    Wechat {
        openid: &'a str,
        unionid: Option<String>,
    },
    /// The number's blind index, and the number sealed for a new account.
    Phone {
        index: &'a str,
        sealed: String,
    },
}

impl Identity<'_> {
    /// The unique column the identity is found by, and its value.
    fn column(&self) -> (citizen_account::Column, &str) {
        match self {
            Identity::Email(email) => (citizen_account::Column::Email, email),
            Identity::Wechat { openid, .. } => (citizen_account::Column::WechatOpenid, openid),
            Identity::Phone { index, .. } => (citizen_account::Column::PhoneIndex, index),
        }
    }
}

/// The account the identity names, made on first sign-in.
async fn find_or_create(
    conn: &impl ConnectionTrait,
    identity: Identity<'_>,
) -> Result<Uuid, ApiError> {
    let (column, value) = identity.column();
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
        wechat_unionid: Set(None),
        email: Set(None),
        phone_sealed: Set(None),
        phone_index: Set(None),
        disabled: Set(false),
        created_at: Set(Utc::now()),
    };
    match &identity {
        Identity::Email(email) => row.email = Set(Some((*email).to_owned())),
        Identity::Wechat { openid, unionid } => {
            row.wechat_openid = Set(Some((*openid).to_owned()));
            row.wechat_unionid = Set(unionid.clone());
        }
        Identity::Phone { index, sealed } => {
            row.phone_index = Set(Some((*index).to_owned()));
            row.phone_sealed = Set(Some(sealed.clone()));
        }
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
fn code_hash(state: &Context, key: &str, code: &str) -> String {
    state
        .sealer
        .blind_index("email_code", &format!("{key}\u{1f}{code}"))
}

fn event(citizen: Uuid, action: &'static str, summary: String) -> Event {
    Event::about(
        Actor::Citizen(citizen),
        action,
        ("citizen_account", citizen),
        summary,
        None,
    )
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

/// The openid a WeChat face check runs under: the mini-program's account of the caller
/// (`certification.wechat_account_required` when they never signed in with WeChat).
pub async fn face_openid(conn: &impl ConnectionTrait, citizen: Uuid) -> Result<String, ApiError> {
    let (_, openid) = contact_of(conn, citizen).await?;
    openid.ok_or_else(|| ApiError::new(Code::WechatAccountRequired))
}

/// A message to one citizen, sent by one channel: a WeChat subscribe message, an SMS or
/// an email, as the channel rule picks (`notices::channel`).
pub struct Notice {
    pub purpose: &'static str,
    pub subject: String,
    pub body: String,
    /// The notice's fields: the subscribe template's keys (`thing1`, `time2`, ...) to
    /// values; an SMS template maps them to its parameters.
    pub wechat_data: std::collections::BTreeMap<String, String>,
    pub page: Option<String>,
}

/// Where a notice of `purpose` reaches a citizen, by the channel rule.
pub enum Contact {
    Wechat(String),
    /// The E.164 number and the template's parameters.
    Sms(String, Vec<String>),
    Email(String),
}

/// How `notice` reaches `citizen`, and by which channel next if WeChat refuses (the
/// rule again without WeChat), or `None` when no channel does.
pub async fn reach(
    conn: &impl ConnectionTrait,
    state: &Context,
    citizen: Uuid,
    notice: &Notice,
) -> Result<Option<(Contact, Option<Contact>)>, ApiError> {
    use crate::notices::{NoticeChannel, Reach, channel};
    let Some(account) = citizen_account::Entity::find_by_id(citizen)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let phone = match &account.phone_sealed {
        Some(sealed) => Some(state.sealer.open(sealed).map_err(ApiError::internal)?),
        None => None,
    };
    let params = sms_params_of(state, notice);
    let reach = Reach {
        wechat: account.wechat_openid.is_some()
            && state.config.wechat_templates.contains_key(notice.purpose),
        sms: phone.is_some() && params.is_some(),
        email: account.email.is_some(),
    };
    let contact = |channel: Option<NoticeChannel>| match channel {
        Some(NoticeChannel::Wechat) => account.wechat_openid.clone().map(Contact::Wechat),
        Some(NoticeChannel::Sms) => phone
            .clone()
            .zip(params.clone())
            .map(|(p, params)| Contact::Sms(p, params)),
        Some(NoticeChannel::Email) => account.email.clone().map(Contact::Email),
        None => None,
    };
    let Some(first) = contact(channel(reach)) else {
        return Ok(None);
    };
    let next = match first {
        Contact::Wechat(_) => contact(channel(Reach {
            wechat: false,
            ..reach
        })),
        _ => None,
    };
    Ok(Some((first, next)))
}

/// The SMS parameters of `notice`, when SMS can be sent and its purpose has a template
/// that maps the notice's fields.
pub fn sms_params_of(state: &Context, notice: &Notice) -> Option<Vec<String>> {
    let gateway = crate::platform::sms::SmsGateway::new(&state.config, &state.secrets, &state.http);
    let template = state.config.sms_templates.get(notice.purpose)?;
    gateway
        .takes(template)
        .then(|| crate::notices::sms_params(template, &notice.wechat_data))
        .flatten()
}

/// Queues `notice` for `citizen` in the caller's transaction, by the one channel the
/// rule picks; answers whether one reached them.
pub async fn notify(
    conn: &Tx,
    state: &Context,
    citizen: Uuid,
    notice: &Notice,
) -> Result<bool, ApiError> {
    notify_as(conn, state, citizen, notice, (notice.purpose, None)).await
}

/// [`notify`], with the email's template name and an iCalendar attachment of the room.
/// A WeChat message carries the person's next channel, queued if WeChat refuses it.
pub async fn notify_as(
    conn: &Tx,
    state: &Context,
    citizen: Uuid,
    notice: &Notice,
    (email_template, ics): (&str, Option<String>),
) -> Result<bool, ApiError> {
    use crate::platform::outbox::{Fallback, WechatMessage};
    let Some((contact, next)) = reach(conn, state, citizen, notice).await? else {
        return Ok(false);
    };
    let (sealer, person) = (&state.sealer, Some(citizen));
    let mail = || Email {
        subject: notice.subject.clone(),
        body: format!("{}\n\n北京市通州区民政局", notice.body),
        ics: ics.clone(),
    };
    let sms = |phone, params| crate::platform::outbox::SmsMessage {
        purpose: notice.purpose.into(),
        phone,
        params,
    };
    let fallback = |c: Contact| match c {
        Contact::Sms(phone, params) => Some(Fallback::Sms(sms(phone, params))),
        Contact::Email(to) => Some(Fallback::Email {
            to,
            template: email_template.to_owned(),
            email: mail(),
        }),
        Contact::Wechat(_) => None,
    };
    match contact {
        Contact::Wechat(openid) => {
            let message = WechatMessage {
                purpose: notice.purpose.into(),
                page: notice.page.clone(),
                data: notice.wechat_data.clone(),
                fallback: next.and_then(fallback),
            };
            outbox::enqueue_wechat(conn, sealer, (person, &openid), &message).await?;
        }
        Contact::Sms(phone, params) => {
            outbox::enqueue_sms(conn, sealer, citizen, &sms(phone, params)).await?;
        }
        Contact::Email(address) => {
            let to = (person, address.as_str());
            outbox::enqueue_email(conn, sealer, to, email_template, &mail()).await?;
        }
    }
    Ok(true)
}
