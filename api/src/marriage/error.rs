//! The error codes each operation of this room answers beyond the ones every operation
//! of its shape shares (401 with a token, 403 for staff roles, 400/413/415/422 for a body,
//! 409/422 for `Idempotency-Key`, 400 for a bad path, query or cursor, 5xx). Declared once:
//! the contract's error answers are built from this table (`openapi::errors`), and the
//! test suite checks every error answer it sees against the contract.
use crate::error::Code::{self, *};

/// Each operation id of the room with the codes it may answer.
pub const ANSWERS: &[(&str, &[Code])] = &[
    (
        "desk.marriage.check_in",
        &[AppointmentNotFound, AppointmentState],
    ),
    (
        "desk.marriage.complete",
        &[AppointmentState, AppointmentNotFound],
    ),
    ("desk.marriage.day_sheet", &[Forbidden]),
    (
        "desk.marriage.divorce_application.record",
        &[
            Forbidden,
            MarriageParties,
            IdNumberInvalid,
            PartyHasActiveBooking,
        ],
    ),
    ("desk.marriage.lookup", &[]),
    (
        "desk.marriage.no_show",
        &[AppointmentState, AppointmentNotFound],
    ),
    (
        "desk.marriage.undo_no_show",
        &[AppointmentState, AppointmentNotFound, PartyHasActiveBooking],
    ),
    (
        "marriage.appointment.book",
        &[
            RealNameRequired,
            RealNameUnverified,
            NotAParty,
            BlockedForNoShows,
            ResourceNotFound,
            SlotNotFound,
            SlotFull,
            NotOpenYet,
            BookingClosed,
            DayClosed,
            DrawDay,
            NoOffer,
            OfferExpired,
            PartyHasActiveBooking,
            DivorceApplicationRequired,
            MarriageAge,
            MarriageParties,
            IdNumberInvalid,
            WaitlistEntryNotFound,
            OutsideDivorceWindow,
        ],
    ),
    (
        "marriage.appointment.cancel",
        &[AppointmentNotFound, CancelClosed, AppointmentState],
    ),
    (
        "marriage.appointment.confirm",
        &[
            AppointmentNotFound,
            ConfirmExpired,
            AppointmentState,
            BlockedForNoShows,
            PartyHasActiveBooking,
            RealNameRequired,
            RealNameUnverified,
        ],
    ),
    (
        "marriage.share.open",
        &[
            ShareLinkInvalid,
            ShareLinkExpired,
            RealNameRequired,
            RealNameUnverified,
        ],
    ),
    (
        "marriage.share.confirm",
        &[
            ShareLinkInvalid,
            ShareLinkExpired,
            ConfirmExpired,
            AppointmentState,
            BlockedForNoShows,
            PartyHasActiveBooking,
            RealNameRequired,
            RealNameUnverified,
        ],
    ),
    ("marriage.appointment.get", &[AppointmentNotFound]),
    ("marriage.appointment.list", &[]),
    ("marriage.appointment.qr", &[AppointmentNotFound]),
    (
        "marriage.appointment.reschedule",
        &[
            AppointmentNotFound,
            SlotNotFound,
            SlotFull,
            BookingClosed,
            CancelClosed,
            AppointmentState,
            OutsideDivorceWindow,
            MarriageAge,
            NotOpenYet,
            DrawDay,
            DivorceApplicationRequired,
        ],
    ),
    ("marriage.divorce_application.list", &[RealNameUnverified]),
    (
        "marriage.divorce_application.withdraw",
        &[DivorceApplicationNotFound, AppointmentState],
    ),
    (
        "marriage.draw.create",
        &[
            Forbidden,
            ResourceNotFound,
            DrawExists,
            DayHasBookings,
            DayClosed,
        ],
    ),
    ("marriage.draw.get", &[DrawNotFound]),
    ("marriage.draw.list", &[ResourceNotFound]),
    (
        "marriage.draw.request",
        &[
            RealNameRequired,
            RealNameUnverified,
            NotAParty,
            BlockedForNoShows,
            DrawNotFound,
            DrawNotOpen,
            AlreadyRequested,
            MarriageAge,
            MarriageParties,
            IdNumberInvalid,
        ],
    ),
    ("marriage.draw.request_list", &[]),
    (
        "marriage.draw.request_withdraw",
        &[DrawRequestNotFound, DrawNotOpen],
    ),
    (
        "marriage.draw.run",
        &[Forbidden, DrawNotFound, DrawNotClosed],
    ),
    (
        "marriage.waitlist.join",
        &[
            RealNameRequired,
            RealNameUnverified,
            BlockedForNoShows,
            ResourceNotFound,
            SeatsAvailable,
            AlreadyWaitlisted,
            NotOpenYet,
            BookingClosed,
            DrawDay,
        ],
    ),
    (
        "marriage.waitlist.leave",
        &[WaitlistEntryNotFound, WaitlistEntryEnded],
    ),
    ("marriage.waitlist.list", &[]),
];
