//! The rules of the certification cycle, free of storage: a transferee's status on a
//! day, the next due date, the back pay a late certification owes, and how a provider's
//! answer maps onto our outcome.
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::domain::{Scope, ScopeKind};
use crate::error::{ApiError, Code};

/// Where a transferee stands on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = CertificationStatus)]
pub enum Status {
    /// Certified, and the next due date is further away than the notice period.
    Certified,
    /// Within the notice period before the due date (or never certified yet).
    Due,
    /// Past the due date without a certification: payment is suspended.
    Overdue,
    /// Excused until a date (e.g. in hospital), with a reason.
    Exempt,
    /// The bureau stopped the allowance (e.g. a death reported): no cycle runs.
    Stopped,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Certified,
        Status::Due,
        Status::Overdue,
        Status::Exempt,
        Status::Stopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Certified => "certified",
            Status::Due => "due",
            Status::Overdue => "overdue",
            Status::Exempt => "exempt",
            Status::Stopped => "stopped",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Certified => "已认证",
            Status::Due => "待认证",
            Status::Overdue => "逾期",
            Status::Exempt => "暂免",
            Status::Stopped => "已停发",
        }
    }
}

/// The facts a status depends on.
pub struct CycleFacts {
    pub allowance_status: String,
    pub due_on: NaiveDate,
    pub exempt_until: Option<NaiveDate>,
}

/// The status on `today` with a notice period of `notice_days`.
pub fn status(facts: &CycleFacts, today: NaiveDate, notice_days: i64) -> Status {
    if facts.allowance_status == "stopped" {
        Status::Stopped
    } else if facts.exempt_until.is_some_and(|until| until >= today) {
        Status::Exempt
    } else if facts.due_on < today || facts.allowance_status == "suspended" {
        // Suspended stays overdue until a certification, even if an admin or a window
        // moved the due date since: payment is what the list is for.
        Status::Overdue
    } else if (facts.due_on - today).num_days() <= notice_days {
        Status::Due
    } else {
        Status::Certified
    }
}

/// The next due date of a rolling cycle certified on `day`.
pub fn next_due(day: NaiveDate, cycle_months: u32) -> NaiveDate {
    day.checked_add_months(Months::new(cycle_months))
        .unwrap_or(NaiveDate::MAX)
}

/// The calendar months a suspension from `from` to `until` touched: each is a monthly
/// payment owed back (finance computes the amounts; we record the span).
pub fn back_pay_months(from: NaiveDate, until: NaiveDate) -> i32 {
    let months = |d: NaiveDate| d.year() * 12 + d.month() as i32;
    (months(until) - months(from) + 1).max(0)
}

/// The street a staff member's scope asks about (the room's one scope rule for lists
/// and statistics): `district` (or nothing) means all streets for district staff;
/// nothing means their own street for street staff; another street is forbidden.
pub fn street_of(scope: &Scope, street: Option<&str>) -> Result<Option<String>, ApiError> {
    let district = scope.kind == ScopeKind::District;
    match street {
        Some("district") | None if district => Ok(None),
        None if scope.kind == ScopeKind::Street => Ok(scope.id.clone()),
        Some(s) if scope.covers(ScopeKind::Street, s) => Ok(Some(s.to_owned())),
        _ => Err(ApiError::new(Code::Forbidden)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suspended_payment_is_overdue_whatever_the_due_date() {
        let mut f = facts("2027-06-01");
        f.allowance_status = "suspended".into();
        assert_eq!(status(&f, d("2026-12-01"), 30), Status::Overdue);
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts(due: &str) -> CycleFacts {
        CycleFacts {
            allowance_status: "paid".into(),
            due_on: d(due),
            exempt_until: None,
        }
    }

    #[test]
    fn status_follows_the_due_date_and_the_notice_period() {
        let today = d("2026-11-29");
        assert_eq!(status(&facts("2027-06-01"), today, 30), Status::Certified);
        assert_eq!(status(&facts("2026-12-29"), today, 30), Status::Due);
        assert_eq!(status(&facts("2026-11-29"), today, 30), Status::Due);
        assert_eq!(status(&facts("2026-11-28"), today, 30), Status::Overdue);
        let exempt = CycleFacts {
            exempt_until: Some(today),
            ..facts("2026-01-01")
        };
        assert_eq!(status(&exempt, today, 30), Status::Exempt);
        let stopped = CycleFacts {
            allowance_status: "stopped".into(),
            ..facts("2026-01-01")
        };
        assert_eq!(status(&stopped, today, 30), Status::Stopped);
    }

    #[test]
    fn a_cycle_rolls_from_the_day_of_certification() {
        assert_eq!(next_due(d("2026-11-29"), 12), d("2027-11-29"));
        // Month ends clamp, as a calendar would.
        assert_eq!(next_due(d("2027-08-31"), 6), d("2028-02-29"));
    }

    #[test]
    fn back_pay_counts_every_month_the_suspension_touched() {
        assert_eq!(back_pay_months(d("2026-03-02"), d("2026-05-10")), 3);
        assert_eq!(back_pay_months(d("2026-03-02"), d("2026-03-20")), 1);
        assert_eq!(back_pay_months(d("2026-12-15"), d("2027-01-02")), 2);
    }
}
