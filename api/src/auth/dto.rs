//! Wire types of the auth room.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::{PendingStep, Role, ScopeKind};
use crate::error::{ApiError, Code, FieldError, Message};

/// Tokens after a sign-in or a refresh.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6IjNmYTI5YzEwIn0...", "refresh_token": "q0x9...", "token_type": "Bearer", "expires_in": 900, "pending_step": null}))]
pub struct TokensDto {
    /// Send as `Authorization: Bearer <access_token>`; valid `expires_in` seconds.
    pub access_token: String,
    /// Trade for new tokens before or after the access token expires; works once.
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    /// Staff only: `password_change` or `totp_setup` when a step is owed before other
    /// routes open; `null` otherwise.
    #[schema(value_type = Option<PendingStep>)]
    pub pending_step: Option<String>,
}

impl TokensDto {
    pub fn new(pair: super::session::TokenPair, pending_step: Option<String>) -> TokensDto {
        TokensDto {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            token_type: "Bearer",
            expires_in: pair.expires_in,
            pending_step,
        }
    }
}

/// Staff sign-in.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "admin", "password": "correct horse battery", "totp_code": "123456"}))]
pub struct StaffSignInRequest {
    pub username: String,
    pub password: String,
    /// Required once TOTP is set up.
    pub totp_code: Option<String>,
}

/// A refresh token to trade.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "q0x9..."}))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A password change.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "the one you were given", "new_password": "a long new passphrase"}))]
pub struct PasswordChangeRequest {
    pub current_password: String,
    /// At least 12 characters, not a common password, not containing the username.
    pub new_password: String,
}

/// A fresh TOTP secret for an authenticator app.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"secret": "EXAMPLESECRETDONOTUSE234567ABCDE", "otpauth_url": "otpauth://totp/Minzheng:wang.li?secret=EXAMPLESECRETDONOTUSE234567ABCDE&issuer=Minzheng"}))]
pub struct TotpSetupDto {
    /// Base32 secret to type in by hand.
    pub secret: String,
    /// `otpauth://` URL to show as a QR code.
    pub otpauth_url: String,
}

/// A one-time code (TOTP or emailed).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "123456"}))]
pub struct CodeRequest {
    #[schema(example = "123456")]
    pub code: String,
}

/// Where to send a sign-in code.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "zhang.san@example.com"}))]
pub struct EmailCodeRequest {
    pub email: String,
}

/// When the sent code stops working and when another may be asked for.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"expires_in": 600, "resend_after": 60}))]
pub struct EmailCodeSentDto {
    pub expires_in: i64,
    pub resend_after: i64,
}

/// Sign-in with an emailed code.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "zhang.san@example.com", "code": "042917"}))]
pub struct EmailSignInRequest {
    pub email: String,
    pub code: String,
}

/// Where to send a sign-in code by SMS.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "138 0013 8000"}))]
pub struct SmsCodeRequest {
    /// A mainland mobile number (11 digits from `13`-`19`); `+86`/`0086`, spaces, dashes
    /// and full-width digits are accepted.
    pub phone: String,
}

/// Where the code went (masked) and when it stops working and another may be asked for.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"phone": "+86 138****8000", "expires_in": 600, "resend_after": 60}))]
pub struct SmsCodeSentDto {
    pub phone: String,
    pub expires_in: i64,
    pub resend_after: i64,
}

/// Sign-in with a code sent by SMS.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "13800138000", "code": "042917"}))]
pub struct SmsSignInRequest {
    pub phone: String,
    pub code: String,
}

/// The phone number now bound to the account, masked.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"phone": "+86 138****8000"}))]
pub struct PhoneBoundDto {
    pub phone: String,
}

/// The signed-in staff member.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71", "username": "wang.li", "display_name": "王丽", "role": "reviewer", "scope_kind": "street", "scope_id": "zhongcang", "totp_enabled": true, "pending_step": null}))]
pub struct StaffMeDto {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = Role)]
    pub role: String,
    #[schema(value_type = ScopeKind)]
    pub scope_kind: String,
    pub scope_id: Option<String>,
    pub totp_enabled: bool,
    /// As in the tokens: a step still owed, or `null`.
    #[schema(value_type = Option<PendingStep>)]
    pub pending_step: Option<String>,
}

/// The signed-in citizen.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-3333-7b61-9d1e-3f0c2a9b8e71", "email": "zhang.san@example.com", "phone": "+86 138****8000", "wechat_linked": false}))]
pub struct CitizenMeDto {
    pub id: uuid::Uuid,
    pub email: Option<String>,
    /// The account's mobile number, masked (`+86 138****8000`).
    pub phone: Option<String>,
    pub wechat_linked: bool,
}

/// A new staff account, as an admin creates it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "wang.li", "display_name": "王丽", "role": "reviewer", "scope_kind": "street", "scope_id": "zhongcang"}))]
pub struct StaffCreateRequest {
    pub username: String,
    pub display_name: String,
    /// `clerk`, `reviewer`, `approver` or `admin`.
    pub role: Role,
    /// `office`, `funeral_home`, `cemetery`, `street` or `district`.
    pub scope_kind: ScopeKind,
    /// Which office, home, cemetery or street; absent for `district`.
    pub scope_id: Option<String>,
}

/// A staff account as admins see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71", "username": "wang.li", "display_name": "王丽", "role": "reviewer", "scope_kind": "street", "scope_id": "zhongcang", "disabled": false, "totp_enabled": true, "must_change_password": false}))]
pub struct StaffAccountDto {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = Role)]
    pub role: String,
    #[schema(value_type = ScopeKind)]
    pub scope_kind: String,
    pub scope_id: Option<String>,
    pub disabled: bool,
    pub totp_enabled: bool,
    pub must_change_password: bool,
}

impl From<entity::staff_account::Model> for StaffAccountDto {
    fn from(m: entity::staff_account::Model) -> Self {
        StaffAccountDto {
            id: m.id,
            username: m.username,
            display_name: m.display_name,
            role: m.role,
            scope_kind: m.scope_kind,
            scope_id: m.scope_id,
            disabled: m.disabled,
            totp_enabled: m.totp_enabled,
            must_change_password: m.must_change_password,
        }
    }
}

/// A created staff account with its first password, shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"account": {"id": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71", "username": "wang.li", "display_name": "王丽", "role": "reviewer", "scope_kind": "street", "scope_id": "zhongcang", "disabled": false, "totp_enabled": false, "must_change_password": true}, "first_password": "EXAMPLEPASSWD234"}))]
pub struct StaffCreatedDto {
    pub account: StaffAccountDto,
    pub first_password: String,
}

/// A mainland mobile number in E.164, or the field error naming `phone`.
pub fn parse_mobile(text: &str) -> Result<String, ApiError> {
    crate::platform::text::mobile_number(text).ok_or_else(|| {
        ApiError::new(Code::InvalidBody).with_field(FieldError {
            field: "phone".into(),
            reason: "format",
            message: Message::new(
                "请输入中国大陆手机号码（11 位，以 13 至 19 开头）",
                "a mainland mobile number: 11 digits starting 13 to 19",
            ),
        })
    })
}

/// An email address, trimmed and lower-cased, or a field error.
pub fn parse_email(text: &str) -> Result<String, ApiError> {
    // NFKC: a full-width ＠ or letters typed on a Chinese keyboard are the same address.
    let email = unicode_normalization::UnicodeNormalization::nfkc(text.trim())
        .collect::<String>()
        .to_lowercase();
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>');
    if ok {
        Ok(email)
    } else {
        Err(ApiError::new(Code::InvalidBody).with_field(FieldError {
            field: "email".into(),
            reason: "format",
            message: Message::new("邮箱地址格式不正确", "not an email address"),
        }))
    }
}

/// A signed-in session (a device) of the caller's account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-4444-7b61-9d1e-3f0c2a9b8e71", "device": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) MicroMessenger/8.0.50", "signed_in_at": "2026-12-01T09:12:00+08:00", "last_seen_at": "2026-12-01T09:12:00+08:00", "expires_at": "2026-12-31T09:12:00+08:00", "current": true}))]
pub struct SessionDto {
    pub id: uuid::Uuid,
    /// The client's `User-Agent` at sign-in (cleaned, at most 120 characters).
    pub device: Option<String>,
    #[schema(format = DateTime)]
    pub signed_in_at: String,
    /// Staff: the last request (within a minute). Citizens: the sign-in or the last
    /// token refresh (a citizen's requests do not write it).
    #[schema(format = DateTime)]
    pub last_seen_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// The session this request comes from.
    pub current: bool,
}

/// The caller's live sessions, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-4444-7b61-9d1e-3f0c2a9b8e71", "device": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) MicroMessenger/8.0.50", "signed_in_at": "2026-12-01T09:12:00+08:00", "last_seen_at": "2026-12-01T09:12:00+08:00", "expires_at": "2026-12-31T09:12:00+08:00", "current": true}], "next_cursor": null}))]
pub struct SessionListDto {
    pub items: Vec<SessionDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl SessionDto {
    pub fn new(s: entity::auth_session::Model, current: uuid::Uuid) -> SessionDto {
        SessionDto {
            id: s.id,
            device: s.device,
            signed_in_at: crate::platform::clock::format(s.created_at),
            last_seen_at: crate::platform::clock::format(s.last_seen_at),
            expires_at: crate::platform::clock::format(s.expires_at),
            current: s.id == current,
        }
    }
}
