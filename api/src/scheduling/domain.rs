//! Calendar and window rules, free of storage: which days are working days, which
//! template a day uses, when a day opens for booking and when a slot stops taking them.
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;

/// What the national calendar says of a date, if anything (全国年历).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CalendarKind {
    /// A public holiday (法定节假日): closed even on a weekday.
    Holiday,
    /// A make-up working day (调休上班): open even on a weekend.
    Workday,
}

impl CalendarKind {
    pub fn parse(text: &str) -> Option<CalendarKind> {
        match text {
            "holiday" => Some(CalendarKind::Holiday),
            "workday" => Some(CalendarKind::Workday),
            _ => None,
        }
    }

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarKind::Holiday => "holiday",
            CalendarKind::Workday => "workday",
        }
    }
}

/// Whether `date` is a working day given what the calendar says of it.
pub fn is_working_day(date: NaiveDate, calendar: Option<CalendarKind>) -> bool {
    match calendar {
        Some(CalendarKind::Holiday) => false,
        Some(CalendarKind::Workday) => true,
        None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
    }
}

/// The weekday (1 = Monday .. 7 = Sunday) whose template a date uses. A make-up working
/// day on a weekend uses Monday's template (the State Council's notices swap whole days).
pub fn template_weekday(date: NaiveDate, calendar: Option<CalendarKind>) -> i32 {
    let weekday = date.weekday().number_from_monday() as i32;
    if calendar == Some(CalendarKind::Workday) && weekday > 5 {
        1
    } else {
        weekday
    }
}

/// `HH:MM` as a time of day.
pub fn parse_hhmm(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .ok()
        .filter(|_| text.len() == 5)
}

/// A local Beijing date and time as a UTC instant.
pub fn at(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    Shanghai
        .from_local_datetime(&date.and_time(time))
        .single()
        .map_or_else(
            || Utc.from_utc_datetime(&(date.and_time(time) - Duration::hours(8))),
            |t| t.with_timezone(&Utc),
        )
}

/// The booking rules of one resource.
#[derive(Clone, Debug)]
pub struct Window {
    /// Dates up to this many days ahead are bookable...
    pub days: i64,
    /// ...the newest one from this time of day on (before it, one day fewer).
    pub opens_at: NaiveTime,
    /// Booking for a date closes the day before at this time (Beijing: 15:00), if set.
    pub previous_day_at: Option<NaiveTime>,
    /// And in any case this many minutes before the slot starts.
    pub minutes_before: i64,
}

impl Window {
    /// The last date that can be booked at `now`.
    pub fn last_open_date(&self, now: DateTime<Utc>) -> NaiveDate {
        let local = now.with_timezone(&Shanghai);
        let days = if local.time() >= self.opens_at {
            self.days
        } else {
            self.days - 1
        };
        local.date_naive() + Duration::days(days)
    }

    /// When a slot starting at `starts_at` on `date` stops taking bookings.
    pub fn closes_at(&self, date: NaiveDate, starts_at: DateTime<Utc>) -> DateTime<Utc> {
        let before_start = starts_at - Duration::minutes(self.minutes_before);
        match self.previous_day_at {
            Some(time) => before_start.min(at(date - Duration::days(1), time)),
            None => before_start,
        }
    }
}

/// A short lower-case code such as `marriage` or `marriage-centre` (resource ids,
/// business types): 1 to 32 lower-case letters, digits, `-` and `_`.
pub fn is_code(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Today's date in Beijing at `now`.
pub fn local_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Shanghai).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_kinds_are_written_as_stored() {
        for kind in [CalendarKind::Holiday, CalendarKind::Workday] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert_eq!(CalendarKind::parse(kind.as_str()), Some(kind));
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn beijing(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        at(d(y, m, day), NaiveTime::from_hms_opt(h, min, 0).unwrap())
    }

    fn marriage_window() -> Window {
        Window {
            days: 15,
            opens_at: parse_hhmm("00:00").unwrap(),
            previous_day_at: parse_hhmm("15:00"),
            minutes_before: 0,
        }
    }

    #[test]
    fn weekends_holidays_and_make_up_days() {
        assert!(is_working_day(d(2026, 12, 1), None));
        assert!(!is_working_day(d(2026, 12, 5), None), "Saturday");
        assert!(!is_working_day(d(2026, 10, 1), Some(CalendarKind::Holiday)));
        assert!(
            is_working_day(d(2026, 10, 10), Some(CalendarKind::Workday)),
            "a Saturday worked for National Day"
        );
        assert_eq!(
            template_weekday(d(2026, 10, 10), Some(CalendarKind::Workday)),
            1
        );
        assert_eq!(template_weekday(d(2026, 12, 2), None), 3);
    }

    #[test]
    fn booking_for_the_next_day_closes_at_15_00_beijing_time() {
        let w = marriage_window();
        let slot = beijing(2026, 12, 2, 9, 0);
        assert_eq!(
            w.closes_at(d(2026, 12, 2), slot),
            beijing(2026, 12, 1, 15, 0)
        );
        assert_eq!(
            beijing(2026, 12, 1, 15, 0).to_rfc3339(),
            "2026-12-01T07:00:00+00:00"
        );
    }

    #[test]
    fn the_window_reaches_15_days_ahead_from_its_opening_time() {
        let w = Window {
            opens_at: parse_hhmm("08:00").unwrap(),
            ..marriage_window()
        };
        assert_eq!(
            w.last_open_date(beijing(2026, 12, 1, 7, 59)),
            d(2026, 12, 15)
        );
        assert_eq!(
            w.last_open_date(beijing(2026, 12, 1, 8, 0)),
            d(2026, 12, 16)
        );
        // 23:30 UTC is already the next day in Beijing.
        let late = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
        assert_eq!(local_date(late), d(2026, 12, 1));
    }
}
