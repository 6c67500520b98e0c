//! Marriage rules without storage: business types, who may register, booking codes.
use chrono::NaiveDate;

use crate::identity::domain::{IdNumber, Sex};

/// What a marriage appointment, waitlist or draw is for (婚姻登记业务类型).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = MarriageBusinessType)]
pub enum BusinessType {
    /// 结婚登记
    Marriage,
    /// 离婚登记 (after the cooling-off period)
    Divorce,
    /// 补领婚姻登记证
    Reissue,
}

impl BusinessType {
    /// Every marriage business type, as stored.
    pub const ALL: [&'static str; 3] = ["marriage", "divorce", "reissue"];

    pub fn parse(text: &str) -> Option<BusinessType> {
        match text {
            "marriage" => Some(BusinessType::Marriage),
            "divorce" => Some(BusinessType::Divorce),
            "reissue" => Some(BusinessType::Reissue),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BusinessType::Marriage => "marriage",
            BusinessType::Divorce => "divorce",
            BusinessType::Reissue => "reissue",
        }
    }
}

/// Minimum ages on the registration day (Civil Code art. 1047).
pub const MIN_AGE_MEN: u32 = 22;
pub const MIN_AGE_WOMEN: u32 = 20;

/// Why the parties cannot book this business type.
#[derive(Debug, PartialEq, Eq)]
pub enum PartiesError {
    /// Wrong number of parties, the same person twice, or not one man and one woman.
    Shape,
    /// Position (0-based) of a party under the legal age on the date.
    UnderAge(usize),
}

/// Checks the parties of a booking on the appointment date: a marriage needs a man of
/// at least 22 and a woman of at least 20; a reissue one or both spouses; a divorce both.
pub fn check_parties(
    kind: BusinessType,
    ids: &[IdNumber],
    date: NaiveDate,
) -> Result<(), PartiesError> {
    let distinct = ids.len() < 2 || ids[0] != ids[1];
    let count_ok = match kind {
        BusinessType::Marriage | BusinessType::Divorce => ids.len() == 2,
        BusinessType::Reissue => (1..=2).contains(&ids.len()),
    };
    if !count_ok || !distinct {
        return Err(PartiesError::Shape);
    }
    if kind == BusinessType::Marriage {
        if ids[0].sex() == ids[1].sex() {
            return Err(PartiesError::Shape);
        }
        for (i, id) in ids.iter().enumerate() {
            let min = if id.sex() == Sex::Male {
                MIN_AGE_MEN
            } else {
                MIN_AGE_WOMEN
            };
            if id.age_on(date) < min {
                return Err(PartiesError::UnderAge(i));
            }
        }
    }
    Ok(())
}

pub use crate::platform::booking_code::{booking_code, code_from_input, qr_content};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_types_are_written_as_stored() {
        for text in BusinessType::ALL {
            let kind = BusinessType::parse(text).unwrap();
            assert_eq!(serde_json::to_value(kind).unwrap(), text);
        }
    }

    fn id(first17: &str) -> IdNumber {
        const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = first17
            .bytes()
            .zip(W)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        let full = format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char);
        IdNumber::parse(&full, NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_man_turns_22_on_his_birthday_and_may_marry_that_day() {
        let man = id("11011220041202001"); // born 2004-12-02, male (sequence 001 is odd)
        let woman = id("11011220000101002");
        assert_eq!(
            check_parties(
                BusinessType::Marriage,
                &[man.clone(), woman.clone()],
                day(2026, 12, 1)
            ),
            Err(PartiesError::UnderAge(0))
        );
        assert_eq!(
            check_parties(BusinessType::Marriage, &[man, woman], day(2026, 12, 2)),
            Ok(())
        );
    }

    #[test]
    fn a_woman_needs_20_on_the_registration_day() {
        let man = id("11011219900101001");
        let woman = id("11011220061203002"); // 20 on 2026-12-03
        assert_eq!(
            check_parties(
                BusinessType::Marriage,
                &[man.clone(), woman.clone()],
                day(2026, 12, 2)
            ),
            Err(PartiesError::UnderAge(1))
        );
        assert_eq!(
            check_parties(BusinessType::Marriage, &[man, woman], day(2026, 12, 3)),
            Ok(())
        );
    }

    #[test]
    fn shapes_that_cannot_register() {
        let man = id("11011219900101001");
        let other_man = id("11011219910101011");
        assert_eq!(
            check_parties(
                BusinessType::Marriage,
                &[man.clone(), other_man],
                day(2026, 12, 2)
            ),
            Err(PartiesError::Shape)
        );
        assert_eq!(
            check_parties(
                BusinessType::Marriage,
                &[man.clone(), man.clone()],
                day(2026, 12, 2)
            ),
            Err(PartiesError::Shape)
        );
        assert_eq!(
            check_parties(
                BusinessType::Marriage,
                std::slice::from_ref(&man),
                day(2026, 12, 2)
            ),
            Err(PartiesError::Shape)
        );
        assert_eq!(
            check_parties(BusinessType::Reissue, &[man], day(2026, 12, 2)),
            Ok(())
        );
    }

    #[test]
    fn codes_read_back_from_typing_and_scanning() {
        let code = booking_code();
        assert_eq!(code.len(), 8);
        assert_eq!(code_from_input(&qr_content(&code)), Some(code.clone()));
        assert_eq!(
            code_from_input(&format!("  {}  ", code.to_lowercase())),
            Some(code)
        );
        assert_eq!(code_from_input("MZ-0000"), None);
    }
}

/// Days of the cooling-off period, and of the window after it (Civil Code art. 1077).
pub const COOLING_OFF_DAYS: i64 = 30;
pub const CERTIFICATE_WINDOW_DAYS: i64 = 30;

/// The last day of a period of `days` days starting the day after `start` (art. 201);
/// when that day is not a working day, the period ends on the next working day (art. 203).
pub fn period_end(
    start: NaiveDate,
    days: i64,
    is_working_day: impl Fn(NaiveDate) -> bool,
) -> NaiveDate {
    let mut end = start + chrono::Duration::days(days);
    while !is_working_day(end) {
        end += chrono::Duration::days(1);
    }
    end
}

/// The dates of a divorce application received on `received`: the last day of the
/// cooling-off period (withdrawal possible until then) and the last day on which the
/// certificate appointment may take place.
pub fn divorce_dates(
    received: NaiveDate,
    is_working_day: impl Fn(NaiveDate) -> bool + Copy,
) -> (NaiveDate, NaiveDate) {
    let cooling_off_ends = period_end(received, COOLING_OFF_DAYS, is_working_day);
    (
        cooling_off_ends,
        period_end(cooling_off_ends, CERTIFICATE_WINDOW_DAYS, is_working_day),
    )
}

#[cfg(test)]
mod divorce_tests {
    use super::*;
    use crate::scheduling::domain::{CalendarKind, is_working_day};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn thirty_days_count_from_the_day_after_receipt() {
        // Received Monday 2026-11-02: day 1 is 11-03, day 30 is 12-02 (a Wednesday).
        let (ends, by) = divorce_dates(d(2026, 11, 2), |date| is_working_day(date, None));
        assert_eq!(ends, d(2026, 12, 2));
        // Thirty days after 12-02 is 2027-01-01, a Friday, but here no holiday is known.
        assert_eq!(by, d(2027, 1, 1));
    }

    #[test]
    fn a_period_ending_on_a_weekend_ends_on_the_next_working_day() {
        // Received Friday 2026-11-06: day 30 is Sunday 12-06, so the period ends Monday 12-07.
        let (ends, _) = divorce_dates(d(2026, 11, 6), |date| is_working_day(date, None));
        assert_eq!(ends, d(2026, 12, 7));
    }

    #[test]
    fn a_period_ending_on_a_holiday_moves_past_it_and_a_make_up_day_counts() {
        use chrono::Datelike;
        // New Year's Day 2027 is a Friday holiday; Saturday 01-02 is made a working day.
        let calendar = |date: NaiveDate| match (date.month(), date.day()) {
            (1, 1) => Some(CalendarKind::Holiday),
            (1, 2) => Some(CalendarKind::Workday),
            _ => None,
        };
        let (_, by) = divorce_dates(d(2026, 11, 2), |date| is_working_day(date, calendar(date)));
        assert_eq!(by, d(2027, 1, 2));
        // Without the make-up day, the window runs to Monday 01-04.
        let (_, by) = divorce_dates(d(2026, 11, 2), |date| {
            is_working_day(
                date,
                (date.month() == 1 && date.day() == 1).then_some(CalendarKind::Holiday),
            )
        });
        assert_eq!(by, d(2027, 1, 4));
    }
}
