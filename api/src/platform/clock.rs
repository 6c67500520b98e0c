//! Time as the bureau counts it: stored in UTC, reasoned about and shown in Asia/Shanghai.
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Asia::Shanghai;

/// Today's date in Beijing.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&Shanghai).date_naive()
}

/// The one wire format for instants: RFC 3339 in Beijing time, e.g.
/// `2026-05-20T09:00:00+08:00`.
pub fn format(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&Shanghai)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The `time` field format of WeChat subscribe messages: `2026年5月20日 09:30`.
pub fn format_wechat(instant: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let t = instant.with_timezone(&Shanghai);
    format!(
        "{}年{}月{}日 {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    #[test]
    fn instants_are_shown_in_beijing_time_with_the_offset() {
        let instant = chrono::Utc.with_ymd_and_hms(2026, 5, 20, 1, 0, 0).unwrap();
        assert_eq!(super::format(instant), "2026-05-20T09:00:00+08:00");
    }
}
