//! Wire types of the identity room.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An ID number to check before a form is submitted.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id_number": "11010519491231002X"}))]
pub struct IdNumberCheckRequest {
    /// 18-character resident ID number (居民身份证号码); a lower-case x is accepted.
    pub id_number: String,
}

/// What the server reads from a valid ID number. The number itself comes back masked.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id_number_masked": "110105********002X",
    "region_code": "110105",
    "birth_date": "1949-12-31",
    "sex": "female",
    "age": 76
}))]
pub struct IdNumberCheckDto {
    /// The first six and last four characters; the rest masked.
    pub id_number_masked: String,
    /// The six-digit administrative region code at issue.
    pub region_code: String,
    pub birth_date: chrono::NaiveDate,
    pub sex: SexDto,
    /// Full years today (Beijing time).
    pub age: u32,
}

/// Sex as the ID number encodes it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SexDto {
    Male,
    Female,
}
