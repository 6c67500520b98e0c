//! The error codes each operation of this room answers beyond the ones every operation
//! of its shape shares (401 with a token, 403 for staff roles, 400/413/415/422 for a body,
//! 409/422 for `Idempotency-Key`, 400 for a bad path, query or cursor, 5xx). Declared once:
//! the contract's error answers are built from this table (`openapi::errors`), and the
//! test suite checks every error answer it sees against the contract.
use crate::error::Code::{self, *};

/// Each operation id of the room with the codes it may answer.
pub const ANSWERS: &[(&str, &[Code])] = &[
    (
        "memorial.create",
        &[
            RealNameRequired,
            RealNameUnverified,
            MediaNotFound,
            MemorialLivingPerson,
        ],
    ),
    ("memorial.get", &[MemorialNotFound, MemorialTakenDown]),
    ("memorial.invite", &[MemorialNotOwner, MemorialNotFound]),
    (
        "memorial.join",
        &[
            MemorialInvitationInvalid,
            MemorialAlreadyMember,
            RateLimited,
        ],
    ),
    ("memorial.list_mine", &[]),
    ("memorial.list_public", &[]),
    (
        "memorial.member.remove",
        &[MemorialNotOwner, MemorialNotFound, MemorialMemberNotFound],
    ),
    ("memorial.members", &[MemorialNotFamily, MemorialNotFound]),
    (
        "memorial.message.approve",
        &[
            MemorialNotFamily,
            MemorialStaffReviewRequired,
            MemorialNotFound,
            MemorialMessageNotFound,
            MemorialMessageState,
        ],
    ),
    (
        "memorial.message.hide",
        &[
            MemorialNotFamily,
            MemorialNotFound,
            MemorialMessageNotFound,
            MemorialMessageState,
        ],
    ),
    (
        "memorial.message.post",
        &[
            RealNameRequired,
            RealNameUnverified,
            MemorialNotFound,
            MemorialTakenDown,
            RateLimited,
        ],
    ),
    ("memorial.messages", &[MemorialNotFound, MemorialTakenDown]),
    ("memorial.moderation.queue", &[Forbidden]),
    (
        "memorial.portrait",
        &[MemorialNotFound, MediaNotFound, MemorialTakenDown],
    ),
    (
        "memorial.restore",
        &[Forbidden, MemorialNotFound, MemorialPageState],
    ),
    ("memorial.sensitive_words.get", &[Forbidden]),
    ("memorial.sensitive_words.save", &[Forbidden]),
    (
        "memorial.share_link.rotate",
        &[MemorialNotOwner, MemorialNotFound],
    ),
    (
        "memorial.take_down",
        &[Forbidden, MemorialNotFound, MemorialPageState],
    ),
    (
        "memorial.tribute",
        &[MemorialNotFound, MemorialTakenDown, MemorialTributeLimit],
    ),
    (
        "memorial.update",
        &[
            MemorialNotOwner,
            MemorialNotFound,
            MediaNotFound,
            MemorialLivingPerson,
        ],
    ),
];
