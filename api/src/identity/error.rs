//! The error codes each operation of this room answers beyond the ones every operation
//! of its shape shares (401 with a token, 403 for staff roles, 400/413/415/422 for a body,
//! 409/422 for `Idempotency-Key`, 400 for a bad path, query or cursor, 5xx). Declared once:
//! the contract's error answers are built from this table (`openapi::errors`), and the
//! test suite checks every error answer it sees against the contract.
use crate::error::Code::{self, *};

/// Each operation id of the room with the codes it may answer.
pub const ANSWERS: &[(&str, &[Code])] = &[
    ("identity.access_events.list", &[]),
    ("identity.account.deletion_check", &[]),
    ("identity.account.delete", &[AccountDeletionBlocked]),
    ("identity.id_number.check", &[IdNumberInvalid]),
    ("identity.my_data.download", &[]),
    (
        "identity.proxy.grant",
        &[RealNameRequired, ProxyInvalid, IdNumberInvalid],
    ),
    ("identity.proxy.list", &[]),
    ("identity.proxy.revoke", &[ProxyNotFound]),
    (
        "identity.real_name.bind",
        &[IdNumberTaken, RealNameVerified, IdNumberInvalid],
    ),
    ("identity.real_name.get", &[RealNameNotFound]),
    ("identity.real_name.face_consent_give", &[RealNameNotFound]),
    (
        "identity.real_name.face_consent_withdraw",
        &[RealNameNotFound],
    ),
    (
        "identity.real_name.wechat_start",
        &[
            RealNameNotFound,
            RealNameVerified,
            FaceConsentRequired,
            WechatAccountRequired,
            RealNameFaceAttemptsExhausted,
            FaceProviderRejected,
            FaceProviderUnavailable,
        ],
    ),
    (
        "identity.real_name.faceid_start",
        &[
            RealNameNotFound,
            RealNameVerified,
            FaceConsentRequired,
            RealNameFaceAttemptsExhausted,
            FaceProviderRejected,
            FaceProviderUnavailable,
        ],
    ),
    (
        "identity.real_name.face_confirm",
        &[
            RealNameNotFound,
            RealNameVerified,
            RealNameChanged,
            FaceConsentRequired,
            AttemptNotFound,
            AttemptNotYours,
            AttemptUsed,
            VerificationExpired,
            FaceNotMatched,
            FaceCancelled,
            FaceTimedOut,
            FaceProviderRejected,
            FaceProviderError,
            FaceProviderUnavailable,
        ],
    ),
    ("identity.real_name.verify_in_person", &[RealNameNotFound]),
];
