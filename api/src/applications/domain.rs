//! Rules of applications, free of storage: what a service definition holds, how a form
//! is checked against it, the state machine, and deadlines in working days.
use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The service codes (GLOSSARY.md).
pub const SERVICES: [&str; 8] = [
    "dibao",
    "low_income",
    "extreme_hardship",
    "temporary_relief",
    "education_grant",
    "heating_subsidy",
    "disability_living_allowance",
    "disability_care_allowance",
];

/// One field of a service's form, as a mini-program renders it.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The key in `values`.
    pub key: String,
    pub label: String,
    /// `text`, `number`, `integer`, `boolean`, `date`, `choice`, `phone`.
    #[serde(rename = "type")]
    #[schema(value_type = super::states::FormFieldType)]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
    /// `text`: at most this many characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// `number`, `integer`: bounds, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// `choice`: the allowed values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// A material to upload.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialDef {
    pub code: String,
    pub label: String,
    pub required: bool,
}

/// A service's definition (one version of it).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "城乡最低生活保障", "routed_by": "hukou", "needs_district_approval": true, "accept_days": 5, "decide_days": 25, "urgent_allowed": false,
    "fields": [{"key": "phone", "label": "联系电话", "type": "phone", "required": true}, {"key": "housing", "label": "住房情况", "type": "choice", "required": true, "options": ["own", "rent", "other"]}],
    "materials": [{"code": "id_card", "label": "身份证", "required": true}, {"code": "income_proof", "label": "收入证明", "required": true}]}))]
pub struct ServiceDef {
    pub name: String,
    /// Which declared street is responsible: `hukou` (户籍地) or `residence` (居住地).
    #[schema(value_type = super::states::ServiceRouting)]
    pub routed_by: String,
    /// Whether a district approver decides after the street's review.
    pub needs_district_approval: bool,
    /// Working days from submission to acceptance, and to the decision (time spent
    /// waiting for a supplement does not count).
    pub accept_days: u32,
    pub decide_days: u32,
    /// Whether an application may be marked urgent (temporary relief).
    #[serde(default)]
    pub urgent_allowed: bool,
    pub fields: Vec<FieldDef>,
    pub materials: Vec<MaterialDef>,
}

/// A problem with a definition or a form value: the field path and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub reason: &'static str,
}

fn problem(field: String, reason: &'static str) -> Problem {
    Problem { field, reason }
}

const KINDS: [&str; 7] = [
    "text", "number", "integer", "boolean", "date", "choice", "phone",
];

/// Checks a definition an admin sends.
pub fn check_definition(def: &ServiceDef) -> Vec<Problem> {
    let mut problems = Vec::new();
    if def.name.trim().is_empty() || def.name.chars().count() > 40 {
        problems.push(problem("name".into(), "length"));
    }
    if !matches!(def.routed_by.as_str(), "hukou" | "residence") {
        problems.push(problem("routed_by".into(), "value"));
    }
    if !(1..=60).contains(&def.accept_days) {
        problems.push(problem("accept_days".into(), "range"));
    }
    if !(def.accept_days..=120).contains(&def.decide_days) {
        problems.push(problem("decide_days".into(), "range"));
    }
    let mut keys = std::collections::HashSet::new();
    for (i, f) in def.fields.iter().enumerate() {
        if !is_code(&f.key) || !keys.insert(f.key.clone()) {
            problems.push(problem(format!("fields[{i}].key"), "format"));
        }
        if !KINDS.contains(&f.kind.as_str()) {
            problems.push(problem(format!("fields[{i}].type"), "value"));
        }
        if f.kind == "choice" && f.options.is_empty() {
            problems.push(problem(format!("fields[{i}].options"), "required"));
        }
    }
    let mut codes = std::collections::HashSet::new();
    for (i, m) in def.materials.iter().enumerate() {
        if !is_code(&m.code) || !codes.insert(m.code.clone()) {
            problems.push(problem(format!("materials[{i}].code"), "format"));
        }
    }
    problems
}

fn is_code(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks form values against the definition: unknown keys, types and bounds. With
/// `complete`, required fields must be there too (at submission).
pub fn check_values(
    def: &ServiceDef,
    values: &BTreeMap<String, Value>,
    complete: bool,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for key in values.keys() {
        if !def.fields.iter().any(|f| &f.key == key) {
            problems.push(problem(format!("values.{key}"), "unknown"));
        }
    }
    for f in &def.fields {
        let path = format!("values.{}", f.key);
        match values.get(&f.key) {
            None | Some(Value::Null) => {
                if complete && f.required {
                    problems.push(problem(path, "required"));
                }
            }
            Some(v) => {
                if let Err(reason) = check_value(f, v) {
                    problems.push(problem(path, reason));
                }
            }
        }
    }
    problems
}

fn check_value(f: &FieldDef, v: &Value) -> Result<(), &'static str> {
    let in_bounds = |n: f64| f.min.is_none_or(|min| n >= min) && f.max.is_none_or(|max| n <= max);
    match f.kind.as_str() {
        "text" => {
            let text = v.as_str().ok_or("type")?;
            if text.trim().is_empty() && f.required {
                return Err("required");
            }
            if text.chars().count() > f.max_length.unwrap_or(500) {
                return Err("length");
            }
        }
        "phone" => {
            let text = v.as_str().ok_or("type")?;
            let mobile = text.len() == 11
                && text.starts_with('1')
                && text.bytes().all(|b| b.is_ascii_digit());
            if !mobile {
                return Err("format");
            }
        }
        "number" => {
            let n = v.as_f64().ok_or("type")?;
            if !in_bounds(n) {
                return Err("range");
            }
        }
        "integer" => {
            let n = v.as_i64().ok_or("type")?;
            if !in_bounds(n as f64) {
                return Err("range");
            }
        }
        "boolean" => {
            v.as_bool().ok_or("type")?;
        }
        "date" => {
            let text = v.as_str().ok_or("type")?;
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| "format")?;
        }
        "choice" => {
            let text = v.as_str().ok_or("type")?;
            if !f.options.iter().any(|o| o == text) {
                return Err("value");
            }
        }
        _ => return Err("type"),
    }
    Ok(())
}

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

/// The eight services as seeded: common local rules (RULES.md), which admins adjust.
#[expect(
    clippy::too_many_lines,
    reason = "the seeded rules, written out as data"
)]
pub fn seed_definitions() -> Vec<(&'static str, ServiceDef)> {
    let text = |key: &str, label: &str, required: bool| FieldDef {
        key: key.into(),
        label: label.into(),
        kind: "text".into(),
        required,
        max_length: Some(500),
        min: None,
        max: None,
        options: Vec::new(),
    };
    let typed = |key: &str, label: &str, kind: &str, min: Option<f64>, max: Option<f64>| FieldDef {
        key: key.into(),
        label: label.into(),
        kind: kind.into(),
        required: true,
        max_length: None,
        min,
        max,
        options: Vec::new(),
    };
    let choice = |key: &str, label: &str, options: &[&str]| FieldDef {
        key: key.into(),
        label: label.into(),
        kind: "choice".into(),
        required: true,
        max_length: None,
        min: None,
        max: None,
        options: options.iter().map(|o| (*o).into()).collect(),
    };
    let material = |code: &str, label: &str, required: bool| MaterialDef {
        code: code.into(),
        label: label.into(),
        required,
    };
    let phone = typed("phone", "联系电话", "phone", None, None);
    let address = text("address", "现住址", true);
    let reason = text("reason", "申请理由", true);
    let id_card = material("id_card", "申请人身份证", true);
    let hukou_book = material("hukou_book", "户口簿", true);
    let other = material("other", "其他证明材料", false);
    let service = |name: &str,
                   routed_by: &str,
                   approval: bool,
                   accept: u32,
                   decide: u32,
                   fields: Vec<FieldDef>,
                   materials: Vec<MaterialDef>| ServiceDef {
        name: name.into(),
        routed_by: routed_by.into(),
        needs_district_approval: approval,
        accept_days: accept,
        decide_days: decide,
        urgent_allowed: false,
        fields,
        materials,
    };
    let mut relief = service(
        "临时救助",
        "residence",
        false,
        2,
        15,
        vec![
            phone.clone(),
            address.clone(),
            choice(
                "emergency",
                "困难类型",
                &["illness", "accident", "disaster", "other"],
            ),
            typed(
                "amount_needed",
                "申请金额（元）",
                "number",
                Some(0.0),
                Some(100_000.0),
            ),
            reason.clone(),
        ],
        vec![
            id_card.clone(),
            material("hardship_proof", "困难情况证明", true),
            other.clone(),
        ],
    );
    relief.urgent_allowed = true;
    let means_tested = |name: &str| {
        service(
            name,
            "hukou",
            true,
            5,
            25,
            vec![
                phone.clone(),
                address.clone(),
                choice("housing", "住房情况", &["own", "rent", "other"]),
                reason.clone(),
            ],
            vec![
                id_card.clone(),
                hukou_book.clone(),
                material("income_proof", "家庭收入证明", true),
                other.clone(),
            ],
        )
    };
    let disability = |name: &str, max_grade: f64, approval: bool| {
        service(
            name,
            "hukou",
            approval,
            5,
            20,
            vec![
                phone.clone(),
                address.clone(),
                text("disability_certificate_no", "残疾人证号", true),
                typed(
                    "disability_grade",
                    "残疾等级",
                    "integer",
                    Some(1.0),
                    Some(max_grade),
                ),
                reason.clone(),
            ],
            vec![
                id_card.clone(),
                material("disability_certificate", "残疾人证", true),
                other.clone(),
            ],
        )
    };
    vec![
        ("dibao", means_tested("城乡最低生活保障")),
        ("low_income", means_tested("低收入家庭认定")),
        (
            "extreme_hardship",
            service(
                "特困人员供养",
                "hukou",
                true,
                5,
                25,
                vec![
                    phone.clone(),
                    address.clone(),
                    typed("able_to_work", "是否有劳动能力", "boolean", None, None),
                    choice(
                        "supporters",
                        "法定赡养、抚养、扶养人情况",
                        &["none", "unable"],
                    ),
                    reason.clone(),
                ],
                vec![id_card.clone(), hukou_book.clone(), other.clone()],
            ),
        ),
        ("temporary_relief", relief),
        (
            "education_grant",
            service(
                "高等教育新生入学救助",
                "hukou",
                false,
                5,
                15,
                vec![
                    phone.clone(),
                    text("student_name", "学生姓名", true),
                    text("university", "录取院校", true),
                    typed(
                        "admission_year",
                        "入学年份",
                        "integer",
                        Some(2020.0),
                        Some(2100.0),
                    ),
                ],
                vec![
                    id_card.clone(),
                    material("admission_letter", "录取通知书", true),
                    other.clone(),
                ],
            ),
        ),
        (
            "heating_subsidy",
            service(
                "采暖救助",
                "hukou",
                false,
                5,
                15,
                vec![
                    phone.clone(),
                    address.clone(),
                    choice(
                        "heating",
                        "采暖方式",
                        &["central", "electric", "gas", "coal"],
                    ),
                    typed(
                        "area_m2",
                        "采暖面积（平方米）",
                        "number",
                        Some(1.0),
                        Some(500.0),
                    ),
                ],
                vec![id_card.clone(), other.clone()],
            ),
        ),
        (
            "disability_living_allowance",
            disability("困难残疾人生活补贴", 4.0, false),
        ),
        (
            "disability_care_allowance",
            disability("重度残疾人护理补贴", 2.0, true),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn the_seeded_definitions_are_valid() {
        let defs = seed_definitions();
        assert_eq!(defs.len(), SERVICES.len());
        for (code, def) in defs {
            assert!(SERVICES.contains(&code));
            assert_eq!(check_definition(&def), vec![], "{code}");
        }
    }

    #[test]
    fn values_are_checked_by_type_bounds_and_presence() {
        let (_, def) = seed_definitions()
            .into_iter()
            .find(|(c, _)| *c == "heating_subsidy")
            .unwrap();
        let values: BTreeMap<String, Value> = serde_json::from_value(serde_json::json!({"phone": "1381234567", "area_m2": 900, "heating": "wood", "colour": "red"})).unwrap();
        let problems = check_values(&def, &values, true);
        let reasons: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.reason))
            .collect();
        assert!(reasons.contains(&("values.colour", "unknown")));
        assert!(reasons.contains(&("values.phone", "format")));
        assert!(reasons.contains(&("values.area_m2", "range")));
        assert!(reasons.contains(&("values.heating", "value")));
        assert!(reasons.contains(&("values.address", "required")));
        assert!(
            check_values(&def, &BTreeMap::new(), false).is_empty(),
            "a draft may be partial"
        );
    }

    #[test]
    fn the_state_machine_knows_who_may_do_what() {
        assert_eq!(
            next("submitted", "accept", Party::Reviewer, false),
            Some("under_review")
        );
        assert_eq!(next("submitted", "accept", Party::Citizen, false), None);
        assert_eq!(
            next("under_review", "approve", Party::Reviewer, true),
            None,
            "the district decides"
        );
        assert_eq!(
            next("under_review", "forward", Party::Reviewer, false),
            None,
            "nothing to forward to"
        );
        assert_eq!(
            next("awaiting_approval", "approve", Party::Approver, true),
            Some("approved")
        );
        assert_eq!(
            allowed("under_review", Party::Reviewer, true),
            vec!["request_supplement", "record_visit", "forward"]
        );
        assert_eq!(
            allowed("approved", Party::Citizen, false),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn working_days_skip_weekends() {
        let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let working = |d: NaiveDate| d.weekday().number_from_monday() <= 5;
        assert_eq!(
            add_working_days(friday, 1, working),
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
        assert_eq!(
            add_working_days(friday, 5, working),
            NaiveDate::from_ymd_opt(2026, 12, 11).unwrap()
        );
        assert_eq!(
            working_days_between(
                friday,
                NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
                working
            ),
            2
        );
    }
}
