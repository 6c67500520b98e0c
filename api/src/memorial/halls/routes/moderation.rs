//! Staff moderation of messages, halls and sensitive words.
use actix_web::{get, post, put, web};
use uuid::Uuid;

use super::rules::{State, dto, message_dto, paging};
use crate::auth::extract::{Admin, Caller, Staff};
use crate::error::{ApiError, Code};
use crate::memorial::halls::dto::*;
use crate::memorial::halls::service::{self, Moderation, Relation, Viewer};
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::Page;
use crate::state::AppState;

pub(super) async fn moderate(
    state: &AppState,
    caller: Caller,
    path: (Uuid, Uuid),
    step: Moderation,
) -> Result<web::Json<MemorialMessageDto>, ApiError> {
    let viewer = Viewer::of(Some(caller));
    let (message, relation) = service::moderate(state, &viewer, path.0, path.1, step).await?;
    Ok(web::Json(message_dto(message, relation, &viewer)))
}

/// Approve a message so that it shows (the family for pre-review holds; district staff
/// for any, including sensitive-word holds). Also brings back a hidden one.
#[utoipa::path(tag = "memorials", operation_id = "memorial.message.approve", params(("id" = Uuid, Path), ("message_id" = Uuid, Path)),
    security(("citizen_token" = []), ("staff_token" = [])),
    responses((status = 200, body = MemorialMessageDto)))]
#[post("/memorials/{id}/messages/{message_id}/approve")]
pub(super) async fn approve(
    state: State,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<MemorialMessageDto>, ApiError> {
    moderate(&state, caller, path.into_inner(), Moderation::Approve).await
}

/// Hide a message (the family, or district staff).
#[utoipa::path(tag = "memorials", operation_id = "memorial.message.hide", params(("id" = Uuid, Path), ("message_id" = Uuid, Path)),
    security(("citizen_token" = []), ("staff_token" = [])),
    responses((status = 200, body = MemorialMessageDto)))]
#[post("/memorials/{id}/messages/{message_id}/hide")]
pub(super) async fn hide(
    state: State,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<MemorialMessageDto>, ApiError> {
    moderate(&state, caller, path.into_inner(), Moderation::Hide).await
}

/// Held messages that wait for staff (sensitive-word hits), oldest first (district
/// admins, reviewers and approvers).
#[utoipa::path(tag = "memorials", operation_id = "memorial.moderation.queue", params(ListQuery), security(("staff_token" = [])),
    responses((status = 200, body = MemorialMessagePageDto)))]
#[get("/moderation/memorial-messages")]
pub(super) async fn staff_queue(
    state: State,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<web::Json<MemorialMessagePageDto>, ApiError> {
    if !service::is_moderator(&staff) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let (limit, after) = paging(q.limit, q.cursor)?;
    let rows = service::staff_queue(&state.db, after, limit).await?;
    let viewer = Viewer::Staff(staff);
    let page = Page::from_rows(
        rows,
        limit,
        |m| m.id.to_string(),
        |m| message_dto(m, Relation::Staff, &viewer),
    );
    Ok(web::Json(MemorialMessagePageDto {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Take a memorial hall down, with the reason (district admins, reviewers, approvers).
/// Visitors then get 410; the family sees the status and the reason.
#[utoipa::path(tag = "memorials", operation_id = "memorial.take_down", request_body = MemorialReasonRequest, params(("id" = Uuid, Path)), security(("staff_token" = [])),
    responses((status = 200, body = MemorialDto)))]
#[post("/memorials/{id}/take-down")]
pub(super) async fn take_down(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Json(body): Json<MemorialReasonRequest>,
) -> Result<web::Json<MemorialDto>, ApiError> {
    let page = service::set_status(&state, &staff, *id, true, body.reason).await?;
    Ok(web::Json(dto(&state, page, Relation::Staff)?))
}

/// Restore a memorial hall that was taken down (district admins, reviewers, approvers).
#[utoipa::path(tag = "memorials", operation_id = "memorial.restore", request_body = MemorialReasonRequest, params(("id" = Uuid, Path)), security(("staff_token" = [])),
    responses((status = 200, body = MemorialDto)))]
#[post("/memorials/{id}/restore")]
pub(super) async fn restore(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Json(body): Json<MemorialReasonRequest>,
) -> Result<web::Json<MemorialDto>, ApiError> {
    let page = service::set_status(&state, &staff, *id, false, body.reason).await?;
    Ok(web::Json(dto(&state, page, Relation::Staff)?))
}

/// The sensitive-word list of memorial messages (district admins).
#[utoipa::path(tag = "memorials", operation_id = "memorial.sensitive_words.get", security(("staff_token" = [])),
    responses((status = 200, body = SensitiveWordsDto)))]
#[get("/admin/sensitive-words")]
pub(super) async fn get_words(
    state: State,
    admin: Admin,
) -> Result<web::Json<SensitiveWordsDto>, ApiError> {
    let words = service::words(&state, &admin.0).await?;
    Ok(web::Json(SensitiveWordsDto { words }))
}

/// Replace the sensitive-word list (district admins). Words are kept in their normal
/// form; messages are matched ignoring case, full-width forms and anything between
/// the characters that is not a letter or digit. Applies to new messages.
#[utoipa::path(tag = "memorials", operation_id = "memorial.sensitive_words.save", request_body = SensitiveWordsRequest, security(("staff_token" = [])),
    responses((status = 200, body = SensitiveWordsDto)))]
#[put("/admin/sensitive-words")]
pub(super) async fn save_words(
    state: State,
    admin: Admin,
    Json(body): Json<SensitiveWordsRequest>,
) -> Result<web::Json<SensitiveWordsDto>, ApiError> {
    let words = service::save_words(&state, &admin.0, body.words).await?;
    Ok(web::Json(SensitiveWordsDto { words }))
}
