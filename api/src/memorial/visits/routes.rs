//! Tomb visit routes: citizens book, see, cancel and show their QR code; gate clerks of a
//! cemetery (and district staff) list the day, look parties up, check them in and count
//! walk-ins.
use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::domain;
use super::dto::*;
use super::service::{self, MAX_PARTY, MAX_PLATES, NewVisit};
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::{IdNumber, mask_name};
use crate::identity::service as identity;
use crate::platform::booking_code;
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};
use crate::scheduling::engine as scheduling;
use crate::state::AppState;

type State = web::Data<AppState>;

/// Mounts the routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(book)
        .service(mine)
        .service(one)
        .service(cancel)
        .service(qr)
        .service(gate_day)
        .service(gate_lookup)
        .service(check_in)
        .service(walk_in)
        .service(gate_load);
}

fn invalid(field: String, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field,
        reason: "value",
        message: Message::new(zh, en),
    })
}

/// Parses the request: grave, 1-5 distinct valid persons, valid plates.
fn parse(body: VisitRequest) -> Result<NewVisit, ApiError> {
    let grave = domain::grave_key(&body.grave.section, &body.grave.row, &body.grave.number)
        .ok_or_else(|| {
            invalid(
                "grave".into(),
                "请填写墓位的区、排、号（各 1 到 16 个字符，不含 /）",
                "section, row and number: 1 to 16 characters each, no /",
            )
        })?;
    if body.visitors.is_empty() || body.visitors.len() > MAX_PARTY {
        return Err(invalid(
            "visitors".into(),
            "每个预约 1 到 5 人",
            "1 to 5 persons per reservation",
        ));
    }
    let mut visitors = Vec::with_capacity(body.visitors.len());
    for (i, v) in body.visitors.into_iter().enumerate() {
        let name = identity::parse_name(&format!("visitors[{i}].name"), &v.name)?;
        let id = identity::parse_id_number(&format!("visitors[{i}].id_number"), &v.id_number)?;
        if visitors
            .iter()
            .any(|(_, other): &(String, IdNumber)| other.expose() == id.expose())
        {
            return Err(invalid(
                format!("visitors[{i}].id_number"),
                "同一身份证号码只能填写一次",
                "each ID number once",
            ));
        }
        visitors.push((name, id));
    }
    if body.plates.len() > MAX_PLATES {
        return Err(invalid(
            "plates".into(),
            "最多 3 个车牌",
            "at most 3 plates",
        ));
    }
    let mut plates: Vec<String> = Vec::new();
    for (i, p) in body.plates.iter().enumerate() {
        let plate = domain::normalise_plate(p).ok_or_else(|| {
            invalid(
                format!("plates[{i}]"),
                "车牌号格式不正确（如 京A12345、新能源 京AD12345）",
                "not a Chinese plate (e.g. 京A12345, new-energy 京AD12345)",
            )
        })?;
        if !plates.contains(&plate) {
            plates.push(plate);
        }
    }
    Ok(NewVisit {
        cemetery_id: body.cemetery_id,
        slot_id: body.slot_id,
        grave,
        visitors,
        plates,
    })
}

async fn dto(state: &AppState, v: entity::tomb_visit::Model) -> Result<VisitDto, ApiError> {
    let place = scheduling::resource(&state.db, &v.cemetery_id).await?;
    let s = scheduling::slot(&state.db, v.slot_id).await?;
    let visitors = service::visitors_of(&state.db, v.id)
        .await?
        .into_iter()
        .map(|p| {
            let name = state
                .sealer
                .open(&p.name_sealed)
                .map_err(ApiError::internal)?;
            Ok(VisitorDto {
                name_masked: mask_name(&name),
                id_number_masked: p.id_number_masked,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(VisitDto {
        qr_content: booking_code::qr_content(&v.code),
        plates: serde_json::from_str(&v.plates).unwrap_or_default(),
        cemetery_name: place.name,
        starts_at: clock::format(s.starts_at),
        ends_at: clock::format(s.ends_at),
        checked_in_at: v.checked_in_at.map(clock::format),
        created_at: clock::format(v.created_at),
        id: v.id,
        code: v.code,
        cemetery_id: v.cemetery_id,
        slot_id: v.slot_id,
        visit_date: v.visit_date,
        grave: v.grave_label,
        persons: v.persons,
        visitors,
        status: v.status,
    })
}

/// One page of the rows as answers show them.
async fn list(
    state: &AppState,
    rows: Vec<entity::tomb_visit::Model>,
    page: &PageQuery,
) -> Result<VisitListDto, ApiError> {
    let page = slice(rows, page, |r| r.id.to_string())?;
    let mut items = Vec::with_capacity(page.rows.len());
    for v in page.rows {
        items.push(dto(state, v).await?);
    }
    Ok(VisitListDto {
        items,
        next_cursor: page.next_cursor,
    })
}

/// Reserve a tomb visit (预约祭扫) for a party of 1 to 5 named persons at one grave, with
/// optional vehicle plates; the whole party enters on one QR code. Needs a verified real
/// name. Honours `Idempotency-Key`.
#[utoipa::path(tag = "tomb-visits", operation_id = "tomb_visits.book", request_body = VisitRequest, security(("citizen_token" = [])),
    responses((status = 201, body = VisitDto)))]
#[post("/tomb-visits")]
async fn book(
    state: State,
    citizen: Citizen,
    Json(body): Json<VisitRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = parse(body)?;
    let (row, _) = service::book(&state, &citizen, new).await?;
    Ok(HttpResponse::Created().json(dto(&state, row).await?))
}

/// Your tomb visit reservations, latest visit first.
#[utoipa::path(tag = "tomb-visits", operation_id = "tomb_visits.list", security(("citizen_token" = [])), params(PageQuery),
    responses((status = 200, body = VisitListDto)))]
#[get("/tomb-visits")]
async fn mine(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<VisitListDto>, ApiError> {
    let rows = service::mine(&state.db, &citizen).await?;
    Ok(web::Json(list(&state, rows, &page).await?))
}

/// One of your reservations.
#[utoipa::path(tag = "tomb-visits", operation_id = "tomb_visits.get", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = VisitDto)))]
#[get("/tomb-visits/{id}")]
async fn one(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<VisitDto>, ApiError> {
    let row = service::for_citizen(&state.db, &citizen, *id).await?;
    Ok(web::Json(dto(&state, row).await?))
}

/// Cancel a reservation until the cemetery's cancel limit before its slot; the seats,
/// the grave's persons and each visitor's day are freed at once.
#[utoipa::path(tag = "tomb-visits", operation_id = "tomb_visits.cancel", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = VisitDto)))]
#[post("/tomb-visits/{id}/cancel")]
async fn cancel(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<VisitDto>, ApiError> {
    let row = service::cancel(&state, &citizen, *id).await?;
    Ok(web::Json(dto(&state, row).await?))
}

/// The party's QR code (PNG) carrying `qr_content`, shown at the gate.
#[utoipa::path(tag = "tomb-visits", operation_id = "tomb_visits.qr", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "PNG image", content_type = "image/png", body = Vec<u8>)))]
#[get("/tomb-visits/{id}/qr.png")]
async fn qr(state: State, citizen: Citizen, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let row = service::for_citizen(&state.db, &citizen, *id).await?;
    let png = booking_code::qr_png(&row.code).await?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// A cemetery's reservations of a day, for the gate (its clerks, district staff).
#[utoipa::path(tag = "desk", operation_id = "desk.tomb_visits.day", security(("staff_token" = [])), params(GateDayQuery),
    responses((status = 200, body = VisitListDto)))]
#[get("/desk/tomb-visits")]
async fn gate_day(
    state: State,
    staff: Staff,
    Query(q): Query<GateDayQuery>,
) -> Result<web::Json<VisitListDto>, ApiError> {
    let date = q.date.unwrap_or_else(clock::today);
    let status = q.status.map(|s| s.as_str().to_owned());
    let rows = service::day_list(&state.db, &staff, &q.cemetery_id, date, status).await?;
    Ok(web::Json(list(&state, rows, &q.page()).await?))
}

/// Find reservations (today and later) by booking code, QR content or a visitor's ID
/// number, within the clerk's cemeteries.
#[utoipa::path(tag = "desk", operation_id = "desk.tomb_visits.lookup", security(("staff_token" = [])), params(GateLookupQuery),
    responses((status = 200, body = VisitListDto)))]
#[get("/desk/tomb-visits/lookup")]
async fn gate_lookup(
    state: State,
    staff: Staff,
    Query(q): Query<GateLookupQuery>,
) -> Result<web::Json<VisitListDto>, ApiError> {
    let rows = service::lookup(&state, &staff, &q.q).await?;
    Ok(web::Json(list(&state, rows, &q.page()).await?))
}

/// Let a party in (booked → checked_in), on the day of the visit.
#[utoipa::path(tag = "desk", operation_id = "desk.tomb_visits.check_in", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = VisitDto)))]
#[post("/desk/tomb-visits/{id}/check-in")]
async fn check_in(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<VisitDto>, ApiError> {
    let row = service::check_in(&state, &staff, *id).await?;
    Ok(web::Json(dto(&state, row).await?))
}

/// Count persons who came today without a reservation, so the day's load is known.
#[utoipa::path(tag = "desk", operation_id = "desk.tomb_visits.walk_in", request_body = WalkInRequest, security(("staff_token" = [])), params(("id" = String, Path, description = "the cemetery", example = "luhe-cemetery")),
    responses((status = 201, body = LoadDto)))]
#[post("/desk/cemeteries/{id}/walk-ins")]
async fn walk_in(
    state: State,
    staff: Staff,
    id: web::Path<String>,
    Json(body): Json<WalkInRequest>,
) -> Result<HttpResponse, ApiError> {
    if !(1..=500).contains(&body.persons) {
        return Err(invalid(
            "persons".into(),
            "人数须在 1 到 500 之间",
            "1 to 500 persons",
        ));
    }
    service::record_walk_in(&state, &staff, &id, body.persons).await?;
    let load = load_dto(&state, &staff, &id, clock::today()).await?;
    Ok(HttpResponse::Created().json(load))
}

async fn load_dto(
    state: &AppState,
    staff: &Staff,
    id: &str,
    date: chrono::NaiveDate,
) -> Result<LoadDto, ApiError> {
    let l = service::load(state, staff, id, date).await?;
    Ok(LoadDto {
        cemetery_id: id.to_owned(),
        date,
        capacity: l.capacity,
        booked_persons: l.booked_persons,
        checked_in_persons: l.checked_in_persons,
        walk_in_persons: l.walk_in_persons,
        expected_persons: l.booked_persons + l.walk_in_persons,
    })
}

/// A cemetery's load on a day: seats, persons booked and let in, walk-ins.
#[utoipa::path(tag = "desk", operation_id = "desk.tomb_visits.load", security(("staff_token" = [])), params(("id" = String, Path, description = "the cemetery", example = "luhe-cemetery"), LoadQuery),
    responses((status = 200, body = LoadDto)))]
#[get("/desk/cemeteries/{id}/load")]
async fn gate_load(
    state: State,
    staff: Staff,
    id: web::Path<String>,
    Query(q): Query<LoadQuery>,
) -> Result<web::Json<LoadDto>, ApiError> {
    let date = q.date.unwrap_or_else(clock::today);
    Ok(web::Json(load_dto(&state, &staff, &id, date).await?))
}
