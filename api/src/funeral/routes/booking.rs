//! A family's bookings: booking, reading, cancelling, accepting a transport time.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use uuid::Uuid;

use super::rules::{State, invalid, parse_time, view, views};
use crate::auth::extract::Citizen;
use crate::error::ApiError;
use crate::funeral::domain::{self, MAX_QUANTITY, Party};
use crate::funeral::dto::*;
use crate::funeral::service::{self, NewBooking, NewTransport};
use crate::identity::service as identity;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::PageQuery;

pub(super) fn parse_transport(t: TransportRequest) -> Result<NewTransport, ApiError> {
    let address = t.address.trim().to_owned();
    if !(4..=100).contains(&address.chars().count()) {
        return Err(invalid(
            "transport.address",
            "length",
            "地址须为 4 到 100 个字",
            "4 to 100 characters",
        ));
    }
    let requested_at = parse_time("transport.requested_at", &t.requested_at)?;
    if requested_at <= Utc::now() {
        return Err(invalid(
            "transport.requested_at",
            "range",
            "接运时间须晚于现在",
            "the transport time must be in the future",
        ));
    }
    let contact_phone = crate::platform::text::identifier(&t.contact_phone);
    if !domain::phone_ok(&contact_phone) {
        return Err(invalid(
            "transport.contact_phone",
            "format",
            "请填写正确的电话号码",
            "a phone number of 7 to 20 digits",
        ));
    }
    Ok(NewTransport {
        address,
        requested_at,
        contact_name: identity::parse_name("transport.contact_name", &t.contact_name)?,
        contact_phone,
    })
}

pub(super) fn parse_items(items: Vec<ItemRequest>) -> Result<Vec<(String, i32)>, ApiError> {
    if items.is_empty() || items.len() > 20 {
        return Err(invalid(
            "items",
            "length",
            "请选择 1 到 20 项服务",
            "1 to 20 items",
        ));
    }
    let mut out: Vec<(String, i32)> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        if !(1..=MAX_QUANTITY).contains(&item.quantity) {
            return Err(invalid(
                &format!("items[{i}].quantity"),
                "range",
                "数量须在 1 到 99 之间",
                "1 to 99",
            ));
        }
        if out.iter().any(|(c, _)| *c == item.code) {
            return Err(invalid(
                &format!("items[{i}].code"),
                "duplicate",
                "同一服务只能选一次，请改数量",
                "each service once; change the quantity instead",
            ));
        }
        out.push((item.code, item.quantity));
    }
    Ok(out)
}

pub(super) fn parse_booking(body: FuneralBookRequest) -> Result<NewBooking, ApiError> {
    let d = body.deceased;
    let certificate_number = crate::platform::text::identifier(&d.death_certificate_number);
    if !domain::certificate_number_ok(&certificate_number) {
        return Err(invalid(
            "deceased.death_certificate_number",
            "format",
            "死亡证明编号为 4 到 40 位字母、数字或 -",
            "4 to 40 letters, digits or -",
        ));
    }
    Ok(NewBooking {
        home_id: body.funeral_home_id,
        deceased_name: identity::parse_name("deceased.name", &d.name)?,
        deceased_id: identity::parse_id_number("deceased.id_number", &d.id_number)?,
        date_of_death: d.date_of_death,
        certificate_number,
        certificate_media_id: d.death_certificate_media_id,
        transport: body.transport.map(parse_transport).transpose()?,
        farewell_slot_id: body.farewell_slot_id,
        cremation_slot_id: body.cremation_slot_id,
        items: parse_items(body.items)?,
    })
}

/// Book funeral services for the deceased (a family member with a verified real name).
/// Honours `Idempotency-Key`. Farewell and cremation seats are taken at once (never
/// overbooked); the home then confirms, or proposes another transport time. The lines
/// keep today's prices; basic services cost 0. One active booking per deceased.
#[utoipa::path(tag = "funeral", operation_id = "funeral.booking.book", request_body = FuneralBookRequest, security(("citizen_token" = [])),
    responses((status = 201, body = BookingDto)))]
#[post("/funeral/bookings")]
pub(super) async fn book(
    state: State,
    citizen: Citizen,
    Json(body): Json<FuneralBookRequest>,
) -> Result<HttpResponse, ApiError> {
    let booked = service::book(&state, &citizen, parse_booking(body)?).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(view(&state, booked, Party::Citizen).await?))
}

/// Your funeral bookings, newest first.
#[utoipa::path(tag = "funeral", operation_id = "funeral.booking.list", security(("citizen_token" = [])),
    params(PageQuery),
    responses((status = 200, body = BookingListDto)))]
#[get("/funeral/bookings")]
pub(super) async fn mine(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<BookingListDto>, ApiError> {
    let all = service::list_mine(&state, &citizen).await?;
    Ok(web::Json(views(&state, all, Party::Citizen, &page).await?))
}

/// One of your funeral bookings.
#[utoipa::path(tag = "funeral", operation_id = "funeral.booking.get", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = BookingDto)))]
#[get("/funeral/bookings/{id}")]
pub(super) async fn one(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<BookingDto>, ApiError> {
    let full = service::for_citizen(&state.db, &citizen, *id).await?;
    Ok(web::Json(view(&state, full, Party::Citizen).await?))
}

/// Cancel your booking, until the home's cancel time before its first service; the
/// farewell and cremation seats are given back.
#[utoipa::path(tag = "funeral", operation_id = "funeral.booking.cancel", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = BookingDto)))]
#[post("/funeral/bookings/{id}/cancel")]
pub(super) async fn cancel(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<BookingDto>, ApiError> {
    let full = service::cancel(&state, &citizen, *id).await?;
    Ok(web::Json(view(&state, full, Party::Citizen).await?))
}

/// Accept the transport time the home proposed: the booking is confirmed.
#[utoipa::path(tag = "funeral", operation_id = "funeral.booking.accept_transport_time", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = BookingDto)))]
#[post("/funeral/bookings/{id}/accept-transport-time")]
pub(super) async fn accept_transport_time(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<BookingDto>, ApiError> {
    let full = service::accept_transport_time(&state, &citizen, *id).await?;
    Ok(web::Json(view(&state, full, Party::Citizen).await?))
}
