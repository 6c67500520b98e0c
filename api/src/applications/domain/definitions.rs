//! Service definitions: the catalogue's form fields and materials, checked when an admin
//! saves one and when a citizen fills one in.
use std::collections::BTreeMap;

use chrono::NaiveDate;
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
    #[schema(value_type = crate::applications::states::FormFieldType)]
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
    #[schema(value_type = crate::applications::states::ServiceRouting)]
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

pub(super) fn problem(field: String, reason: &'static str) -> Problem {
    Problem { field, reason }
}

pub(super) const KINDS: [&str; 7] = [
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

pub(super) fn is_code(text: &str) -> bool {
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

pub(super) fn check_value(f: &FieldDef, v: &Value) -> Result<(), &'static str> {
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
