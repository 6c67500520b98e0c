//! The home's desk: its bookings, confirming, proposing a transport time, marking done, the
//! certificate.
use actix_web::{HttpResponse, get, post, web};
use uuid::Uuid;

use super::rules::{State, parse_time, view, views};
use crate::auth::extract::Staff;
use crate::error::ApiError;
use crate::funeral::domain::Party;
use crate::funeral::dto::*;
use crate::funeral::service;
use crate::platform::extract::{Json, Query};

/// A home's bookings for its clerks (and district admins), by first service date:
/// names, transport address and contact in full, ID numbers masked.
#[utoipa::path(tag = "funeral", operation_id = "funeral.desk.list", security(("staff_token" = [])), params(HomeBookingsQuery),
    responses((status = 200, body = BookingListDto)))]
#[get("/desk/funeral/bookings")]
pub(super) async fn home_bookings(
    state: State,
    staff: Staff,
    Query(q): Query<HomeBookingsQuery>,
) -> Result<web::Json<BookingListDto>, ApiError> {
    let status = q.status.map(|s| s.as_str().to_owned());
    let page = q.page();
    let all = service::list_for_home(&state, &staff, q.home_id, q.date, status).await?;
    Ok(web::Json(views(&state, all, Party::Home, &page).await?))
}

/// One booking of the clerk's home.
#[utoipa::path(tag = "funeral", operation_id = "funeral.desk.get", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = BookingDto)))]
#[get("/desk/funeral/bookings/{id}")]
pub(super) async fn desk_one(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<BookingDto>, ApiError> {
    let full = service::for_staff(&state.db, &staff, *id).await?;
    Ok(web::Json(view(&state, full, Party::Home).await?))
}

/// The death certificate photo of a booking of the clerk's home (each view is audited).
#[utoipa::path(tag = "funeral", operation_id = "funeral.desk.certificate", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "application/pdf")))))]
#[get("/desk/funeral/bookings/{id}/death-certificate")]
pub(super) async fn certificate(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = service::certificate(&state, &staff, *id).await?;
    let (content_type, bytes) = crate::media::service::read_unchecked(&state, &row, false).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .content_type(content_type)
        .body(bytes))
}

/// Confirm a pending booking; a requested transport is agreed at the requested time.
#[utoipa::path(tag = "funeral", operation_id = "funeral.desk.confirm", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = BookingDto)))]
#[post("/desk/funeral/bookings/{id}/confirm")]
pub(super) async fn confirm(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<BookingDto>, ApiError> {
    let full = service::confirm(&state, &staff, *id).await?;
    Ok(web::Json(view(&state, full, Party::Home).await?))
}

/// Propose another transport time; the family is told and accepts it (the booking is
/// pending until then).
#[utoipa::path(tag = "funeral", operation_id = "funeral.desk.propose_transport_time", request_body = ProposeRequest, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = BookingDto)))]
#[post("/desk/funeral/bookings/{id}/propose-transport-time")]
pub(super) async fn propose_transport_time(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Json(body): Json<ProposeRequest>,
) -> Result<web::Json<BookingDto>, ApiError> {
    let at = parse_time("transport_at", &body.transport_at)?;
    let full = service::propose_transport_time(&state, &staff, *id, at).await?;
    Ok(web::Json(view(&state, full, Party::Home).await?))
}

/// Mark a confirmed booking done (the services took place).
#[utoipa::path(tag = "funeral", operation_id = "funeral.desk.done", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = BookingDto)))]
#[post("/desk/funeral/bookings/{id}/done")]
pub(super) async fn done(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<BookingDto>, ApiError> {
    let full = service::mark_done(&state, &staff, *id).await?;
    Ok(web::Json(view(&state, full, Party::Home).await?))
}
