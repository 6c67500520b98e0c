//! Routes of online memorial halls: pages, family, tributes, messages, moderation, and
//! the sensitive-word list.
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, delete, get, post, put, web};
use entity::{memorial, memorial_message};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::*;
use super::service::{self, Moderation, Relation, Viewer};
use crate::auth::extract::{Admin, Caller, Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{Page, PageQuery, slice};
use crate::state::AppState;

type State = web::Data<AppState>;

/// Mounts the routes under `/api/v1`. Fixed paths come before `{id}` ones.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_public)
        .service(list_mine)
        .service(join)
        .service(staff_queue)
        .service(get_words)
        .service(save_words)
        .service(create)
        .service(one)
        .service(update)
        .service(portrait)
        .service(rotate_link)
        .service(invite)
        .service(members)
        .service(remove_member)
        .service(tribute)
        .service(messages)
        .service(post_message)
        .service(approve)
        .service(hide)
        .service(take_down)
        .service(restore);
}

/// The caller when a bearer token is sent (a bad token is 401, not anonymous), or nobody.
struct MaybeCaller(Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().get(AUTHORIZATION).is_none() {
            return Box::pin(async { Ok(MaybeCaller(None)) });
        }
        let caller = Caller::from_request(req, payload);
        Box::pin(async move { caller.await.map(|c| MaybeCaller(Some(c))) })
    }
}

fn dto(
    state: &AppState,
    page: memorial::Model,
    relation: Relation,
) -> Result<MemorialDto, ApiError> {
    let family_or_staff = relation.moderates();
    let family = matches!(relation, Relation::Owner | Relation::Family);
    Ok(MemorialDto {
        portrait_url: page
            .portrait_media_id
            .map(|_| format!("/api/v1/memorials/{}/portrait", page.id)),
        share_token: family
            .then(|| service::share_token(state, &page))
            .transpose()?,
        takedown_reason: page.takedown_reason.filter(|_| family_or_staff),
        tributes: MemorialTributeCountsDto {
            flowers: page.flowers,
            candles: page.candles,
            incense: page.incense,
        },
        your_role: relation.as_str().into(),
        id: page.id,
        deceased_name: page.deceased_name,
        birth_date: page.birth_date,
        death_date: page.death_date,
        biography: page.biography,
        visibility: page.visibility,
        pre_review: page.pre_review,
        status: page.status,
        created_at: clock::format(page.created_at),
        updated_at: clock::format(page.updated_at),
    })
}

fn message_dto(
    m: memorial_message::Model,
    relation: Relation,
    viewer: &Viewer,
) -> MemorialMessageDto {
    let mine = matches!(viewer, Viewer::Citizen(id) if *id == m.author_id);
    MemorialMessageDto {
        hold_reason: m.hold_reason.filter(|_| mine || relation.moderates()),
        author_id: (relation == Relation::Staff).then_some(m.author_id),
        mine,
        id: m.id,
        memorial_id: m.memorial_id,
        display_name: m.display_name,
        body: m.body,
        status: m.status,
        created_at: clock::format(m.created_at),
    }
}

/// The page size and the id after which to continue (ids grow with time).
fn paging(limit: Option<u32>, cursor: Option<String>) -> Result<(u32, Option<Uuid>), ApiError> {
    let page = PageQuery { limit, cursor };
    let limit = page.limit()?;
    let after = page
        .cursor_key()?
        .map(|k| Uuid::parse_str(&k))
        .transpose()
        .map_err(|_| ApiError::new(Code::InvalidCursor))?;
    Ok((limit, after))
}

/// Public memorial halls, newest first (anyone, no sign-in).
#[utoipa::path(tag = "memorials", operation_id = "memorial.list_public", params(ListQuery),
    responses((status = 200, body = MemorialPageDto)))]
#[get("/memorials")]
async fn list_public(
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
async fn list_mine(
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
async fn create(
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
async fn one(
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
async fn update(
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
async fn portrait(
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
async fn rotate_link(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<MemorialDto>, ApiError> {
    let page = service::rotate_link(&state, &citizen, *id).await?;
    Ok(web::Json(dto(&state, page, Relation::Owner)?))
}

/// Create a one-use family invitation code, valid 7 days (the creator).
#[utoipa::path(tag = "memorials", operation_id = "memorial.invite", params(("id" = Uuid, Path)), security(("citizen_token" = [])),
    responses((status = 201, body = MemorialInvitationDto)))]
#[post("/memorials/{id}/invitations")]
async fn invite(
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
async fn join(
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
async fn members(
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
async fn remove_member(
    state: State,
    citizen: Citizen,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, member) = path.into_inner();
    service::remove_member(&state, &citizen, id, member).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Leave a tribute: a flower, a candle or incense (signed-in citizens who may see the
/// page). Counted only, never ranked or priced; at most 20 a person, page and day.
/// Answers the page's new counts.
#[utoipa::path(tag = "memorials", operation_id = "memorial.tribute", request_body = MemorialTributeRequest, params(("id" = Uuid, Path), AccessQuery), security(("citizen_token" = [])),
    responses((status = 200, body = MemorialTributeCountsDto)))]
#[post("/memorials/{id}/tributes")]
async fn tribute(
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
async fn messages(
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
async fn post_message(
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

async fn moderate(
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
async fn approve(
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
async fn hide(
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
async fn staff_queue(
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
async fn take_down(
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
async fn restore(
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
async fn get_words(state: State, admin: Admin) -> Result<web::Json<SensitiveWordsDto>, ApiError> {
    let words = service::words(&state, &admin.0).await?;
    Ok(web::Json(SensitiveWordsDto { words }))
}

/// Replace the sensitive-word list (district admins). Words are kept in their normal
/// form; messages are matched ignoring case, full-width forms and anything between
/// the characters that is not a letter or digit. Applies to new messages.
#[utoipa::path(tag = "memorials", operation_id = "memorial.sensitive_words.save", request_body = SensitiveWordsRequest, security(("staff_token" = [])),
    responses((status = 200, body = SensitiveWordsDto)))]
#[put("/admin/sensitive-words")]
async fn save_words(
    state: State,
    admin: Admin,
    Json(body): Json<SensitiveWordsRequest>,
) -> Result<web::Json<SensitiveWordsDto>, ApiError> {
    let words = service::save_words(&state, &admin.0, body.words).await?;
    Ok(web::Json(SensitiveWordsDto { words }))
}
