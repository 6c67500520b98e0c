//! The error codes each operation of this room answers beyond the ones every operation
//! of its shape shares (401 with a token, 403 for staff roles, 400/413/415/422 for a body,
//! 409/422 for `Idempotency-Key`, 400 for a bad path, query or cursor, 5xx). Declared once:
//! the contract's error answers are built from this table (`openapi::errors`), and the
//! test suite checks every error answer it sees against the contract.
use crate::error::Code::{self, *};

/// Each operation id of the room with the codes it may answer.
pub const ANSWERS: &[(&str, &[Code])] = &[
    (
        "desk.tomb_visits.check_in",
        &[VisitNotFound, VisitState, VisitNotToday],
    ),
    ("desk.tomb_visits.day", &[Forbidden]),
    (
        "desk.tomb_visits.load",
        &[Forbidden, ResourceNotFound, NotACemetery],
    ),
    ("desk.tomb_visits.lookup", &[]),
    (
        "desk.tomb_visits.walk_in",
        &[Forbidden, ResourceNotFound, NotACemetery],
    ),
    (
        "tomb_visits.book",
        &[
            RealNameRequired,
            RealNameUnverified,
            ResourceNotFound,
            NotACemetery,
            SlotNotFound,
            SlotFull,
            GraveFull,
            VisitorAlreadyBooked,
            NotOpenYet,
            BookingClosed,
            IdNumberInvalid,
        ],
    ),
    (
        "tomb_visits.cancel",
        &[VisitNotFound, VisitState, VisitCancelClosed],
    ),
    ("tomb_visits.get", &[VisitNotFound]),
    ("tomb_visits.list", &[]),
    ("tomb_visits.qr", &[VisitNotFound]),
];
