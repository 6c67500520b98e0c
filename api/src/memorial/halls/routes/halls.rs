//! Halls: lists, create, read, update, portrait, share link.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use uuid::Uuid;

use super::rules::{MaybeCaller, State, dto, paging};
use crate::auth::extract::Citizen;
use crate::error::ApiError;
use crate::memorial::halls::dto::*;
use crate::memorial::halls::service::{self, Relation, Viewer};
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::Page;

/// Public memorial halls, newest first (anyone, no sign-in).
#[utoipa::path(tag = "memorials", operation_id = "memorial.list_public", params(ListQuery),
    responses((status = 200, body = MemorialPageDto)))]
#[get("/memorials")]
pub(super) async fn list_public(
    state: State,
    Query(q): Query<ListQuery>,
) -> Result<web::Json<MemorialPageDto>, ApiError> {
    let (limit, after) = paging(q.limit, q.cursor)?;
    let rows = service::list_public(&state.db, after, limit).await?;
    let page = Page::try_from_rows(
        rows,
        limit,
        |r| r.id.to_string(),
        |r| dto(&state, r, Relation::Visitor),
    )?;
    Ok(web::Json(MemorialPageDto {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// The memorial halls you created or are invited family of, newest first.
#[utoipa::path(tag = "memorials", operation_id = "memorial.list_mine", params(ListQuery), security(("citizen_token" = [])),
    responses((status = 200, body = MemorialPageDto)))]
#[get("/memorials/mine")]
pub(super) async fn list_mine(
    state: State,
    citizen: Citizen,
    Query(q): Query<ListQuery>,
) -> Result<web::Json<MemorialPageDto>, ApiError> {
    let (limit, after) = paging(q.limit, q.cursor)?;
    let rows = service::list_mine(&state.db, citizen.id, after, limit).await?;
    let page = Page::try_from_rows(
        rows,
        limit,
        |(r, _)| r.id.to_string(),
        |(r, rel)| dto(&state, r, rel),
    )?;
    Ok(web::Json(MemorialPageDto {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Create a memorial hall for a deceased person (citizens with a verified real name).
/// Honours `Idempotency-Key`. The answer carries the share-link token.
#[utoipa::path(tag = "memorials", operation_id = "memorial.create", request_body = MemorialRequest, security(("citizen_token" = [])),
    responses((status = 201, body = MemorialDto)))]
#[post("/memorials")]
pub(super) async fn create(
    state: State,
    citizen: Citizen,
    Json(body): Json<MemorialRequest>,
) -> Result<HttpResponse, ApiError> {
    let details = service::details(body)?;
    let page = service::create(&state, &citizen, details).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(dto(&state, page, Relation::Owner)?))
}

/// One memorial hall: `public` ones for anyone, `link` ones with `token`, `family` ones
/// for the creator and invited family; district staff see all. A page taken down
/// answers 410 to visitors; the family sees its status and the reason.
#[utoipa::path(tag = "memorials", operation_id = "memorial.get", params(("id" = Uuid, Path), AccessQuery),
    security((), ("citizen_token" = []), ("staff_token" = [])),
    responses((status = 200, body = MemorialDto)))]
#[get("/memorials/{id}")]
pub(super) async fn one(
    state: State,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
    Query(q): Query<AccessQuery>,
) -> Result<web::Json<MemorialDto>, ApiError> {
    let viewer = Viewer::of(caller.0);
    let (page, relation) = service::open(&state.db, *id, &viewer, q.token.as_deref()).await?;
    Ok(web::Json(dto(&state, page, relation)?))
}

/// Replace a memorial hall's details (its creator). Making a page `public` turns
/// pre-review on. Tribute counts are kept.
#[utoipa::path(tag = "memorials", operation_id = "memorial.update", request_body = MemorialRequest, params(("id" = Uuid, Path)), security(("citizen_token" = [])),
    responses((status = 200, body = MemorialDto)))]
#[put("/memorials/{id}")]
pub(super) async fn update(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Json(body): Json<MemorialRequest>,
) -> Result<web::Json<MemorialDto>, ApiError> {
    let details = service::details(body)?;
    let page = service::update(&state, &citizen, *id, details).await?;
    Ok(web::Json(dto(&state, page, Relation::Owner)?))
}

/// The portrait of a memorial hall, to whoever may see the page.
#[utoipa::path(tag = "memorials", operation_id = "memorial.portrait", params(("id" = Uuid, Path), PortraitQuery),
    security((), ("citizen_token" = []), ("staff_token" = [])),
    responses((status = 200, description = "The image", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png")))))]
#[get("/memorials/{id}/portrait")]
pub(super) async fn portrait(
    state: State,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
    Query(q): Query<PortraitQuery>,
) -> Result<HttpResponse, ApiError> {
    let viewer = Viewer::of(caller.0);
    let (page, content_type, bytes) =
        service::portrait(&state, *id, &viewer, q.token.as_deref(), q.thumbnail).await?;
    // Only a public page's portrait may sit in shared caches.
    let cache = if page.visibility == "public" {
        "public, max-age=300"
    } else {
        "private, no-store"
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", cache))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .content_type(content_type)
        .body(bytes))
}

/// Replace the share link of a memorial hall (its creator): the old `token` stops
/// working at once. The answer carries the new one.
#[utoipa::path(tag = "memorials", operation_id = "memorial.share_link.rotate", params(("id" = Uuid, Path)), security(("citizen_token" = [])),
    responses((status = 200, body = MemorialDto)))]
#[post("/memorials/{id}/share-link")]
pub(super) async fn rotate_link(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<MemorialDto>, ApiError> {
    let page = service::rotate_link(&state, &citizen, *id).await?;
    Ok(web::Json(dto(&state, page, Relation::Owner)?))
}
