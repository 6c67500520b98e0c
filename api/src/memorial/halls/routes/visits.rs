//! What visitors leave: tributes and messages.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use uuid::Uuid;

use super::rules::{MaybeCaller, State, message_dto, paging};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::memorial::halls::dto::*;
use crate::memorial::halls::service::{self, Viewer};
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::Page;

/// Leave a tribute: a flower, a candle or incense (signed-in citizens who may see the
/// page). Counted only, never ranked or priced; at most 20 a person, page and day.
/// Answers the page's new counts.
#[utoipa::path(tag = "memorials", operation_id = "memorial.tribute", request_body = MemorialTributeRequest, params(("id" = Uuid, Path), AccessQuery), security(("citizen_token" = [])),
    responses((status = 200, body = MemorialTributeCountsDto)))]
#[post("/memorials/{id}/tributes")]
pub(super) async fn tribute(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Query(q): Query<AccessQuery>,
    Json(body): Json<MemorialTributeRequest>,
) -> Result<web::Json<MemorialTributeCountsDto>, ApiError> {
    let column = service::tribute_column(body.kind.as_str()).ok_or_else(|| {
        ApiError::new(Code::InvalidBody).with_field(FieldError {
            field: "kind".into(),
            reason: "value",
            message: Message::new("flower、candle 或 incense", "flower, candle or incense"),
        })
    })?;
    let (flowers, candles, incense) =
        service::tribute(&state, &citizen, *id, q.token.as_deref(), column).await?;
    Ok(web::Json(MemorialTributeCountsDto {
        flowers,
        candles,
        incense,
    }))
}

/// Messages of a memorial hall, newest first: visitors see the published ones and their
/// own (held ones as `held`); the family and staff see all, or those of `status`.
#[utoipa::path(tag = "memorials", operation_id = "memorial.messages", params(("id" = Uuid, Path), MessagesQuery),
    security((), ("citizen_token" = []), ("staff_token" = [])),
    responses((status = 200, body = MemorialMessagePageDto)))]
#[get("/memorials/{id}/messages")]
pub(super) async fn messages(
    state: State,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
    Query(q): Query<MessagesQuery>,
) -> Result<web::Json<MemorialMessagePageDto>, ApiError> {
    let (limit, after) = paging(q.limit, q.cursor)?;
    let viewer = Viewer::of(caller.0);
    let (page, relation) = service::open(&state.db, *id, &viewer, q.token.as_deref()).await?;
    let rows = service::messages(
        &state.db,
        &page,
        relation,
        &viewer,
        q.status.map(|s| s.as_str()),
        after,
        limit,
    )
    .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |m| m.id.to_string(),
        |m| message_dto(m, relation, &viewer),
    );
    Ok(web::Json(MemorialMessagePageDto {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Leave a message (citizens with a verified real name, shown under the display name
/// they choose). A message with a sensitive word is held for staff review; on a page
/// with pre-review, messages of visitors are held for the family's approval.
#[utoipa::path(tag = "memorials", operation_id = "memorial.message.post", request_body = MemorialMessageRequest, params(("id" = Uuid, Path), AccessQuery), security(("citizen_token" = [])),
    responses((status = 201, body = MemorialMessageDto)))]
#[post("/memorials/{id}/messages")]
pub(super) async fn post_message(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Query(q): Query<AccessQuery>,
    Json(body): Json<MemorialMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let (message, relation) = service::post_message(
        &state,
        &citizen,
        *id,
        q.token.as_deref(),
        body.body,
        body.display_name,
    )
    .await?;
    let viewer = Viewer::Citizen(citizen.id);
    Ok(HttpResponse::build(StatusCode::CREATED).json(message_dto(message, relation, &viewer)))
}
