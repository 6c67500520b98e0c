//! The error codes each operation of this room answers beyond the ones every operation
//! of its shape shares (401 with a token, 403 for staff roles, 400/413/415/422 for a body,
//! 409/422 for `Idempotency-Key`, 400 for a bad path, query or cursor, 5xx). Declared once:
//! the contract's error answers are built from this table (`openapi::errors`), and the
//! test suite checks every error answer it sees against the contract.
use crate::error::Code::{self, *};

/// Each operation id of the room with the codes it may answer.
pub const ANSWERS: &[(&str, &[Code])] = &[
    (
        "funeral.booking.accept_transport_time",
        &[FuneralBookingNotFound, FuneralWrongState],
    ),
    (
        "funeral.booking.book",
        &[
            RealNameRequired,
            RealNameUnverified,
            FuneralHomeNotFound,
            SlotNotFound,
            MediaNotFound,
            SlotFull,
            NotOpenYet,
            BookingClosed,
            FuneralDeceasedHasActiveBooking,
            IdNumberInvalid,
            FuneralDateOfDeath,
            FuneralUnknownService,
            FuneralItemsMismatch,
            FuneralServiceOrder,
        ],
    ),
    (
        "funeral.booking.cancel",
        &[
            FuneralBookingNotFound,
            FuneralWrongState,
            FuneralCancelClosed,
        ],
    ),
    ("funeral.booking.get", &[FuneralBookingNotFound]),
    ("funeral.booking.list", &[]),
    (
        "funeral.desk.certificate",
        &[Forbidden, FuneralBookingNotFound, MediaNotFound],
    ),
    (
        "funeral.desk.confirm",
        &[Forbidden, FuneralBookingNotFound, FuneralWrongState],
    ),
    (
        "funeral.desk.done",
        &[Forbidden, FuneralBookingNotFound, FuneralWrongState],
    ),
    ("funeral.desk.get", &[Forbidden, FuneralBookingNotFound]),
    ("funeral.desk.list", &[Forbidden]),
    (
        "funeral.desk.propose_transport_time",
        &[
            Forbidden,
            FuneralBookingNotFound,
            FuneralWrongState,
            FuneralServiceOrder,
        ],
    ),
    ("funeral.home.list", &[]),
    ("funeral.service.list", &[FuneralHomeNotFound]),
    ("funeral.service.save", &[Forbidden, FuneralHomeNotFound]),
    ("funeral.home.gaps_save", &[Forbidden, FuneralHomeNotFound]),
];
