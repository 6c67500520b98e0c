//! What citizen sign-in shares: the address a code goes to, the account found or made, the
//! audit event.
use chrono::Utc;
use entity::citizen_account;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::platform::{context::Context, crypto::Sealer};
use uuid::Uuid;

use crate::error::{ApiError, Code};
use crate::platform::audit::{Actor, Event};
use crate::platform::rate_limit::Limit;
use crate::platform::wechat;

/// Emails: ten an hour per address.
pub(super) const EMAILS_PER_HOUR: Limit = Limit {
    hits: 10,
    window_secs: 3600,
};

/// SMS cost money and reach a person's phone: ten a day per number.
pub(super) const SMS_PER_DAY: Limit = Limit {
    hits: 10,
    window_secs: 86_400,
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
    pub(super) fn key(&self, sealer: &Sealer) -> String {
        match self {
            Address::Email(email) => email.clone(),
            Address::Phone(phone) => format!("phone:{}", phone_index(sealer, phone)),
        }
    }

    /// The prefix of this channel's rate-limit keys.
    pub(super) fn channel(&self) -> &'static str {
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

    pub(super) fn longer_limit(&self) -> Limit {
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

/// WeChat's answers to `getuserphonenumber` in stable codes.
pub(super) fn phone_error(error: crate::platform::face::faceid::FaceProviderError) -> ApiError {
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

pub(super) async fn wechat_session(
    state: &Context,
    code: &str,
) -> Result<wechat::WechatSession, ApiError> {
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
pub(super) enum Identity<'a> {
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
pub(super) async fn find_or_create(
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

pub(super) fn six_digits() -> String {
    // Rejection sampling over u32 keeps the six digits uniform.
    loop {
        let n = u32::from_le_bytes(crate::platform::crypto::random_bytes::<4>());
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// Keyed with the blind-index key: a 6-digit code's plain hash would fall to brute force.
pub(super) fn code_hash(state: &Context, key: &str, code: &str) -> String {
    state
        .sealer
        .blind_index("email_code", &format!("{key}\u{1f}{code}"))
}

pub(super) fn event(citizen: Uuid, action: &'static str, summary: String) -> Event {
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
