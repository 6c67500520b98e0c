//! The resident ID number (居民身份证号码, GB 11643-1999), parsed once and then trusted.
use std::fmt;

use chrono::{Datelike, NaiveDate};

/// A valid 18-character resident ID number. The inner text is upper-case and never
/// printed by `Debug` or `Display`, which show the masked form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

/// Sex as the ID number encodes it (性别): the sequence digit is odd for men, even for
/// women.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = SexDto)]
pub enum Sex {
    /// 男
    Male,
    /// 女
    Female,
}

impl Sex {
    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// Why a text is not a valid ID number; each is a stable field reason on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdNumberError {
    /// Not 17 digits followed by a digit or X.
    Format,
    /// The first two digits are not a province-level region.
    Region,
    /// The birth date does not exist or lies in the future.
    BirthDate,
    /// The check character does not match (ISO 7064 MOD 11-2).
    Checksum,
}

impl IdNumberError {
    pub fn reason(self) -> &'static str {
        match self {
            Self::Format => "format",
            Self::Region => "region",
            Self::BirthDate => "birth_date",
            Self::Checksum => "checksum",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            Self::Format => "身份证号码应为 18 位，前 17 位为数字，最后一位为数字或 X",
            Self::Region => "身份证号码的地区代码不存在",
            Self::BirthDate => "身份证号码中的出生日期不存在或晚于今天",
            Self::Checksum => "身份证号码校验位不正确，请核对每一位",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            Self::Format => "an ID number has 17 digits followed by a digit or X",
            Self::Region => "the region code of the ID number does not exist",
            Self::BirthDate => "the birth date in the ID number does not exist or is in the future",
            Self::Checksum => "the check character of the ID number is wrong",
        }
    }
}

/// Province-level codes (GB/T 2260 first two digits); 71, 81, 82 and 83 cover Taiwan,
/// Hong Kong, Macao and residence permits for Taiwan residents.
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

impl IdNumber {
    /// Parses and checks an ID number as of `today` (for the future-birth-date rule).
    /// Surrounding spaces are ignored and a lower-case x is accepted.
    pub fn parse(text: &str, today: NaiveDate) -> Result<IdNumber, IdNumberError> {
        // Full-width digits and `ｘ` from a Chinese keyboard are the same number.
        let upper = crate::platform::text::identifier(text);
        let bytes = upper.as_bytes();
        let well_formed = bytes.len() == 18
            && bytes[..17].iter().all(u8::is_ascii_digit)
            && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
        if !well_formed {
            return Err(IdNumberError::Format);
        }
        let province = (bytes[0] - b'0') * 10 + (bytes[1] - b'0');
        if !PROVINCES.contains(&province) {
            return Err(IdNumberError::Region);
        }
        let birth = NaiveDate::parse_from_str(&upper[6..14], "%Y%m%d")
            .map_err(|_| IdNumberError::BirthDate)?;
        if birth > today || birth.year() < 1880 {
            return Err(IdNumberError::BirthDate);
        }
        if check_char(&bytes[..17]) != bytes[17] {
            return Err(IdNumberError::Checksum);
        }
        Ok(IdNumber(upper))
    }

    /// The full number; only for sealing and the blind index, never for answers or logs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `110***********123X`: the first three and the last four, as answers and clear
    /// columns show it. The hidden eleven cover the district and the whole birth date,
    /// so a birth date known from elsewhere still leaves about ninety candidates.
    pub fn masked(&self) -> String {
        format!("{}***********{}", &self.0[..3], &self.0[14..])
    }

    #[expect(
        clippy::expect_used,
        reason = "IdNumber::parse checked the eight date digits"
    )]
    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("checked in parse")
    }

    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Full years of age on `day` (a birthday on 29 February counts from 1 March).
    pub fn age_on(&self, day: NaiveDate) -> u32 {
        day.years_since(self.birth_date()).unwrap_or(0)
    }
}

/// A name as answers show it: the first character, the rest masked (`张**`).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    format!("{first}{}", "*".repeat(chars.count().max(1)))
}

/// The ISO 7064 MOD 11-2 check character of the first 17 digits.
fn check_char(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_is_written_as_stored() {
        for sex in [Sex::Male, Sex::Female] {
            assert_eq!(serde_json::to_value(sex).unwrap(), sex.as_str());
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    /// Appends the right check character, so tests can make valid numbers.
    pub fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_char(first17.as_bytes()) as char)
    }

    #[test]
    fn accepts_the_standard_example_and_lower_case_x() {
        // The worked example of GB 11643-1999.
        let id = IdNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(id.expose(), "11010519491231002X");
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
    }

    #[test]
    fn refuses_each_kind_of_mistake() {
        assert_eq!(
            IdNumber::parse("1101051949123100", today()),
            Err(IdNumberError::Format)
        );
        assert_eq!(
            IdNumber::parse("11010519491231002Y", today()),
            Err(IdNumberError::Format)
        );
        assert_eq!(
            IdNumber::parse("110105194912310021", today()),
            Err(IdNumberError::Checksum)
        );
        assert_eq!(
            IdNumber::parse(&with_check("99010519491231002"), today()),
            Err(IdNumberError::Region)
        );
        assert_eq!(
            IdNumber::parse(&with_check("11010519490230002"), today()),
            Err(IdNumberError::BirthDate)
        );
        assert_eq!(
            IdNumber::parse(&with_check("11010520261130002"), today()),
            Err(IdNumberError::BirthDate)
        );
    }

    #[test]
    fn age_counts_full_years_on_the_day() {
        let id = IdNumber::parse(&with_check("11011220040520001"), today()).unwrap();
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(2026, 5, 19).unwrap()), 21);
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(2026, 5, 20).unwrap()), 22);
    }

    #[test]
    fn debug_never_shows_the_full_number() {
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert!(!format!("{id:?} {id}").contains("19491231"));
    }
}
