//! Rush-day draw routes: admins open a day as a draw (and may run it once the window has
//! closed, though the sweeper does that by itself); anyone reads draws and their
//! results; citizens hand in, list and withdraw their requests.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::draw;
use super::dto::*;
use super::service::covers;
use crate::auth::extract::{Admin, Citizen};
use crate::error::{ApiError, Code};
use crate::platform::audit::Actor;
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};
use crate::scheduling::draw::{self as lottery, NewDraw};
use crate::scheduling::engine as scheduling;
use crate::state::AppState;

type State = web::Data<AppState>;

/// Mounts the draw routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(run)
        .service(list)
        .service(one)
        .service(hand_in)
        .service(my_requests)
        .service(withdraw);
}

async fn dto(state: &AppState, d: entity::draw::Model) -> Result<DrawDto, ApiError> {
    let ranking = draw::ranking(&state.db, &d).await?;
    Ok(DrawDto {
        id: d.id,
        phase: lottery::phase(&d, Utc::now()).into(),
        office_id: d.resource_id,
        business_type: d.business_type,
        date: d.date,
        requests_open_at: clock::format(d.requests_open_at),
        requests_close_at: clock::format(d.requests_close_at),
        seed_sha256: d.seed_sha256,
        seed: d.seed,
        request_count: d.request_count,
        winner_count: d.winner_count,
        drawn_at: d.drawn_at.map(clock::format),
        ranking,
    })
}

fn entry_dto(
    state: &AppState,
    r: entity::draw_request::Model,
    date: chrono::NaiveDate,
) -> DrawEntryDto {
    DrawEntryDto {
        parties_masked: draw::parties_masked(state, &r),
        id: r.id,
        draw_id: r.draw_id,
        date,
        status: r.status,
        rank: r.rank,
        appointment_id: r.appointment_id,
        reason: r.reason,
        handed_in_at: clock::format(r.created_at),
    }
}

/// Open a day of an office as a draw (摇号, admins of the office). Honours `Idempotency-Key`.
///
/// From `requests_open_at` to `requests_close_at` couples hand in one request each;
/// first-come booking and waitlists are refused for the day meanwhile
/// (`scheduling.draw_day`). The seed is fixed now and its SHA-256 published; the draw
/// runs by itself within a sweep interval after the window closes.
#[utoipa::path(tag = "marriage", operation_id = "marriage.draw.create", request_body = NewDrawRequest, security(("staff_token" = [])),
    responses((status = 201, body = DrawDto, example = json!({"id": "0193a6c4-8888-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "business_type": "marriage", "date": "2027-05-20", "requests_open_at": "2027-05-06T09:00:00+08:00", "requests_close_at": "2027-05-10T17:00:00+08:00", "phase": "scheduled", "seed_sha256": "9f2c0d4e5b6a718293a4b5c6d7e8f90112233445566778899aabbccddeeff00", "seed": null, "request_count": null, "winner_count": null, "drawn_at": null, "ranking": []}))))]
#[post("/admin/marriage/draws")]
async fn create(
    state: State,
    admin: Admin,
    Json(body): Json<NewDrawRequest>,
) -> Result<HttpResponse, ApiError> {
    let kind = body.business_type;
    if kind == super::domain::BusinessType::Divorce {
        // Each couple's certificate window is its own (cooling-off period): no draws.
        return Err(
            ApiError::new(Code::InvalidBody).with_field(crate::error::FieldError {
                field: "business_type".into(),
                reason: "value",
                message: crate::error::Message::new(
                    "离婚登记按各自的冷静期预约，不能摇号",
                    "divorce appointments follow each couple's cooling-off window: no draws",
                ),
            }),
        );
    }
    let office = scheduling::resource(&state.db, &body.office_id).await?;
    if office.kind != "marriage_office" {
        return Err(ApiError::new(Code::ResourceNotFound));
    }
    if !covers(&admin.0, &office.id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let spec = NewDraw {
        business_type: kind.as_str().into(),
        date: body.date,
        requests_open_at: body.requests_open_at.to_utc(),
        requests_close_at: body.requests_close_at.to_utc(),
    };
    let actor = Actor::Staff {
        id: admin.0.id,
        role: admin.0.role.as_str(),
    };
    let d = lottery::create(
        &state,
        &office,
        spec,
        actor,
        admin.0.id,
        admin.0.request_id.clone(),
    )
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(dto(&state, d).await?))
}

/// Run a draw now (admins of the office), once its window has closed. The sweeper runs
/// due draws by itself; this is for an admin who does not want to wait. Runs once.
#[utoipa::path(tag = "marriage", operation_id = "marriage.draw.run", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = DrawDto)))]
#[post("/admin/marriage/draws/{id}/run")]
async fn run(
    state: State,
    admin: Admin,
    id: web::Path<Uuid>,
) -> Result<web::Json<DrawDto>, ApiError> {
    let d = lottery::get(&state.db, *id).await?;
    if !covers(&admin.0, &d.resource_id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let actor = Actor::Staff {
        id: admin.0.id,
        role: admin.0.role.as_str(),
    };
    let drawn = draw::run(&state, d.id, actor, admin.0.request_id.clone()).await?;
    Ok(web::Json(dto(&state, drawn).await?))
}

/// Draws of an office from a date on (public).
#[utoipa::path(tag = "marriage", operation_id = "marriage.draw.list", params(DrawListQuery),
    responses((status = 200, body = DrawListDto)))]
#[get("/marriage/draws")]
async fn list(
    state: State,
    Query(q): Query<DrawListQuery>,
) -> Result<web::Json<DrawListDto>, ApiError> {
    let office = scheduling::resource(&state.db, &q.office_id).await?;
    let from = q.from.unwrap_or_else(clock::today);
    let all = lottery::list(&state.db, &office.id, from).await?;
    let page = slice(all, &q.page(), |d| d.id.to_string())?;
    let mut items = Vec::new();
    for d in page.rows {
        items.push(dto(&state, d).await?);
    }
    Ok(web::Json(DrawListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// One draw with its result (public): after the draw, the seed and the ranking, to check.
#[utoipa::path(tag = "marriage", operation_id = "marriage.draw.get", params(("id" = Uuid, Path)),
    responses((status = 200, body = DrawDto)))]
#[get("/marriage/draws/{id}")]
async fn one(state: State, id: web::Path<Uuid>) -> Result<web::Json<DrawDto>, ApiError> {
    let d = lottery::get(&state.db, *id).await?;
    Ok(web::Json(dto(&state, d).await?))
}

/// Hand in a request for a draw (摇号报名). Honours `Idempotency-Key`.
///
/// The caller must be one of the parties, with a verified real name; the parties are
/// checked as for a booking (ages on the day; the caller's no-show block). The caller
/// holds one request a day; naming someone is never refused and says nothing about
/// them, and a person named in several requests wins at most once. The result comes by email/WeChat and in `GET /marriage/draw-requests`.
#[utoipa::path(tag = "marriage", operation_id = "marriage.draw.request", request_body = DrawEntryRequest, security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = DrawEntryDto, example = json!({"id": "0193a6c4-9999-7b61-9d1e-3f0c2a9b8e71", "draw_id": "0193a6c4-8888-7b61-9d1e-3f0c2a9b8e71", "date": "2027-05-20", "status": "pending", "rank": null, "appointment_id": null, "reason": null, "parties_masked": ["110***********0019", "110***********0028"], "handed_in_at": "2027-05-06T09:00:02+08:00"}))))]
#[post("/marriage/draws/{id}/requests")]
async fn hand_in(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Json(body): Json<DrawEntryRequest>,
) -> Result<HttpResponse, ApiError> {
    let parties = parse_parties(&body.parties)?;
    let r = draw::hand_in(&state, &citizen, *id, parties).await?;
    let d = lottery::get(&state.db, r.draw_id).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(entry_dto(&state, r, d.date)))
}

/// The draw requests you handed in or are named in, and their results, newest first.
#[utoipa::path(tag = "marriage", operation_id = "marriage.draw.request_list", security(("citizen_token" = [])),
    params(PageQuery),
    responses((status = 200, body = DrawEntryListDto)))]
#[get("/marriage/draw-requests")]
async fn my_requests(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<DrawEntryListDto>, ApiError> {
    let all = draw::list_mine(&state, &citizen).await?;
    let page = slice(all, &page, |r| r.id.to_string())?;
    let mut items = Vec::new();
    for r in page.rows {
        let d = lottery::get(&state.db, r.draw_id).await?;
        items.push(entry_dto(&state, r, d.date));
    }
    Ok(web::Json(DrawEntryListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Withdraw a request you handed in or are named in (nobody is held in a request they did
/// not agree to), while the window is open; the people in it may then hand in another.
#[utoipa::path(tag = "marriage", operation_id = "marriage.draw.request_withdraw", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = DrawEntryDto)))]
#[post("/marriage/draw-requests/{id}/withdraw")]
async fn withdraw(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<DrawEntryDto>, ApiError> {
    let r = draw::withdraw(&state, &citizen, *id).await?;
    let d = lottery::get(&state.db, r.draw_id).await?;
    Ok(web::Json(entry_dto(&state, r, d.date)))
}
