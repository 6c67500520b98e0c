//! Certifying in person: consent on paper, the desk comparison, home visits.
use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, delete, post, web};
use futures_util::StreamExt;
use uuid::Uuid;

use super::rules::{State, dto, invalid};
use crate::auth::extract::Staff;
use crate::certification::dto::*;
use crate::certification::ways::{self, ConsentBy, Photos};
use crate::error::{ApiError, Code, Message, Problem};

/// Record the transferee's consent to face processing from the signed form at the desk.
#[utoipa::path(tag = "certification", operation_id = "certification.desk.consent.give", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[post("/desk/certification/transferees/{id}/face-consent")]
pub(super) async fn desk_consent(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = ways::set_consent(&state, *id, ConsentBy::Staff(&staff), true).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Record a withdrawal of consent given at the desk.
#[utoipa::path(tag = "certification", operation_id = "certification.desk.consent.withdraw", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[delete("/desk/certification/transferees/{id}/face-consent")]
pub(super) async fn desk_withdraw(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = ways::set_consent(&state, *id, ConsentBy::Staff(&staff), false).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Reads `chip_photo`, `live_photo` (each at most the upload limit) and `mode`.
pub(super) async fn read_photos(
    mut form: Multipart,
    max: usize,
) -> Result<(Photos, bool), ApiError> {
    let (mut chip, mut live, mut mode) = (None, None, String::from("desk"));
    while let Some(field) = form.next().await {
        let mut field = field.map_err(crate::media::routes::multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(crate::media::routes::multipart_error)?;
            if bytes.len() + chunk.len() > max {
                return Err(ApiError::new(Code::MediaTooLarge));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "chip_photo" => chip = Some(bytes),
            "live_photo" => live = Some(bytes),
            "mode" => mode = String::from_utf8_lossy(&bytes).trim().to_owned(),
            _ => {}
        }
    }
    let home = match mode.as_str() {
        "desk" => false,
        "home_visit" => true,
        _ => {
            return Err(invalid(
                "mode",
                "mode 须为 desk 或 home_visit",
                "desk or home_visit",
            ));
        }
    };
    match (chip, live) {
        (Some(chip), Some(live)) => Ok((Photos { chip, live }, home)),
        _ => Err(
            ApiError::new(Code::MediaFileMissing).with_detail(Message::new(
                "请同时上传身份证芯片照片（chip_photo）和现场照片（live_photo）",
                "send both chip_photo and live_photo",
            )),
        ),
    }
}

/// Compare the ID card chip's photo with a live photo, 1:1, in-process (desk or home
/// visit). Both photos are discarded after the comparison; only the result, the distance
/// and who did it are kept. A match certifies. Needs the `face` build feature; without
/// it the answer is `certification.face_comparison_unavailable`.
#[utoipa::path(tag = "certification", operation_id = "certification.desk.compare", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    request_body(content = ComparisonForm, content_type = "multipart/form-data"),
    responses((status = 200, body = ComparisonDto),
        (status = 503, description = "`certification.face_comparison_unavailable`", body = Problem, content_type = "application/problem+json")))]
#[post("/desk/certification/transferees/{id}/face-comparisons")]
pub(super) async fn compare(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<ComparisonDto>, ApiError> {
    let form = Multipart::new(req.headers(), payload);
    let (photos, home) = read_photos(form, state.media.limits.max_bytes).await?;
    let (certification, distance) = ways::compare(&state, &staff, *id, photos, home).await?;
    Ok(web::Json(ComparisonDto {
        distance,
        threshold: crate::platform::face::compare::THRESHOLD,
        certification: certification.into(),
    }))
}

/// Certify on a home visit without a face check (staff saw the transferee alive): the
/// way for those who withdrew consent or cannot use a phone.
#[utoipa::path(tag = "certification", operation_id = "certification.desk.home_visit", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = CertificationDto)))]
#[post("/desk/certification/transferees/{id}/home-visits")]
pub(super) async fn home_visit(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = ways::home_visit(&state, &staff, *id).await?;
    Ok(HttpResponse::Created().json(CertificationDto::from(row)))
}
