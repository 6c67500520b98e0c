//! The error codes each operation of this room answers beyond the ones every operation
//! of its shape shares (401 with a token, 403 for staff roles, 400/413/415/422 for a body,
//! 409/422 for `Idempotency-Key`, 400 for a bad path, query or cursor, 5xx). Declared once:
//! the contract's error answers are built from this table (`openapi::errors`), and the
//! test suite checks every error answer it sees against the contract.
use crate::error::Code::{self, *};

/// Each operation id of the room with the codes it may answer.
pub const ANSWERS: &[(&str, &[Code])] = &[
    ("auth.citizen.email_code", &[RateLimited, CodeLocked]),
    (
        "auth.citizen.email_sign_in",
        &[CodeInvalid, CodeLocked, RateLimited],
    ),
    (
        "auth.citizen.sms_code",
        &[
            RateLimited,
            CodeLocked,
            SmsRateLimited,
            SmsBlocked,
            PhoneRejected,
            SmsUnavailable,
        ],
    ),
    (
        "auth.citizen.sms_sign_in",
        &[CodeInvalid, CodeLocked, RateLimited],
    ),
    (
        "auth.citizen.phone_bind_wechat",
        &[
            PhoneCodeInvalid,
            PhoneNotMainland,
            PhoneAlreadyBound,
            WechatRateLimited,
            WechatUnavailable,
            WechatNotConfigured,
        ],
    ),
    ("auth.citizen.logout", &[]),
    ("auth.citizen.me", &[]),
    ("auth.citizen.sessions", &[]),
    ("auth.citizen.session_revoke", &[SessionNotFound]),
    ("auth.citizen.session_revoke_others", &[]),
    ("auth.citizen.refresh", &[RefreshInvalid, SessionEnded]),
    ("auth.citizen.wechat_link", &[WechatAlreadyLinked]),
    (
        "auth.citizen.wechat_sign_in",
        &[
            WechatCodeInvalid,
            WechatCodeUsed,
            WechatHighRisk,
            WechatRateLimited,
            WechatUnavailable,
            WechatNotConfigured,
        ],
    ),
    ("auth.staff.logout", &[]),
    ("auth.staff.sessions", &[]),
    ("auth.staff.session_revoke", &[SessionNotFound]),
    ("auth.staff.session_revoke_others", &[]),
    ("auth.staff.me", &[]),
    (
        "auth.staff.password_change",
        &[InvalidCredentials, PasswordTooWeak],
    ),
    ("auth.staff.refresh", &[RefreshInvalid, SessionEnded]),
    (
        "auth.staff.sign_in",
        &[InvalidCredentials, TotpRequired, TotpInvalid, RateLimited],
    ),
    ("auth.staff.totp_confirm", &[TotpInvalid]),
    ("auth.staff.totp_setup", &[TotpAlreadyEnabled]),
    ("staff.create", &[Forbidden, UsernameTaken]),
    ("staff.disable", &[StaffNotFound, LastAdmin]),
    ("staff.enable", &[StaffNotFound]),
    ("staff.totp_reset", &[StaffNotFound, OwnTotpReset]),
    ("staff.list", &[Forbidden]),
];
