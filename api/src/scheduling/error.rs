//! The error codes each operation of this room answers beyond the ones every operation
//! of its shape shares (401 with a token, 403 for staff roles, 400/413/415/422 for a body,
//! 409/422 for `Idempotency-Key`, 400 for a bad path, query or cursor, 5xx). Declared once:
//! the contract's error answers are built from this table (`openapi::errors`), and the
//! test suite checks every error answer it sees against the contract.
use crate::error::Code::{self, *};

/// Each operation id of the room with the codes it may answer.
pub const ANSWERS: &[(&str, &[Code])] = &[
    ("scheduling.availability", &[ResourceNotFound]),
    (
        "scheduling.calendar.load",
        &[CalendarTouchesBookings, DayHasBookings],
    ),
    (
        "scheduling.exception.set",
        &[DayHasBookings, ResourceNotFound],
    ),
    (
        "scheduling.peak.create",
        &[
            Forbidden,
            ResourceNotFound,
            PeriodOverlaps,
            PeriodHasBookings,
        ],
    ),
    (
        "scheduling.peak.delete",
        &[Forbidden, PeriodNotFound, PeriodHasBookings],
    ),
    ("scheduling.peak.list", &[ResourceNotFound]),
    ("scheduling.resource.get", &[ResourceNotFound]),
    ("scheduling.resource.list", &[]),
    ("scheduling.resource.save", &[Forbidden]),
    ("scheduling.template.get", &[ResourceNotFound]),
    ("scheduling.template.replace", &[ResourceNotFound]),
];
