//! The error codes each operation of this room answers beyond the ones every operation
//! of its shape shares (401 with a token, 403 for staff roles, 400/413/415/422 for a body,
//! 409/422 for `Idempotency-Key`, 400 for a bad path, query or cursor, 5xx). Declared once:
//! the contract's error answers are built from this table (`openapi::errors`), and the
//! test suite checks every error answer it sees against the contract.
use crate::error::Code::{self, *};

/// Each operation id of the room with the codes it may answer.
pub const ANSWERS: &[(&str, &[Code])] = &[
    (
        "certification.attempt.confirm",
        &[
            NotYourTransferee,
            FaceConsentRequired,
            AttemptNotYours,
            AttemptNotFound,
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
    (
        "certification.consent.give",
        &[
            NotYourTransferee,
            ConsentByTransfereeOnly,
            TransfereeNotFound,
        ],
    ),
    (
        "certification.consent.withdraw",
        &[
            NotYourTransferee,
            ConsentByTransfereeOnly,
            RealNameUnverified,
            TransfereeNotFound,
        ],
    ),
    ("certification.contact", &[Forbidden, TransfereeNotFound]),
    (
        "certification.desk.compare",
        &[
            Forbidden,
            FaceConsentRequired,
            TransfereeNotFound,
            ReviewPending,
            MediaTooLarge,
            MediaUnsupportedType,
            FaceNotMatched,
            NoFace,
            SeveralFaces,
            PoorFaceImage,
            MediaBroken,
            MediaEmpty,
            MediaTooManyPixels,
            MediaFileMissing,
            FaceComparisonUnavailable,
        ],
    ),
    (
        "certification.desk.consent.give",
        &[Forbidden, TransfereeNotFound],
    ),
    (
        "certification.desk.consent.withdraw",
        &[Forbidden, TransfereeNotFound],
    ),
    (
        "certification.desk.home_visit",
        &[Forbidden, TransfereeNotFound],
    ),
    (
        "certification.exemption.end",
        &[Forbidden, TransfereeNotFound],
    ),
    (
        "certification.exemption.set",
        &[Forbidden, TransfereeNotFound],
    ),
    ("certification.export", &[Forbidden]),
    (
        "certification.faceid.start",
        &[
            NotYourTransferee,
            FaceConsentRequired,
            TransfereeNotFound,
            ReviewPending,
            FaceProviderRejected,
            FaceAttemptsExhausted,
            FaceProviderUnavailable,
            Forbidden,
        ],
    ),
    ("certification.history", &[Forbidden, TransfereeNotFound]),
    ("certification.mine", &[]),
    ("certification.overdue", &[Forbidden]),
    ("certification.progress", &[Forbidden]),
    (
        "certification.proxies.add",
        &[Forbidden, TransfereeNotFound, ProxyInvalid, IdNumberInvalid],
    ),
    (
        "certification.proxies.list",
        &[Forbidden, TransfereeNotFound],
    ),
    (
        "certification.notices.list",
        &[Forbidden, TransfereeNotFound],
    ),
    (
        "certification.proxies.revoke",
        &[Forbidden, TransfereeNotFound, ProxyNotFound],
    ),
    (
        "certification.review.request",
        &[
            NotYourTransferee,
            RealNameUnverified,
            TransfereeNotFound,
            ReviewPending,
        ],
    ),
    (
        "certification.reviews.decide",
        &[Forbidden, ReviewNotFound, ReviewDecided],
    ),
    ("certification.reviews.list", &[Forbidden]),
    ("certification.stats", &[Forbidden]),
    ("certification.sweep", &[Forbidden]),
    (
        "certification.transferees.create",
        &[Forbidden, TransfereeExists, IdNumberInvalid, UnknownStreet],
    ),
    (
        "certification.transferees.get",
        &[Forbidden, TransfereeNotFound],
    ),
    ("certification.transferees.list", &[Forbidden]),
    (
        "certification.transferees.update",
        &[Forbidden, TransfereeNotFound, UnknownStreet],
    ),
    (
        "certification.wechat.start",
        &[
            NotYourTransferee,
            FaceConsentRequired,
            Forbidden,
            TransfereeNotFound,
            ReviewPending,
            WechatAccountRequired,
            FaceProviderRejected,
            FaceAttemptsExhausted,
            FaceProviderUnavailable,
        ],
    ),
    ("certification.window", &[Forbidden, UnknownStreet]),
];
