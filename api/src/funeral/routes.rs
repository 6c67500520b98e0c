//! Funeral routes: the homes and their price lists (public; district admins set prices),
//! the family's bookings, and the home's clerks working through their bookings.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::domain::{self, MAX_QUANTITY, Party};
use super::dto::*;
use super::service::{self, Full, ItemSpec, NewBooking, NewTransport};
use crate::auth::extract::{Citizen, DistrictAdmin, Guarded, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::mask_name;
use crate::identity::service as identity;
use crate::platform::audit::Actor;
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};
use crate::state::AppState;

type State = web::Data<AppState>;

/// Mounts the funeral routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_homes)
        .service(list_services)
        .service(save_service)
        .service(save_gaps)
        .service(book)
        .service(mine)
        .service(one)
        .service(cancel)
        .service(accept_transport_time)
        .service(home_bookings)
        .service(desk_one)
        .service(certificate)
        .service(confirm)
        .service(propose_transport_time)
        .service(done);
}

fn invalid(field: &str, reason: &'static str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: field.into(),
        reason,
        message: Message::new(zh, en),
    })
}

/// Everything about a booking, as `party` sees it.
#[expect(clippy::too_many_lines, reason = "one field of the answer a line")]
async fn view(state: &AppState, (row, lines): Full, party: Party) -> Result<BookingDto, ApiError> {
    let home = service::home(&state.db, &row.home_id).await?;
    let (farewell, cremation) = service::slots_of(&state.db, &row).await?;
    let open = |sealed: &str| state.sealer.open(sealed).map_err(ApiError::internal);
    // A value not held (never given, or emptied when the booker deleted their account).
    let open_held = |sealed: Option<&str>| sealed.map_or(Ok(String::new()), open);
    let for_home = |text: String| (party == Party::Home).then_some(text);
    let name = open(&row.deceased_name_sealed)?;
    let slot_ref = |s: entity::slot::Model| SlotRefDto {
        slot_id: s.id,
        starts_at: clock::format(s.starts_at),
        ends_at: clock::format(s.ends_at),
    };
    let transport = row.transport_status.clone().map(|status| {
        let address = open_held(row.transport_address_sealed.as_deref())?;
        let contact = open_held(row.transport_contact_name_sealed.as_deref())?;
        let phone = open_held(row.transport_contact_phone_sealed.as_deref())?;
        Ok::<_, ApiError>(TransportDto {
            status,
            address_masked: domain::mask_address(&address),
            contact_name_masked: mask_name(&contact),
            contact_phone_masked: domain::mask_phone(&phone),
            address: for_home(address),
            contact_name: for_home(contact),
            contact_phone: for_home(phone),
            requested_at: row
                .transport_requested_at
                .map(clock::format)
                .unwrap_or_default(),
            proposed_at: row.transport_proposed_at.map(clock::format),
            agreed_at: row.transport_at.map(clock::format),
        })
    });
    let transport = transport.transpose()?;
    Ok(BookingDto {
        allowed_actions: domain::allowed(
            &row.status,
            row.transport_status.as_deref(),
            party,
            clock::today() >= row.service_date,
        )
        .into_iter()
        .map(str::to_owned)
        .collect(),
        id: row.id,
        funeral_home_id: row.home_id,
        funeral_home_name: home.name,
        status: row.status,
        deceased: DeceasedDto {
            name_masked: mask_name(&name),
            name: for_home(name),
            id_number_masked: row.deceased_id_masked,
            date_of_death: row.date_of_death,
            death_certificate_number_masked: row.certificate_number_masked,
            death_certificate_media_id: row.certificate_media_id,
        },
        transport,
        farewell: farewell.map(slot_ref),
        cremation: cremation.map(slot_ref),
        service_date: row.service_date,
        lines: lines
            .into_iter()
            .map(|l| LineDto {
                code: l.code,
                name: l.name,
                kind: l.kind,
                quantity: l.quantity,
                unit_price_fen: l.unit_price_fen,
                free: l.free,
                amount_fen: l.amount_fen,
            })
            .collect(),
        total_fen: row.total_fen,
        created_at: clock::format(row.created_at),
        updated_at: clock::format(row.updated_at),
    })
}

/// One page of bookings as answers show them.
async fn views(
    state: &AppState,
    all: Vec<Full>,
    party: Party,
    page: &PageQuery,
) -> Result<BookingListDto, ApiError> {
    let page = slice(all, page, |(b, _)| b.id.to_string())?;
    let mut items = Vec::with_capacity(page.rows.len());
    for full in page.rows {
        items.push(view(state, full, party).await?);
    }
    Ok(BookingListDto {
        items,
        next_cursor: page.next_cursor,
    })
}

fn item_dto(i: entity::funeral_service_item::Model) -> ServiceItemDto {
    ServiceItemDto {
        code: i.code,
        name: i.name,
        kind: i.kind,
        price_fen: i.price_fen,
        basic: i.basic,
        active: i.active,
    }
}

/// The funeral homes (殡仪馆) and their booking rules (public).
#[utoipa::path(tag = "funeral", operation_id = "funeral.home.list", params(PageQuery),
    responses((status = 200, body = HomeListDto)))]
#[get("/funeral-homes")]
async fn list_homes(
    state: State,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<HomeListDto>, ApiError> {
    let page = slice(service::homes(&state.db).await?, &page, |r| r.id.clone())?;
    let mut items = Vec::with_capacity(page.rows.len());
    for r in page.rows {
        let gaps = service::gaps(&state.db, &r.id).await?;
        items.push(home_dto(r, gaps));
    }
    Ok(web::Json(HomeListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

fn home_dto(r: entity::resource::Model, gaps: domain::Gaps) -> HomeDto {
    HomeDto {
        id: r.id,
        name: r.name,
        address: r.address,
        window_days: r.window_days,
        cutoff_minutes: r.cutoff_minutes,
        cancel_minutes: r.cancel_minutes,
        transport_gap_minutes: gaps.transport,
        farewell_gap_minutes: gaps.farewell,
    }
}

/// Set a home's minimum gaps between its services (district admins): from the body's
/// pick-up to the first service, and from the end of the farewell to the cremation.
/// New bookings and the home's proposed transport times follow them; bookings already
/// made keep their times.
#[utoipa::path(tag = "funeral", operation_id = "funeral.home.gaps_save", request_body = HomeGapsRequest, security(("staff_token" = [])),
    params(("id" = String, Path, example = "tongzhou-funeral-home")),
    responses((status = 200, body = HomeDto)))]
#[put("/funeral-homes/{id}/gaps")]
async fn save_gaps(
    state: State,
    admin: Guarded<DistrictAdmin>,
    id: web::Path<String>,
    Json(body): Json<HomeGapsRequest>,
) -> Result<web::Json<HomeDto>, ApiError> {
    for (field, value) in [
        ("transport_gap_minutes", body.transport_gap_minutes),
        ("farewell_gap_minutes", body.farewell_gap_minutes),
    ] {
        if !(0..=domain::MAX_GAP_MINUTES).contains(&value) {
            return Err(invalid(
                field,
                "range",
                "须在 0 到 1440 分钟之间",
                "0 to 1440 minutes",
            ));
        }
    }
    let gaps = domain::Gaps {
        transport: body.transport_gap_minutes,
        farewell: body.farewell_gap_minutes,
    };
    let actor = Actor::Staff {
        id: admin.0.id,
        role: admin.0.role.as_str(),
    };
    let txn = state.begin().await?;
    service::save_gaps(&txn, &id, gaps, actor, admin.0.request_id.clone()).await?;
    let home = service::home(&txn, &id).await?;
    txn.commit().await?;
    Ok(web::Json(home_dto(home, gaps)))
}

/// A home's price list (public): services with their prices in fen; basic services
/// (`basic`) are free for families.
#[utoipa::path(tag = "funeral", operation_id = "funeral.service.list", params(("id" = String, Path, example = "tongzhou-funeral-home"), CatalogueQuery),
    responses((status = 200, body = ServiceItemListDto)))]
#[get("/funeral-homes/{id}/services")]
async fn list_services(
    state: State,
    id: web::Path<String>,
    Query(q): Query<CatalogueQuery>,
) -> Result<web::Json<ServiceItemListDto>, ApiError> {
    let home = service::home(&state.db, &id).await?;
    let all = service::catalogue(&state.db, &home.id, q.all).await?;
    let page = slice(all, &q.page(), |i| i.code.clone())?;
    Ok(web::Json(ServiceItemListDto {
        home_id: home.id,
        items: page.rows.into_iter().map(item_dto).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Set one service of a home's price list (district admins). Bookings already made keep
/// the price of their day.
#[utoipa::path(tag = "funeral", operation_id = "funeral.service.save", request_body = ServiceItemRequest, security(("staff_token" = [])),
    params(("id" = String, Path, example = "tongzhou-funeral-home"), ("code" = String, Path, description = "Lower-case code, e.g. `urn_basic`", example = "urn_basic")),
    responses((status = 200, body = ServiceItemDto)))]
#[put("/funeral-homes/{id}/services/{code}")]
async fn save_service(
    state: State,
    admin: Guarded<DistrictAdmin>,
    path: web::Path<(String, String)>,
    Json(body): Json<ServiceItemRequest>,
) -> Result<web::Json<ServiceItemDto>, ApiError> {
    let (home_id, code) = path.into_inner();
    let code_ok = (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !code_ok {
        return Err(invalid(
            "code",
            "format",
            "只能使用小写字母、数字和 _",
            "lower-case letters, digits and _ only",
        ));
    }
    let name = body.name.trim().to_owned();
    if !(1..=30).contains(&name.chars().count()) {
        return Err(invalid(
            "name",
            "length",
            "名称须为 1 到 30 个字",
            "1 to 30 characters",
        ));
    }
    if !(0..=10_000_000).contains(&body.price_fen) {
        return Err(invalid(
            "price_fen",
            "range",
            "价格须在 0 到 10,000,000 分之间",
            "0 to 10,000,000 fen",
        ));
    }
    let spec = ItemSpec {
        name,
        kind: body.kind.as_str().to_owned(),
        price_fen: body.price_fen,
        basic: body.basic,
        active: body.active,
    };
    let actor = Actor::Staff {
        id: admin.0.id,
        role: admin.0.role.as_str(),
    };
    let txn = state.begin().await?;
    let saved = service::save_item(
        &txn,
        &home_id,
        &code,
        spec,
        actor,
        admin.0.request_id.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(item_dto(saved)))
}

fn parse_time(field: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            invalid(
                field,
                "format",
                "时间格式应为 2026-12-01T08:00:00+08:00",
                "an RFC 3339 time with offset, e.g. 2026-12-01T08:00:00+08:00",
            )
        })
}

fn parse_transport(t: TransportRequest) -> Result<NewTransport, ApiError> {
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

fn parse_items(items: Vec<ItemRequest>) -> Result<Vec<(String, i32)>, ApiError> {
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

fn parse_booking(body: FuneralBookRequest) -> Result<NewBooking, ApiError> {
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
async fn book(
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
async fn mine(
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
async fn one(
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
async fn cancel(
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
async fn accept_transport_time(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<BookingDto>, ApiError> {
    let full = service::accept_transport_time(&state, &citizen, *id).await?;
    Ok(web::Json(view(&state, full, Party::Citizen).await?))
}

/// A home's bookings for its clerks (and district admins), by first service date:
/// names, transport address and contact in full, ID numbers masked.
#[utoipa::path(tag = "funeral", operation_id = "funeral.desk.list", security(("staff_token" = [])), params(HomeBookingsQuery),
    responses((status = 200, body = BookingListDto)))]
#[get("/desk/funeral/bookings")]
async fn home_bookings(
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
async fn desk_one(
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
async fn certificate(
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
async fn confirm(
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
async fn propose_transport_time(
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
async fn done(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<BookingDto>, ApiError> {
    let full = service::mark_done(&state, &staff, *id).await?;
    Ok(web::Json(view(&state, full, Party::Home).await?))
}
