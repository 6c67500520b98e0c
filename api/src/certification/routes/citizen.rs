//! A citizen's own certification: what they may certify, consent, WeChat and FaceID checks,
//! asking for a review.
use actix_web::{HttpResponse, delete, get, post, web};
use uuid::Uuid;

use super::rules::{State, attempts_left, dto, invalid, review_dtos};
use crate::auth::extract::Citizen;
use crate::certification::dto::*;
use crate::certification::service;
use crate::certification::ways::{self, ConsentBy};
use crate::error::{ApiError, Problem};
use crate::platform::extract::{Json, Query};
use crate::platform::face::Provider;
use crate::platform::pagination::{PageQuery, slice};

/// The transferees you may certify for: yourself (your real name's ID number is in the
/// registry) and those who made you their proxy for `survival_certification`.
#[utoipa::path(tag = "certification", operation_id = "certification.mine", security(("citizen_token" = [])), params(PageQuery),
    responses((status = 200, body = MineDto)))]
#[get("/certification/mine")]
pub(super) async fn mine(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<MineDto>, ApiError> {
    let all = service::mine(&state, citizen.id).await?;
    let page = slice(all, &page, |(t, _)| t.id.to_string())?;
    let mut items = Vec::new();
    for (t, as_proxy) in page.rows {
        let attempts_left_today = attempts_left(&state, &t);
        items.push(MineItem {
            as_proxy,
            attempts_left_today,
            transferee: dto(&state, t).await?,
        });
    }
    Ok(web::Json(MineDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Give your separate consent to face processing (the transferee's own account only;
/// staff record a signed form at the desk). Needed before any face check.
#[utoipa::path(tag = "certification", operation_id = "certification.consent.give", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[post("/certification/transferees/{id}/face-consent")]
pub(super) async fn give_consent(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = ways::set_consent(&state, *id, ConsentBy::Transferee(&citizen), true).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Withdraw the consent: face checks stop; a manual review or a home visit remain.
#[utoipa::path(tag = "certification", operation_id = "certification.consent.withdraw", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[delete("/certification/transferees/{id}/face-consent")]
pub(super) async fn withdraw_consent(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = ways::set_consent(&state, *id, ConsentBy::Transferee(&citizen), false).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Start a WeChat face verification for the transferee (from a WeChat-signed-in account;
/// a proxy's own account checks the transferee's face). The server asks WeChat for a
/// `verify_id` with the registered name and ID number; pass it to
/// `wx.requestFacialVerify`, then confirm the attempt. Counts against the daily limit.
#[utoipa::path(tag = "certification", operation_id = "certification.wechat.start", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = WechatStartDto),
        (status = 503, description = "`certification.provider_unavailable`", body = Problem, content_type = "application/problem+json")))]
#[post("/certification/transferees/{id}/wechat-verifications")]
pub(super) async fn start_wechat(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let started = ways::start(&state, &citizen, *id, Provider::Wechat).await?;
    Ok(HttpResponse::Created().json(WechatStartDto {
        attempt_id: started.attempt.id,
        verify_id: started.attempt.session_id,
        expires_in: started.expires_in,
    }))
}

/// Start a Tencent Cloud FaceID check (app clients): pass `face_id_token` to the SDK,
/// then confirm the attempt. Same rules as the WeChat way.
#[utoipa::path(tag = "certification", operation_id = "certification.faceid.start", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = FaceIdStartDto),
        (status = 503, description = "`certification.provider_unavailable`", body = Problem, content_type = "application/problem+json")))]
#[post("/certification/transferees/{id}/faceid-verifications")]
pub(super) async fn start_faceid(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let started = ways::start(&state, &citizen, *id, Provider::FaceId).await?;
    Ok(HttpResponse::Created().json(FaceIdStartDto {
        attempt_id: started.attempt.id,
        face_id_token: started.attempt.session_id,
        expires_in: started.expires_in,
    }))
}

/// Confirm a started face check: the server asks the provider for the result (never
/// trusting the client), once per attempt. A pass certifies (and resumes a suspended
/// allowance, recording the back pay); a failed face counts towards manual review,
/// which opens after the configured number (3).
#[utoipa::path(tag = "certification", operation_id = "certification.attempt.confirm", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CertificationDto),
        (status = 502, description = "`certification.provider_error` (WeChat verify_ret 90199)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`certification.provider_unavailable`", body = Problem, content_type = "application/problem+json")))]
#[post("/certification/attempts/{id}/confirm")]
pub(super) async fn confirm(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<CertificationDto>, ApiError> {
    Ok(web::Json(ways::finish(&state, &citizen, *id).await?.into()))
}

/// Ask for a manual review (answered within 3 working days), e.g. after withdrawing
/// consent; one open review at a time.
#[utoipa::path(tag = "certification", operation_id = "certification.review.request", request_body = ReviewRequest, security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = ReviewDto)))]
#[post("/certification/transferees/{id}/reviews")]
pub(super) async fn ask_review(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Json(body): Json<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let note = body
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(invalid(
            "note",
            "说明不超过 500 字",
            "at most 500 characters",
        ));
    }
    let row = ways::request_review(&state, &citizen, *id, note).await?;
    Ok(HttpResponse::Created().json(review_dtos(&state, vec![row]).await?.remove(0)))
}
