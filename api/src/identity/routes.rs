//! Identity routes.
use actix_web::post;
use utoipa_actix_web::service_config::ServiceConfig;

use super::domain::{IdNumber, Sex};
use super::dto::{IdNumberCheckDto, IdNumberCheckRequest, SexDto};
use crate::error::{ApiError, Code, FieldError, Message, Problem};
use crate::platform::clock;
use crate::platform::extract::Json;

/// Mounts the identity routes under `/api/v1/identity`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(check_id_number);
}

/// Check an ID number (身份证号码校验).
///
/// Checks the format, the province code, the birth date and the check character, and
/// answers with what the number encodes. Nothing is stored. Clients call it to give
/// instant feedback on a form; the same rules apply wherever an ID number is submitted.
#[utoipa::path(
    tag = "identity",
    operation_id = "identity.id_number.check",
    request_body = IdNumberCheckRequest,
    responses(
        (status = 200, description = "The number is valid", body = IdNumberCheckDto),
        (status = 422, description = "`identity.id_number_invalid` (reasons `format`, `region`, `birth_date`, `checksum`), `request.invalid_body`, `request.unknown_field`", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:minzheng:problem:identity.id_number_invalid", "title": "身份证号码无效", "status": 422, "detail": "身份证号码无效", "code": "identity.id_number_invalid", "errors": [{"field": "id_number", "reason": "checksum", "message": "身份证号码校验位不正确，请核对每一位"}], "request_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71"})),
    )
)]
#[post("/id-number-checks")]
async fn check_id_number(
    Json(req): Json<IdNumberCheckRequest>,
) -> Result<actix_web::web::Json<IdNumberCheckDto>, ApiError> {
    let today = clock::today();
    let id = IdNumber::parse(&req.id_number, today).map_err(|e| {
        ApiError::new(Code::IdNumberInvalid).with_field(FieldError {
            field: "id_number".into(),
            reason: e.reason(),
            message: Message::new(e.message_zh(), e.message_en()),
        })
    })?;
    Ok(actix_web::web::Json(IdNumberCheckDto {
        id_number_masked: id.masked(),
        region_code: id.region_code().to_owned(),
        birth_date: id.birth_date(),
        sex: match id.sex() {
            Sex::Male => SexDto::Male,
            Sex::Female => SexDto::Female,
        },
        age: id.age_on(today),
    }))
}
