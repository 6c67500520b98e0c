//! Waitlist routes of marriage offices: join the line of a full day, see your place and
//! any seat held for you, leave or decline. A seat offered is claimed by booking it
//! (`POST /marriage/appointments` with `offer_id`).
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::*;
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::identity::service as identity;
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};
use crate::scheduling::{engine as scheduling, waitlist};
use crate::state::AppState;

type State = web::Data<AppState>;

/// Mounts the waitlist routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(join).service(mine).service(leave);
}

fn dto(
    e: entity::waitlist_entry::Model,
    place_in_line: Option<u64>,
    slot: Option<&entity::slot::Model>,
) -> WaitlistEntryDto {
    let offer = match (e.status.as_str(), slot, e.offer_expires_at) {
        ("offered", Some(s), Some(expires)) => Some(OfferDto {
            slot_id: s.id,
            starts_at: clock::format(s.starts_at),
            expires_at: clock::format(expires),
        }),
        _ => None,
    };
    WaitlistEntryDto {
        id: e.id,
        office_id: e.resource_id,
        business_type: e.business_type,
        date: e.date,
        status: e.status,
        place_in_line,
        offer,
        joined_at: clock::format(e.created_at),
    }
}

async fn full_dto(
    state: &AppState,
    e: entity::waitlist_entry::Model,
    place: Option<u64>,
) -> Result<WaitlistEntryDto, ApiError> {
    let slot = match e.slot_id {
        Some(id) if e.status == "offered" => Some(scheduling::slot(&state.db, id).await?),
        _ => None,
    };
    Ok(dto(e, place, slot.as_ref()))
}

/// Join the waitlist of a full day (候补). Honours `Idempotency-Key`.
///
/// Only when every open slot of the day is full. When a seat comes free it is held for
/// the first in line, who is told (email, WeChat) and has `waitlist_claim_minutes`
/// (default 30) to book it; then it passes to the next. One place per person per day
/// and business type; needs a verified real name.
#[utoipa::path(tag = "marriage", operation_id = "marriage.waitlist.join", request_body = WaitlistRequest, security(("citizen_token" = [])),
    responses((status = 201, body = WaitlistEntryDto, example = json!({"id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "business_type": "marriage", "date": "2026-12-02", "status": "waiting", "place_in_line": 3, "offer": null, "joined_at": "2026-11-29T09:12:00+08:00"}))))]
#[post("/marriage/waitlist")]
async fn join(
    state: State,
    citizen: Citizen,
    Json(body): Json<WaitlistRequest>,
) -> Result<HttpResponse, ApiError> {
    let kind = body.business_type;
    let subject = identity::verified_index(&state.db, citizen.id).await?;
    super::service::check_not_blocked(&state, &subject).await?;
    let office = scheduling::resource(&state.db, &body.office_id).await?;
    if office.kind != "marriage_office" {
        return Err(ApiError::new(Code::ResourceNotFound));
    }
    let e = waitlist::join(
        &state,
        &office,
        kind.as_str(),
        body.date,
        citizen.id,
        &subject,
        citizen.request_id.clone(),
    )
    .await?;
    let place = waitlist::place_in_line(&state.db, &e).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(full_dto(&state, e, place).await?))
}

/// Your waitlist entries, newest first, with your place in line or the seat held for you.
#[utoipa::path(tag = "marriage", operation_id = "marriage.waitlist.list", security(("citizen_token" = [])),
    params(PageQuery),
    responses((status = 200, body = WaitlistEntryListDto)))]
#[get("/marriage/waitlist")]
async fn mine(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<WaitlistEntryListDto>, ApiError> {
    let all = waitlist::list_mine(&state.db, citizen.id).await?;
    let page = slice(all, &page, |(e, _)| e.id.to_string())?;
    let mut items = Vec::new();
    for (e, place) in page.rows {
        items.push(full_dto(&state, e, place).await?);
    }
    Ok(web::Json(WaitlistEntryListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Leave the waitlist, or decline the seat held for you (it goes to the next in line).
#[utoipa::path(tag = "marriage", operation_id = "marriage.waitlist.leave", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = WaitlistEntryDto, example = json!({"id": "0193a6c4-7777-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "business_type": "marriage", "date": "2026-12-02", "status": "cancelled", "place_in_line": null, "offer": null, "joined_at": "2026-11-29T09:12:00+08:00"}))))]
#[post("/marriage/waitlist/{id}/cancel")]
async fn leave(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<WaitlistEntryDto>, ApiError> {
    let e = waitlist::leave(
        &state,
        id.into_inner(),
        citizen.id,
        citizen.request_id.clone(),
    )
    .await?;
    Ok(web::Json(full_dto(&state, e, None).await?))
}
