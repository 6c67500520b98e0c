//! The error codes each operation of this room answers beyond the ones every operation
//! of its shape shares (401 with a token, 403 for staff roles, 400/413/415/422 for a body,
//! 409/422 for `Idempotency-Key`, 400 for a bad path, query or cursor, 5xx). Declared once:
//! the contract's error answers are built from this table (`openapi::errors`), and the
//! test suite checks every error answer it sees against the contract.
use crate::error::Code::{self, *};

/// Each operation id of the room with the codes it may answer.
pub const ANSWERS: &[(&str, &[Code])] = &[
    ("applications.catalogue.get", &[ServiceNotFound]),
    ("applications.catalogue.list", &[]),
    (
        "applications.catalogue.save",
        &[Forbidden, ServiceNotFound, IllegalTransition],
    ),
    (
        "applications.create",
        &[
            RealNameRequired,
            RealNameUnverified,
            NotAProxy,
            ServiceNotFound,
            DraftExists,
            HouseholdHasActiveApplication,
        ],
    ),
    (
        "applications.delete_draft",
        &[ApplicationNotFound, NotEditable],
    ),
    (
        "applications.form.save",
        &[ApplicationNotFound, NotEditable],
    ),
    ("applications.get", &[ApplicationNotFound]),
    (
        "applications.household.save",
        &[ApplicationNotFound, NotEditable, IdNumberInvalid],
    ),
    ("applications.list", &[]),
    (
        "applications.material.add",
        &[ApplicationNotFound, MediaNotFound, NotEditable],
    ),
    (
        "applications.material.download",
        &[ApplicationNotFound, MediaNotFound],
    ),
    (
        "applications.material.remove",
        &[ApplicationNotFound, MediaNotFound, NotEditable],
    ),
    (
        "applications.submit",
        &[
            ApplicationNotFound,
            NotEditable,
            HouseholdHasActiveApplication,
            Incomplete,
        ],
    ),
    (
        "applications.supplement",
        &[ApplicationNotFound, MediaNotFound, IllegalTransition],
    ),
    (
        "applications.withdraw",
        &[ApplicationNotFound, IllegalTransition],
    ),
    (
        "review.act",
        &[Forbidden, ApplicationNotFound, IllegalTransition],
    ),
    ("review.get", &[ApplicationNotFound]),
    (
        "review.material.download",
        &[ApplicationNotFound, MediaNotFound],
    ),
    (
        "review.material.thumbnail",
        &[ApplicationNotFound, MediaNotFound],
    ),
    ("review.queue", &[Forbidden]),
    ("review.statistics", &[Forbidden]),
];
