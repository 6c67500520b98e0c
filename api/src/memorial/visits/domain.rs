//! Rules of tomb visits that need no database: reservation statuses, vehicle plates and
//! grave keys.

/// Where a tomb visit reservation stands (祭扫预约状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TombVisitStatus {
    /// 已预约
    Booked,
    /// 已入园
    CheckedIn,
    /// 已取消
    Cancelled,
}

impl TombVisitStatus {
    /// Every value, in the order above.
    pub const ALL: [TombVisitStatus; 3] = [
        TombVisitStatus::Booked,
        TombVisitStatus::CheckedIn,
        TombVisitStatus::Cancelled,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TombVisitStatus::Booked => "booked",
            TombVisitStatus::CheckedIn => "checked_in",
            TombVisitStatus::Cancelled => "cancelled",
        }
    }
}

/// Province abbreviations that start a civilian plate.
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Letters used on plates: I and O are never issued (they read as 1 and 0).
fn plate_letter(c: char) -> bool {
    c.is_ascii_uppercase() && c != 'I' && c != 'O'
}

fn plate_char(c: char) -> bool {
    plate_letter(c) || c.is_ascii_digit()
}

/// A vehicle plate in its normal form (`京A12345`, new-energy `京AD12345` or
/// `京A12345D`), from what a person typed (spaces, a middle dot, lower case allowed), or
/// `None` when it is not a civilian plate.
pub fn normalise_plate(input: &str) -> Option<String> {
    // Full-width letters and digits from a Chinese keyboard (`京Ａ１２３４５`) first.
    let plate: String = crate::platform::text::identifier(input)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '-' | '.'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let chars: Vec<char> = plate.chars().collect();
    let (&province, rest) = chars.split_first()?;
    let (&authority, serial) = rest.split_first()?;
    if !PROVINCES.contains(province) || !plate_letter(authority) {
        return None;
    }
    let ok = match serial.len() {
        // Ordinary plates: five letters or digits, the last may be 学 (driving school).
        5 => {
            serial[..4].iter().all(|c| plate_char(*c))
                && (plate_char(serial[4]) || serial[4] == '学')
        }
        // New-energy plates: small cars D/F (or A-K since 2021) then five digits or a
        // letter and four digits; large vehicles five digits then D/F.
        6 => {
            let small = matches!(serial[0], 'A'..='H' | 'J' | 'K')
                && plate_char(serial[1])
                && serial[2..].iter().all(char::is_ascii_digit);
            let large =
                serial[..5].iter().all(char::is_ascii_digit) && matches!(serial[5], 'D' | 'F');
            small || large
        }
        _ => false,
    };
    ok.then_some(plate)
}

/// The key of a grave (`section/row/number`) and its label for people (`A区 3排 12号`),
/// or `None` when a part is empty or too long. Each part is typed the way people write
/// it: full-width or half-width, with or without its unit word (`B区`, `第7排`, `12号`)
/// and leading zeros (`07`), so every spelling of one grave is one key, and the
/// persons-per-grave limit counts them together.
pub fn grave_key(section: &str, row: &str, number: &str) -> Option<(String, String)> {
    let parts = [
        grave_part(section, &["墓区", "区"]),
        grave_part(row, &["排", "行"]),
        grave_part(number, &["号墓", "号", "穴", "墓"]),
    ];
    let fits = |p: &String| {
        (1..=16).contains(&p.chars().count())
            && !p.contains('/')
            && !p.chars().any(char::is_control)
    };
    if !parts.iter().all(fits) {
        return None;
    }
    let key = parts.join("/");
    let label = format!("{}区 {}排 {}号", parts[0], parts[1], parts[2]);
    Some((key, label))
}

/// One part of a grave location in its normal form: NFKC, no spaces, upper case, the
/// ordinal `第` and the unit word dropped, a number without leading zeros.
fn grave_part(text: &str, units: &[&str]) -> String {
    let mut part = crate::platform::text::identifier(text);
    if let Some(rest) = part.strip_prefix('第') {
        part = rest.to_owned();
    }
    if let Some(rest) = units.iter().find_map(|u| part.strip_suffix(u)) {
        part = rest.to_owned();
    }
    if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
        let trimmed = part.trim_start_matches('0');
        part = if trimmed.is_empty() {
            "0".into()
        } else {
            trimmed.to_owned()
        };
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_and_new_energy_plates() {
        assert_eq!(normalise_plate("京A12345").as_deref(), Some("京A12345"));
        assert_eq!(normalise_plate(" 京a·1234b ").as_deref(), Some("京A1234B"));
        assert_eq!(
            normalise_plate("京Ａ１２３４５").as_deref(),
            Some("京A12345"),
            "full-width"
        );
        assert_eq!(normalise_plate("冀B2345学").as_deref(), Some("冀B2345学"));
        assert_eq!(
            normalise_plate("京AD12345").as_deref(),
            Some("京AD12345"),
            "small new-energy"
        );
        assert_eq!(
            normalise_plate("京AF1234").as_deref(),
            Some("京AF1234"),
            "an ordinary plate"
        );
        assert_eq!(normalise_plate("京AD123").as_deref(), None, "too short");
        assert_eq!(
            normalise_plate("京AD1A345").as_deref(),
            None,
            "letters only in second place"
        );
        assert_eq!(
            normalise_plate("京AA12345").as_deref(),
            Some("京AA12345"),
            "2021 series"
        );
        assert_eq!(
            normalise_plate("京A12345D").as_deref(),
            Some("京A12345D"),
            "large new-energy"
        );
        assert_eq!(normalise_plate("京A12345X").as_deref(), None);
    }

    #[test]
    fn wrong_plates() {
        for bad in [
            "",
            "京",
            "京A",
            "A123456",
            "港A12345",
            "京I12345",
            "京O12345",
            "京A1234",
            "京A123456",
            "京A12O45",
            "京A12345678",
        ] {
            assert_eq!(normalise_plate(bad), None, "{bad}");
        }
    }

    #[test]
    fn graves() {
        assert_eq!(
            grave_key(" a ", "3", "12"),
            Some(("A/3/12".into(), "A区 3排 12号".into()))
        );
        let same = Some(("B/7/12".into(), "B区 7排 12号".into()));
        for (section, row, number) in [
            ("B区", "7排", "12号"),
            ("b", "07", "012"),
            ("Ｂ区", "第７排", "１２号"),
            (" B ", "7", "12号墓"),
        ] {
            assert_eq!(
                grave_key(section, row, number),
                same,
                "{section} {row} {number}"
            );
        }
        assert_eq!(grave_key("区", "3", "12"), None, "only a unit word");
        assert_eq!(grave_key("", "3", "12"), None);
        assert_eq!(grave_key("A/B", "3", "12"), None);
        assert_eq!(grave_key("A", "3", &"1".repeat(17)), None);
    }

    #[test]
    fn statuses_are_the_stored_strings() {
        for v in TombVisitStatus::ALL {
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
    }
}
