//! An application's status and its transitions: who may take which step from where, as one
//! `next` function.

/// Who acts on an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    Citizen,
    Reviewer,
    Approver,
}

/// The state machine: from a status, by an action, who may take it, to which status.
/// `record_visit` keeps the status (a home-visit note).
pub const TRANSITIONS: [(&str, &str, Party, &str); 15] = [
    ("draft", "submit", Party::Citizen, "submitted"),
    ("submitted", "accept", Party::Reviewer, "under_review"),
    (
        "submitted",
        "return_incomplete",
        Party::Reviewer,
        "returned",
    ),
    ("submitted", "withdraw", Party::Citizen, "withdrawn"),
    (
        "under_review",
        "request_supplement",
        Party::Reviewer,
        "supplement_requested",
    ),
    (
        "under_review",
        "record_visit",
        Party::Reviewer,
        "under_review",
    ),
    ("under_review", "approve", Party::Reviewer, "approved"),
    ("under_review", "reject", Party::Reviewer, "rejected"),
    (
        "under_review",
        "forward",
        Party::Reviewer,
        "awaiting_approval",
    ),
    ("under_review", "withdraw", Party::Citizen, "withdrawn"),
    (
        "supplement_requested",
        "answer_supplement",
        Party::Citizen,
        "under_review",
    ),
    (
        "supplement_requested",
        "withdraw",
        Party::Citizen,
        "withdrawn",
    ),
    ("awaiting_approval", "approve", Party::Approver, "approved"),
    ("awaiting_approval", "reject", Party::Approver, "rejected"),
    ("awaiting_approval", "withdraw", Party::Citizen, "withdrawn"),
];

/// Statuses after which nothing changes.
pub const FINAL: [&str; 4] = ["approved", "rejected", "returned", "withdrawn"];

/// Statuses in which an application holds its household for its service.
pub const ACTIVE: [&str; 4] = [
    "submitted",
    "under_review",
    "supplement_requested",
    "awaiting_approval",
];

/// Where `action` leads from `status` for `party`, given whether the service needs the
/// district's approval (then a reviewer forwards instead of deciding, and only then).
pub fn next(
    status: &str,
    action: &str,
    party: Party,
    needs_approval: bool,
) -> Option<&'static str> {
    let street_decides = |a: &str| {
        !(needs_approval && matches!(a, "approve" | "reject") && status == "under_review")
    };
    let forward_ok = |a: &str| a != "forward" || needs_approval;
    TRANSITIONS
        .iter()
        .find(|(from, a, p, _)| *from == status && *a == action && *p == party)
        .filter(|_| street_decides(action) && forward_ok(action))
        .map(|(_, _, _, to)| *to)
}

/// The actions `party` may take from `status`.
pub fn allowed(status: &str, party: Party, needs_approval: bool) -> Vec<&'static str> {
    TRANSITIONS
        .iter()
        .filter(|(from, _, p, _)| *from == status && *p == party)
        .map(|(_, a, _, _)| *a)
        .filter(|a| next(status, a, party, needs_approval).is_some())
        .collect()
}
