//! A hall's members: invite, join, list, remove.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use uuid::Uuid;

use super::rules::{State, dto};
use crate::auth::extract::Citizen;
use crate::error::ApiError;
use crate::memorial::halls::dto::*;
use crate::memorial::halls::service::{self, Relation};
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};

/// Create a one-use family invitation code, valid 7 days (the creator).
#[utoipa::path(tag = "memorials", operation_id = "memorial.invite", params(("id" = Uuid, Path)), security(("citizen_token" = [])),
    responses((status = 201, body = MemorialInvitationDto)))]
#[post("/memorials/{id}/invitations")]
pub(super) async fn invite(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (code, expires_at) = service::invite(&state, &citizen, *id).await?;
    Ok(
        HttpResponse::build(StatusCode::CREATED).json(MemorialInvitationDto {
            code,
            expires_at: clock::format(expires_at),
        }),
    )
}

/// Join a memorial hall's family with an invitation code (spaces and case do not
/// matter); family members see `family` pages and moderate messages.
#[utoipa::path(tag = "memorials", operation_id = "memorial.join", request_body = MemorialJoinRequest, security(("citizen_token" = [])),
    responses((status = 200, body = MemorialDto)))]
#[post("/memorials/join")]
pub(super) async fn join(
    state: State,
    citizen: Citizen,
    Json(body): Json<MemorialJoinRequest>,
) -> Result<web::Json<MemorialDto>, ApiError> {
    let page = service::join(&state, &citizen, &body.code).await?;
    Ok(web::Json(dto(&state, page, Relation::Family)?))
}

/// The family of a memorial hall, with masked real names (the family only).
#[utoipa::path(tag = "memorials", operation_id = "memorial.members", params(("id" = Uuid, Path), PageQuery), security(("citizen_token" = [])),
    responses((status = 200, body = MemorialMemberListDto)))]
#[get("/memorials/{id}/members")]
pub(super) async fn members(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<MemorialMemberListDto>, ApiError> {
    let all = service::members(&state, &citizen, *id).await?;
    let page = slice(all, &page, |(citizen_id, ..)| citizen_id.to_string())?;
    let items = page
        .rows
        .into_iter()
        .map(
            |(citizen_id, relation, at, name_masked)| MemorialMemberDto {
                citizen_id,
                name_masked,
                role: relation.as_str().into(),
                joined_at: clock::format(at),
            },
        )
        .collect();
    Ok(web::Json(MemorialMemberListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Remove a family member (the creator), or leave the family (the member).
#[utoipa::path(tag = "memorials", operation_id = "memorial.member.remove", params(("id" = Uuid, Path), ("citizen_id" = Uuid, Path)), security(("citizen_token" = [])),
    responses((status = 204, description = "Removed")))]
#[delete("/memorials/{id}/members/{citizen_id}")]
pub(super) async fn remove_member(
    state: State,
    citizen: Citizen,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, member) = path.into_inner();
    service::remove_member(&state, &citizen, id, member).await?;
    Ok(HttpResponse::NoContent().finish())
}
