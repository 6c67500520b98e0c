//! Marriage appointment routes: citizens book, confirm, cancel and show their QR code;
//! clerks work through their office's day.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::domain;
use super::dto::*;
use super::service;
use super::status::DeskAction;
use crate::auth::extract::{Citizen, Staff};
use crate::error::ApiError;
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};
use crate::state::AppState;

type State = web::Data<AppState>;
type Loaded = (
    entity::marriage_appointment::Model,
    Vec<entity::marriage_party::Model>,
);

/// Mounts the citizens' appointment routes (the room's `routes` adds waitlists and draws).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(reschedule)
        .service(my_divorce_applications)
        .service(withdraw_divorce_application)
        .service(book)
        .service(mine)
        .service(one)
        .service(confirm)
        .service(open_shared)
        .service(confirm_shared)
        .service(cancel)
        .service(qr);
}

/// Mounts the desk's routes.
pub fn desk_routes(cfg: &mut ServiceConfig) {
    cfg.service(record_divorce_application)
        .service(day_sheet)
        .service(lookup)
        .service(check_in)
        .service(complete)
        .service(no_show)
        .service(undo_no_show);
}

fn dto(state: &AppState, (row, parties): Loaded) -> Result<AppointmentDto, ApiError> {
    let share = (row.status == "pending_confirmation").then(|| {
        let token = super::share::token(&state.sealer, row.id);
        ShareLinkDto {
            path: format!("{}?token={token}", state.config.marriage_share_page),
            token,
            expires_at: clock::format(row.confirm_deadline),
        }
    });
    Ok(AppointmentDto {
        share,
        id: row.id,
        qr_content: domain::qr_content(&row.code),
        code: row.code,
        office_id: row.office_id,
        business_type: row.business_type,
        slot_id: row.slot_id,
        date: row.date,
        starts_at: clock::format(row.starts_at),
        status: row.status,
        confirm_deadline: clock::format(row.confirm_deadline),
        parties: parties
            .into_iter()
            .map(|p| {
                let name = state
                    .sealer
                    .open(&p.name_sealed)
                    .map_err(ApiError::internal)?;
                Ok(PartyDto {
                    position: p.position,
                    name_masked: crate::identity::domain::mask_name(&name),
                    id_number_masked: p.id_number_masked,
                    sex: p.sex,
                    confirmed: p.confirmed_at.is_some(),
                })
            })
            .collect::<Result<_, ApiError>>()?,
    })
}

/// One page of appointments as answers show them.
fn appointments(
    state: &AppState,
    all: Vec<Loaded>,
    page: &PageQuery,
) -> Result<AppointmentListDto, ApiError> {
    let page = slice(all, page, |(row, _)| row.id.to_string())?;
    Ok(AppointmentListDto {
        items: page
            .rows
            .into_iter()
            .map(|a| dto(state, a))
            .collect::<Result<_, _>>()?,
        next_cursor: page.next_cursor,
    })
}

/// Book a marriage registration appointment (婚姻登记预约). Honours `Idempotency-Key`.
///
/// The caller must be one of the parties, with a verified real name. With two parties
/// the other one confirms from their own account within 24 hours (configurable), or the
/// seat is released. One active appointment per person.
#[utoipa::path(tag = "marriage", operation_id = "marriage.appointment.book", request_body = MarriageBookRequest, security(("citizen_token" = [])),
    responses((status = 201, body = AppointmentDto)))]
#[post("/marriage/appointments")]
async fn book(
    state: State,
    citizen: Citizen,
    Json(body): Json<MarriageBookRequest>,
) -> Result<HttpResponse, ApiError> {
    let kind = body.business_type;
    let parties = parse_parties(&body.parties)?;
    let booked = service::book(
        &state,
        &citizen,
        &body.office_id,
        kind,
        body.slot_id,
        parties,
        body.offer_id,
    )
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(dto(&state, booked)?))
}

/// The caller's appointments (booked, or as a party), newest first.
#[utoipa::path(tag = "marriage", operation_id = "marriage.appointment.list", security(("citizen_token" = [])),
    params(PageQuery),
    responses((status = 200, body = AppointmentListDto)))]
#[get("/marriage/appointments")]
async fn mine(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<AppointmentListDto>, ApiError> {
    let all = service::list_for_citizen(&state, &citizen).await?;
    Ok(web::Json(appointments(&state, all, &page)?))
}

/// One of the caller's appointments.
#[utoipa::path(tag = "marriage", operation_id = "marriage.appointment.get", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AppointmentDto)))]
#[get("/marriage/appointments/{id}")]
async fn one(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<AppointmentDto>, ApiError> {
    Ok(web::Json(dto(
        &state,
        service::load_for_citizen(&state.db, &citizen, id.into_inner()).await?,
    )?))
}

/// Confirm an appointment as its other party (verified real name required).
#[utoipa::path(tag = "marriage", operation_id = "marriage.appointment.confirm", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AppointmentDto)))]
#[post("/marriage/appointments/{id}/confirm")]
async fn confirm(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<AppointmentDto>, ApiError> {
    Ok(web::Json(dto(
        &state,
        service::confirm(&state, &citizen, id.into_inner()).await?,
    )?))
}

/// Open the share link the booker sent (its `token`): the appointment, for its other
/// party, after sign-in and with a verified real name. To anyone else, or for a made-up
/// token, 404; once confirmed, cancelled or past the deadline, 410.
#[utoipa::path(tag = "marriage", operation_id = "marriage.share.open", security(("citizen_token" = [])), params(("token" = String, Path, description = "`share.token` of the appointment")),
    responses((status = 200, body = AppointmentDto)))]
#[get("/marriage/shared/{token}")]
async fn open_shared(
    state: State,
    citizen: Citizen,
    token: web::Path<String>,
) -> Result<web::Json<AppointmentDto>, ApiError> {
    let loaded = super::share::open(&state, &citizen, &token).await?;
    Ok(web::Json(dto(&state, loaded)?))
}

/// Confirm the appointment of a share link, as its other party (the same rules as
/// `POST /marriage/appointments/{id}/confirm`). The booker is told once both confirmed.
#[utoipa::path(tag = "marriage", operation_id = "marriage.share.confirm", security(("citizen_token" = [])), params(("token" = String, Path, description = "`share.token` of the appointment")),
    responses((status = 200, body = AppointmentDto)))]
#[post("/marriage/shared/{token}/confirm")]
async fn confirm_shared(
    state: State,
    citizen: Citizen,
    token: web::Path<String>,
) -> Result<web::Json<AppointmentDto>, ApiError> {
    let confirmed = super::share::confirm(&state, &citizen, &token).await?;
    Ok(web::Json(dto(&state, confirmed)?))
}

/// Cancel an appointment (a party may), until the office's cancel time before the slot.
#[utoipa::path(tag = "marriage", operation_id = "marriage.appointment.cancel", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AppointmentDto)))]
#[post("/marriage/appointments/{id}/cancel")]
async fn cancel(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<AppointmentDto>, ApiError> {
    Ok(web::Json(dto(
        &state,
        service::cancel(&state, &citizen, id.into_inner()).await?,
    )?))
}

/// The appointment's QR code (PNG) carrying `qr_content`, to show at the desk.
#[utoipa::path(tag = "marriage", operation_id = "marriage.appointment.qr", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "PNG image", content_type = "image/png", body = Vec<u8>)))]
#[get("/marriage/appointments/{id}/qr.png")]
async fn qr(state: State, citizen: Citizen, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let (row, _) = service::load_for_citizen(&state.db, &citizen, id.into_inner()).await?;
    let png = crate::platform::booking_code::qr_png(&row.code).await?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// The day's appointments of an office (clerks of that office, district staff).
#[utoipa::path(tag = "desk", operation_id = "desk.marriage.day_sheet", security(("staff_token" = [])), params(DaySheetQuery),
    responses((status = 200, body = AppointmentListDto)))]
#[get("/desk/marriage/appointments")]
async fn day_sheet(
    state: State,
    staff: Staff,
    Query(q): Query<DaySheetQuery>,
) -> Result<web::Json<AppointmentListDto>, ApiError> {
    let date = q.date.unwrap_or_else(clock::today);
    let status = q.status.map(|s| s.as_str().to_owned());
    let rows = service::day_sheet(&state, &staff, &q.office_id, date, status, q.slot_id).await?;
    Ok(web::Json(appointments(&state, rows, &q.page())?))
}

/// Find appointments by booking code, QR content or a party's ID number (own offices only).
#[utoipa::path(tag = "desk", operation_id = "desk.marriage.lookup", security(("staff_token" = [])), params(LookupQuery),
    responses((status = 200, body = AppointmentListDto)))]
#[get("/desk/marriage/lookup")]
async fn lookup(
    state: State,
    staff: Staff,
    Query(q): Query<LookupQuery>,
) -> Result<web::Json<AppointmentListDto>, ApiError> {
    let rows = service::desk_lookup(&state, &staff, &q.q).await?;
    Ok(web::Json(appointments(&state, rows, &q.page())?))
}

/// Check a couple in (confirmed → checked_in).
#[utoipa::path(tag = "desk", operation_id = "desk.marriage.check_in", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AppointmentDto)))]
#[post("/desk/marriage/appointments/{id}/check-in")]
async fn check_in(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<AppointmentDto>, ApiError> {
    Ok(web::Json(dto(
        &state,
        service::desk_action(&state, &staff, id.into_inner(), DeskAction::CheckIn).await?,
    )?))
}

/// Mark an appointment done (checked_in → completed).
#[utoipa::path(tag = "desk", operation_id = "desk.marriage.complete", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AppointmentDto)))]
#[post("/desk/marriage/appointments/{id}/complete")]
async fn complete(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<AppointmentDto>, ApiError> {
    Ok(web::Json(dto(
        &state,
        service::desk_action(&state, &staff, id.into_inner(), DeskAction::Complete).await?,
    )?))
}

/// Record a no-show (confirmed → no_show).
#[utoipa::path(tag = "desk", operation_id = "desk.marriage.no_show", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AppointmentDto)))]
#[post("/desk/marriage/appointments/{id}/no-show")]
async fn no_show(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<AppointmentDto>, ApiError> {
    Ok(web::Json(dto(
        &state,
        service::desk_action(&state, &staff, id.into_inner(), DeskAction::NoShow).await?,
    )?))
}

/// Take back a no-show recorded in the last 10 minutes (no_show → confirmed): the
/// parties hold the appointment again and it no longer counts towards a booking block.
/// Later, or when a party has booked another appointment meanwhile, it is refused.
#[utoipa::path(tag = "desk", operation_id = "desk.marriage.undo_no_show", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AppointmentDto)))]
#[post("/desk/marriage/appointments/{id}/undo-no-show")]
async fn undo_no_show(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<AppointmentDto>, ApiError> {
    Ok(web::Json(dto(
        &state,
        service::desk_action(&state, &staff, id.into_inner(), DeskAction::UndoNoShow).await?,
    )?))
}

/// Record a joint divorce application handed in at the desk today (离婚登记申请受理).
///
/// The 30-day cooling-off period starts the next day; then, for 30 days, the couple may
/// book the certificate appointment (`business_type: divorce`) at the same office.
/// Periods ending on a non-working day end on the next working day.
#[utoipa::path(tag = "desk", operation_id = "desk.marriage.divorce_application.record", request_body = DivorceApplicationRequest, security(("staff_token" = [])),
    responses((status = 201, body = DivorceApplicationDto)))]
#[post("/desk/marriage/divorce-applications")]
async fn record_divorce_application(
    state: State,
    staff: Staff,
    Json(body): Json<DivorceApplicationRequest>,
) -> Result<HttpResponse, ApiError> {
    let parties = parse_parties(&body.parties)?;
    let saved =
        service::record_divorce_application(&state, &staff, &body.office_id, parties).await?;
    Ok(HttpResponse::Created().json(DivorceApplicationDto::from(saved)))
}

/// The caller's divorce applications with their dates.
#[utoipa::path(tag = "marriage", operation_id = "marriage.divorce_application.list", security(("citizen_token" = [])),
    params(PageQuery),
    responses((status = 200, body = DivorceApplicationListDto)))]
#[get("/marriage/divorce-applications")]
async fn my_divorce_applications(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<DivorceApplicationListDto>, ApiError> {
    let all = service::my_divorce_applications(&state, &citizen).await?;
    let page = slice(all, &page, |a| a.id.to_string())?;
    Ok(web::Json(DivorceApplicationListDto {
        items: page.rows.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Withdraw a divorce application during the cooling-off period (either party).
#[utoipa::path(tag = "marriage", operation_id = "marriage.divorce_application.withdraw", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = DivorceApplicationDto)))]
#[post("/marriage/divorce-applications/{id}/withdraw")]
async fn withdraw_divorce_application(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<DivorceApplicationDto>, ApiError> {
    Ok(web::Json(
        service::withdraw_divorce_application(&state, &citizen, id.into_inner())
            .await?
            .into(),
    ))
}

/// Move an appointment to another slot (a party may), until the office's cancel time
/// before the current slot. The new seat is taken and the old one given back atomically.
#[utoipa::path(tag = "marriage", operation_id = "marriage.appointment.reschedule", request_body = RescheduleRequest, security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AppointmentDto)))]
#[post("/marriage/appointments/{id}/reschedule")]
async fn reschedule(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Json(body): Json<RescheduleRequest>,
) -> Result<web::Json<AppointmentDto>, ApiError> {
    Ok(web::Json(dto(
        &state,
        service::reschedule(&state, &citizen, id.into_inner(), body.slot_id).await?,
    )?))
}
