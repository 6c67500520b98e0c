//! Rules of funeral bookings free of storage: service kinds, the states and who may move
//! them, pricing (basic services free), and the masks answers use.
use chrono::NaiveDate;

/// The resource kind of a funeral home in the scheduling core.
pub const HOME_KIND: &str = "funeral_home";
/// Business types of a funeral home's slots: farewell halls and cremations.
pub const FAREWELL: &str = "farewell";
pub const CREMATION: &str = "cremation";

/// Kinds of catalogue items. `transport`, `farewell` and `cremation` go with the booking's
/// transport request and slots; `goods` (urns, flowers) and `other` go with anything.
pub const KINDS: [&str; 5] = ["transport", "farewell", "cremation", "goods", "other"];

/// Statuses in which a booking holds its seats and its deceased's active key.
pub const ACTIVE: [&str; 2] = ["pending", "confirmed"];

/// Every status, for filters.
pub const STATUSES: [&str; 4] = ["pending", "confirmed", "done", "cancelled"];

/// Largest quantity of one item in a booking.
pub const MAX_QUANTITY: i32 = 99;

/// Who looks at a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The family member who booked.
    Citizen,
    /// A clerk of the home, or a district admin.
    Home,
}

/// What the booking's state lets `party` do now; `due` says the first service date has
/// come (a booking is done only then).
///
/// | from | action | by | to |
/// |---|---|---|---|
/// | `pending` | `confirm` | home (transport not awaiting the family) | `confirmed` |
/// | `pending`, `confirmed` | `propose_transport_time` | home (with transport) | `pending`, transport `proposed` |
/// | `pending` | `accept_transport_time` | family (transport `proposed`) | `confirmed`, transport `agreed` |
/// | `confirmed` | `done` | home, from the first service date | `done` |
/// | `pending`, `confirmed` | `cancel` | family | `cancelled` |
pub fn allowed(
    status: &str,
    transport: Option<&str>,
    party: Party,
    due: bool,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    match party {
        Party::Citizen => {
            if status == "pending" && transport == Some("proposed") {
                out.push("accept_transport_time");
            }
            if ACTIVE.contains(&status) {
                out.push("cancel");
            }
        }
        Party::Home => {
            if status == "pending" && transport != Some("proposed") {
                out.push("confirm");
            }
            if ACTIVE.contains(&status) && transport.is_some() {
                out.push("propose_transport_time");
            }
            if status == "confirmed" && due {
                out.push("done");
            }
        }
    }
    out
}

/// A catalogue item as priced.
#[derive(Clone, Debug)]
pub struct Priced {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub price_fen: i64,
    pub basic: bool,
}

/// One line of a booking, priced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub quantity: i32,
    pub unit_price_fen: i64,
    /// A basic service the bureau pays for (惠民殡葬): the family pays 0.
    pub free: bool,
    pub amount_fen: i64,
}

/// Prices the chosen items: basic services cost the family nothing, the rest price ×
/// quantity. Returns the lines in order and the total in fen.
pub fn price(chosen: &[(Priced, i32)]) -> (Vec<Line>, i64) {
    let lines: Vec<Line> = chosen
        .iter()
        .map(|(item, quantity)| Line {
            code: item.code.clone(),
            name: item.name.clone(),
            kind: item.kind.clone(),
            quantity: *quantity,
            unit_price_fen: item.price_fen,
            free: item.basic,
            amount_fen: if item.basic {
                0
            } else {
                item.price_fen.saturating_mul(i64::from(*quantity))
            },
        })
        .collect();
    let total = lines.iter().map(|l| l.amount_fen).sum();
    (lines, total)
}

/// What the booking asks for besides the items.
#[derive(Clone, Copy, Debug)]
pub struct Choices {
    pub transport: bool,
    pub farewell: bool,
    pub cremation: bool,
}

/// The kind that does not match the choices, if any: a transport, farewell or cremation
/// item needs its request or slot, and each request or slot needs an item of its kind
/// (else the total would not cover it).
pub fn mismatch(kinds: &[&str], c: Choices) -> Option<&'static str> {
    [
        ("transport", c.transport),
        ("farewell", c.farewell),
        ("cremation", c.cremation),
    ]
    .into_iter()
    .find(|(kind, chosen)| kinds.contains(kind) != *chosen)
    .map(|(kind, _)| kind)
}

/// Whether a date of death is possible: not after today, not before the birth date.
pub fn date_of_death_ok(date: NaiveDate, birth: NaiveDate, today: NaiveDate) -> bool {
    date <= today && date >= birth
}

/// A phone number as people write it: 7 to 20 digits, with `-`, spaces or a leading `+`.
pub fn phone_ok(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (7..=20).contains(&digits)
        && text
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == '-' || c == ' ' || (c == '+' && i == 0))
}

/// A home's minimum gaps between its services, in minutes (each home sets its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gaps {
    /// From the body's pick-up to the first service at the home (the drive and the
    /// preparation of the body).
    pub transport: i64,
    /// From the end of the farewell to the cremation.
    pub farewell: i64,
}

/// A home that set none: half an hour to bring the body; the cremation may follow the
/// farewell at once.
pub const DEFAULT_GAPS: Gaps = Gaps {
    transport: 30,
    farewell: 0,
};

/// The longest gap a home may set (a day).
pub const MAX_GAP_MINUTES: i64 = 1440;

/// Which two services came in an impossible order.
#[derive(Debug, PartialEq, Eq)]
pub enum OrderError {
    TransportAfterFarewell,
    TransportAfterCremation,
    FarewellAfterCremation,
}

/// The services happen in their one possible order: the body is transported, then the
/// farewell is held, then the cremation, with the home's minimum gaps between them. Each
/// is optional; a farewell is `(start, end)`.
pub fn check_order(
    gaps: Gaps,
    transport: Option<chrono::DateTime<chrono::Utc>>,
    farewell: Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>,
    cremation: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), OrderError> {
    let transport_gap = chrono::Duration::minutes(gaps.transport);
    let farewell_gap = chrono::Duration::minutes(gaps.farewell);
    if let (Some(t), Some((start, _))) = (transport, farewell)
        && t + transport_gap > start
    {
        return Err(OrderError::TransportAfterFarewell);
    }
    if let (Some(t), Some(c)) = (transport, cremation)
        && t + transport_gap > c
    {
        return Err(OrderError::TransportAfterCremation);
    }
    if let (Some((_, end)), Some(c)) = (farewell, cremation)
        && end + farewell_gap > c
    {
        return Err(OrderError::FarewellAfterCremation);
    }
    Ok(())
}

/// A death certificate number (医学死亡证明编号): 4 to 40 letters, digits or `-`.
pub fn certificate_number_ok(text: &str) -> bool {
    (4..=40).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// All but the last four characters hidden: `**********3456`.
pub fn mask_tail(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let keep = chars.len().min(4);
    let hidden = chars.len() - keep;
    format!(
        "{}{}",
        "*".repeat(hidden),
        chars[hidden..].iter().collect::<String>()
    )
}

/// A phone number with the middle hidden: `138****5678`.
pub fn mask_phone(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 8 {
        return mask_tail(text);
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// An address with only its first six characters shown: `通州区运河东***`.
pub fn mask_address(text: &str) -> String {
    let head: String = text.chars().take(6).collect();
    format!("{head}***")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, kind: &str, price_fen: i64, basic: bool) -> Priced {
        Priced {
            code: code.into(),
            name: code.into(),
            kind: kind.into(),
            price_fen,
            basic,
        }
    }

    #[test]
    fn basic_services_are_free_and_the_rest_add_up() {
        let (lines, total) = price(&[
            (item("transport", "transport", 30_000, true), 1),
            (item("urn", "goods", 80_000, false), 2),
        ]);
        assert_eq!(lines[0].amount_fen, 0);
        assert!(lines[0].free);
        assert_eq!(
            lines[0].unit_price_fen, 30_000,
            "the list price is still shown"
        );
        assert_eq!(lines[1].amount_fen, 160_000);
        assert_eq!(total, 160_000);
    }

    #[test]
    fn items_must_match_the_choices_both_ways() {
        let none = Choices {
            transport: false,
            farewell: false,
            cremation: true,
        };
        assert_eq!(mismatch(&["cremation", "goods"], none), None);
        assert_eq!(mismatch(&["farewell", "cremation"], none), Some("farewell"));
        assert_eq!(mismatch(&["goods"], none), Some("cremation"));
    }

    #[test]
    fn the_state_machine_gives_each_party_its_actions() {
        assert_eq!(
            allowed("pending", Some("proposed"), Party::Home, true),
            ["propose_transport_time"]
        );
        assert_eq!(
            allowed("pending", Some("proposed"), Party::Citizen, true),
            ["accept_transport_time", "cancel"]
        );
        assert_eq!(allowed("confirmed", None, Party::Home, true), ["done"]);
        assert!(
            allowed("confirmed", None, Party::Home, false).is_empty(),
            "not before the day"
        );
        assert!(allowed("done", Some("agreed"), Party::Citizen, true).is_empty());
    }

    #[test]
    fn services_come_in_their_one_order() {
        let at = |h: u32| {
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 10, h, 0, 0).unwrap()
        };
        let check_order = |t, f, c| check_order(DEFAULT_GAPS, t, f, c);
        let slow = Gaps {
            transport: 150,
            farewell: 60,
        };
        assert_eq!(
            super::check_order(slow, Some(at(1)), Some((at(3), at(4))), None),
            Err(OrderError::TransportAfterFarewell),
            "this home needs two and a half hours"
        );
        assert_eq!(
            super::check_order(slow, None, Some((at(3), at(4))), Some(at(4))),
            Err(OrderError::FarewellAfterCremation)
        );
        assert_eq!(
            check_order(Some(at(1)), Some((at(3), at(4))), Some(at(5))),
            Ok(())
        );
        assert_eq!(
            check_order(None, Some((at(6), at(7))), Some(at(0))),
            Err(OrderError::FarewellAfterCremation)
        );
        assert_eq!(
            check_order(Some(at(6)), Some((at(6), at(7))), None),
            Err(OrderError::TransportAfterFarewell),
            "no time to bring the body"
        );
        assert_eq!(
            check_order(Some(at(9)), None, Some(at(8))),
            Err(OrderError::TransportAfterCremation)
        );
        assert_eq!(check_order(Some(at(9)), None, None), Ok(()));
    }

    #[test]
    fn masks_and_checks() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_tail("B110112345"), "******2345");
        assert_eq!(
            mask_address("北京市通州区运河东大街 1 号"),
            "北京市通州区***"
        );
        assert!(phone_ok("+86 138-1234-5678"));
        assert!(!phone_ok("12ab"));
        assert!(certificate_number_ok("B1101-2026-0001"));
        assert!(!certificate_number_ok("x"));
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(date_of_death_ok(
            d("2026-11-28"),
            d("1940-01-01"),
            d("2026-11-29")
        ));
        assert!(!date_of_death_ok(
            d("2026-11-30"),
            d("1940-01-01"),
            d("2026-11-29")
        ));
        assert!(!date_of_death_ok(
            d("1939-12-31"),
            d("1940-01-01"),
            d("2026-11-29")
        ));
    }
}
