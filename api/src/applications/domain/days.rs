//! Working days, for the deadlines of reviews and supplements.
use chrono::{Duration, NaiveDate};

/// `days` working days after `from` (the day after counts first), by `is_working`.
pub fn add_working_days(
    from: NaiveDate,
    days: u32,
    is_working: impl Fn(NaiveDate) -> bool,
) -> NaiveDate {
    let mut date = from;
    let mut left = days;
    while left > 0 {
        date += Duration::days(1);
        if is_working(date) {
            left -= 1;
        }
    }
    date
}

/// Working days in `(from, to]`.
pub fn working_days_between(
    from: NaiveDate,
    to: NaiveDate,
    is_working: impl Fn(NaiveDate) -> bool,
) -> u32 {
    let mut date = from;
    let mut count = 0;
    while date < to {
        date += Duration::days(1);
        if is_working(date) {
            count += 1;
        }
    }
    count
}
