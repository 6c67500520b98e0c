//! Scheduling routes: resources and their availability (public), and their settings,
//! templates, exceptions and the national calendar (admins).
use std::sync::Arc;

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{Duration, NaiveDate, Utc};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::*;
use super::setup::{self, ResourceSpec, TemplateSlot};
use super::states::{OnBookings, ResourceExceptionKind, SlotBusinessType};
use super::{closing, domain, engine, peak};
use crate::auth::extract::Admin;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::audit::Actor;
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};
use crate::state::AppState;

type State = web::Data<AppState>;

/// The day's state at `now`: an open day whose every slot has started (today, late) is
/// `past`, not `open`; the cached day does not know the time of the request. (A day whose
/// booking closed by a cut-off before its slots start stays `open` with every slot
/// `bookable: false`.)
fn state_now(d: &engine::Day, now: chrono::DateTime<chrono::Utc>) -> &'static str {
    let all_started = !d.slots.is_empty() && d.slots.iter().all(|s| s.starts_at <= now);
    match d.state {
        "open" if all_started => "past",
        state => state,
    }
}

/// Mounts the scheduling routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_resources)
        .service(get_resource)
        .service(save_resource)
        .service(get_template)
        .service(replace_template)
        .service(set_exception)
        .service(load_calendar)
        .service(availability)
        .service(list_periods)
        .service(create_period)
        .service(delete_period);
}

fn invalid(field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: field.into(),
        reason: "value",
        message: Message::new(zh, en),
    })
}

fn actor(admin: &Admin) -> Actor {
    Actor::Staff {
        id: admin.0.id,
        role: admin.0.role.as_str(),
    }
}

/// A short lower-case code such as `marriage` or `marriage-centre`.
fn check_code(field: &str, text: &str) -> Result<(), ApiError> {
    if domain::is_code(text) {
        Ok(())
    } else {
        Err(invalid(
            field,
            "只能使用小写字母、数字、- 和 _",
            "lower-case letters, digits, - and _ only",
        ))
    }
}

/// List the bookable places (婚姻登记处、告别厅、墓园 ...).
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.resource.list", params(ResourceQuery),
    responses((status = 200, body = ResourceListDto)))]
#[get("/resources")]
async fn list_resources(
    state: State,
    Query(q): Query<ResourceQuery>,
) -> Result<web::Json<ResourceListDto>, ApiError> {
    use entity::resource;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mut find = resource::Entity::find().order_by_asc(resource::Column::Id);
    if let Some(kind) = q.kind {
        find = find.filter(resource::Column::Kind.eq(kind.as_str()));
    }
    let page = slice(find.all(&state.db).await?, &q.page(), |r| r.id.clone())?;
    Ok(web::Json(ResourceListDto {
        items: page.rows.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One bookable place and its booking rules.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.resource.get", params(("id" = String, Path)),
    responses((status = 200, body = ResourceDto)))]
#[get("/resources/{id}")]
async fn get_resource(
    state: State,
    id: web::Path<String>,
) -> Result<web::Json<ResourceDto>, ApiError> {
    Ok(web::Json(engine::resource(&state.db, &id).await?.into()))
}

/// Create or change a bookable place (admins).
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.resource.save", request_body = ResourceRequest, security(("staff_token" = [])),
    params(("id" = String, Path, description = "Lower-case id, e.g. `marriage-centre`")),
    responses((status = 200, body = ResourceDto)))]
#[put("/resources/{id}")]
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
async fn save_resource(
    state: State,
    admin: Admin,
    id: web::Path<String>,
    Json(body): Json<ResourceRequest>,
) -> Result<web::Json<ResourceDto>, ApiError> {
    check_code("id", &id)?;
    if !(1..=366).contains(&body.window_days) {
        return Err(invalid(
            "window_days",
            "须在 1 到 366 之间",
            "between 1 and 366",
        ));
    }
    if domain::parse_hhmm(&body.window_opens_at).is_none() {
        return Err(invalid(
            "window_opens_at",
            "时间格式为 HH:MM",
            "a time as HH:MM",
        ));
    }
    if body
        .cutoff_previous_day_at
        .as_deref()
        .is_some_and(|t| domain::parse_hhmm(t).is_none())
    {
        return Err(invalid(
            "cutoff_previous_day_at",
            "时间格式为 HH:MM",
            "a time as HH:MM",
        ));
    }
    if body.name.trim().is_empty()
        || body.name.chars().count() > 60
        || body
            .address
            .as_ref()
            .is_some_and(|a| a.chars().count() > 200)
    {
        return Err(invalid(
            "name",
            "名称 1 到 60 个字，地址最多 200 个字",
            "name 1 to 60 characters, address at most 200",
        ));
    }
    if body.cutoff_minutes < 0 || body.cancel_minutes < 0 {
        return Err(invalid(
            "cutoff_minutes",
            "分钟数不能为负，名称不能为空",
            "minutes cannot be negative; the name is required",
        ));
    }
    let spec = ResourceSpec {
        id: id.into_inner(),
        kind: body.kind.as_str().to_owned(),
        name: body.name.trim().to_owned(),
        address: body.address,
        window_days: body.window_days,
        window_opens_at: body.window_opens_at,
        cutoff_previous_day_at: body.cutoff_previous_day_at,
        cutoff_minutes: body.cutoff_minutes,
        cancel_minutes: body.cancel_minutes,
        working_days_only: body.working_days_only,
    };
    let txn = state.begin().await?;
    let saved = setup::save_resource(&txn, spec, actor(&admin), admin.0.request_id.clone()).await?;
    txn.commit().await?;
    Ok(web::Json(saved.into()))
}

/// A place's weekly slot template for one business type (public, like the availability it
/// makes), ordered by weekday and start time; empty when none is set.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.template.get",
    params(("id" = String, Path, example = "marriage-centre"), ("business_type" = SlotBusinessType, Path, description = "e.g. `marriage`")),
    responses((status = 200, body = TemplateRequest)))]
#[get("/resources/{id}/templates/{business_type}")]
async fn get_template(
    state: State,
    path: web::Path<(String, SlotBusinessType)>,
) -> Result<web::Json<TemplateRequest>, ApiError> {
    let (id, business_type) = path.into_inner();
    let slots = setup::template(&state.db, &id, business_type.as_str()).await?;
    Ok(web::Json(TemplateRequest {
        slots: slots
            .into_iter()
            .map(|s| TemplateSlotDto {
                weekday: s.weekday,
                start_time: s.start_time,
                end_time: s.end_time,
                capacity: s.capacity,
            })
            .collect(),
    }))
}

/// Replace a place's weekly slot template for one business type (admins).
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.template.replace", request_body = TemplateRequest, security(("staff_token" = [])),
    params(("id" = String, Path, example = "marriage-centre"), ("business_type" = SlotBusinessType, Path, description = "e.g. `marriage`")),
    responses((status = 204, description = "Replaced; dates not yet shown follow it")))]
#[put("/resources/{id}/templates/{business_type}")]
async fn replace_template(
    state: State,
    admin: Admin,
    path: web::Path<(String, SlotBusinessType)>,
    Json(body): Json<TemplateRequest>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let (id, business_type) = path.into_inner();
    let business_type = business_type.as_str();
    let mut slots = Vec::with_capacity(body.slots.len());
    for (i, s) in body.slots.into_iter().enumerate() {
        let (start, end) = (
            domain::parse_hhmm(&s.start_time),
            domain::parse_hhmm(&s.end_time),
        );
        let ok = (1..=7).contains(&s.weekday)
            && (0..=10_000).contains(&s.capacity)
            && matches!((start, end), (Some(a), Some(b)) if a < b);
        if !ok {
            return Err(ApiError::new(Code::InvalidBody).with_field(FieldError {
                field: format!("slots[{i}]"),
                reason: "value",
                message: Message::new(
                    "星期 1-7，时间 HH:MM 且开始早于结束，容量 0-10000",
                    "weekday 1-7, times HH:MM with start before end, capacity 0-10000",
                ),
            }));
        }
        slots.push(TemplateSlot {
            weekday: s.weekday,
            start_time: s.start_time,
            end_time: s.end_time,
            capacity: s.capacity,
        });
    }
    let txn = state.begin().await?;
    setup::replace_template(
        &txn,
        &id,
        business_type,
        slots,
        actor(&admin),
        admin.0.request_id.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(actix_web::HttpResponse::NoContent().finish())
}

/// Close a day or change its capacity (admins): holidays of the office, 5.20, 七夕, 清明.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.exception.set", request_body = ExceptionRequest, security(("staff_token" = [])),
    params(("id" = String, Path), ("date" = chrono::NaiveDate, Path)),
    responses((status = 204, description = "Set")))]
#[put("/resources/{id}/exceptions/{date}")]
async fn set_exception(
    state: State,
    admin: Admin,
    path: web::Path<(String, NaiveDate)>,
    Json(body): Json<ExceptionRequest>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let (id, date) = path.into_inner();
    if body.note.chars().count() > 60 {
        return Err(invalid("note", "说明最多 60 个字", "at most 60 characters"));
    }
    let closed = match body.kind {
        ResourceExceptionKind::Closed => true,
        ResourceExceptionKind::Special
            if body
                .capacity_percent
                .is_some_and(|p| (0..=1000).contains(&p)) =>
        {
            false
        }
        ResourceExceptionKind::Special => {
            return Err(invalid(
                "kind",
                "closed，或 special 加 0-1000 的 capacity_percent",
                "closed, or special with capacity_percent 0-1000",
            ));
        }
    };
    let txn = state.begin().await?;
    setup::set_exception(
        &txn,
        &id,
        setup::Exception {
            date,
            closed,
            capacity_percent: body.capacity_percent,
            note: body.note,
        },
        actor(&admin),
        admin.0.request_id.clone(),
    )
    .await?;
    // More seats may have come: people waiting for the day are offered them first.
    super::waitlist::offer_day(&txn, &state, &id, date).await?;
    txn.commit().await?;
    Ok(actix_web::HttpResponse::NoContent().finish())
}

/// Load national holidays and make-up working days (admins), e.g. a year at once.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.calendar.load", request_body = CalendarRequest, security(("staff_token" = [])),
    responses((status = 200, body = CalendarLoadedDto)))]
#[post("/calendar/days")]
async fn load_calendar(
    state: State,
    admin: Admin,
    Json(body): Json<CalendarRequest>,
) -> Result<web::Json<CalendarLoadedDto>, ApiError> {
    let mut days = Vec::with_capacity(body.days.len());
    let mut seen = std::collections::HashSet::new();
    for (i, d) in body.days.into_iter().enumerate() {
        if !seen.insert(d.date) || d.name.chars().count() > 30 {
            return Err(ApiError::new(Code::InvalidBody).with_field(FieldError {
                field: format!("days[{i}]"),
                reason: "value",
                message: Message::new(
                    "日期重复，或名称超过 30 个字",
                    "a repeated date, or a name over 30 characters",
                ),
            }));
        }
        days.push((i, d.date, d.kind, d.name));
    }
    let on_bookings = body.on_bookings.unwrap_or(OnBookings::Refuse);
    let txn = state.begin().await?;
    let rows = days
        .iter()
        .map(|(_, date, kind, name)| (*date, *kind, name.clone()))
        .collect();
    let loaded =
        setup::load_calendar(&txn, rows, actor(&admin), admin.0.request_id.clone()).await?;
    let outcome = closing::apply_calendar(&txn, &state, &days, on_bookings).await?;
    txn.commit().await?;
    Ok(web::Json(CalendarLoadedDto {
        loaded,
        closed_days: outcome
            .closed
            .into_iter()
            .map(|d| ClosedDayDto {
                date: d.date,
                business_type: d.business_type,
                resource_id: d.resource_id,
            })
            .collect(),
        cancelled: outcome
            .cancelled
            .into_iter()
            .map(|b| CancelledBookingDto {
                kind: b.kind.into(),
                id: b.id,
                code: b.code,
            })
            .collect(),
    }))
}

/// Seats per day and slot (放号查询). Public; answers may be up to a second old.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.availability", params(("id" = String, Path), AvailabilityQuery),
    responses((status = 200, body = AvailabilityDto)))]
#[get("/resources/{id}/availability")]
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
async fn availability(
    state: State,
    id: web::Path<String>,
    Query(q): Query<AvailabilityQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let from = q.from.unwrap_or_else(|| domain::local_date(now));
    let today = domain::local_date(now);
    let bounded = |d: NaiveDate| (d - today).num_days().abs() <= 400;
    let to =
        q.to.unwrap_or(from.checked_add_signed(Duration::days(31)).unwrap_or(from));
    if !bounded(from) || !bounded(to) || to < from || to - from > Duration::days(31) {
        return Err(ApiError::new(Code::InvalidQuery).with_field(FieldError {
            field: "to".into(),
            reason: "range",
            message: Message::new(
                "查询范围须在 0 到 31 天之间",
                "the range must be 0 to 31 days",
            ),
        }));
    }
    // At opening time everybody asks the same question many times a second.
    let key = (
        id.to_string(),
        q.business_type.as_str().to_owned(),
        from,
        to,
    );
    let refresh = match state.availability.answer(key) {
        engine::Lookup::Hit(body) => return Ok(json_bytes(body)),
        engine::Lookup::Miss(refresh) => refresh,
    };
    let r = engine::resource(&state.db, &id).await?;
    let days = engine::availability(
        &state.db,
        &state.availability,
        &r,
        q.business_type.as_str(),
        from,
        to,
        now,
    )
    .await?;
    let days = days
        .into_iter()
        .map(|d| DayDto {
            date: d.date,
            state: state_now(&d, now).to_owned(),
            slots: d
                .slots
                .iter()
                .map(|s| SlotDto {
                    slot_id: s.id,
                    starts_at: clock::format(s.starts_at),
                    ends_at: clock::format(s.ends_at),
                    capacity: s.capacity,
                    remaining: (s.capacity - s.booked).max(0),
                    bookable: d.state == "open"
                        && s.booked < s.capacity
                        && engine::check_open(&d.window, s, now).is_ok(),
                })
                .collect(),
        })
        .collect();
    let answer = AvailabilityDto {
        resource_id: r.id,
        business_type: q.business_type,
        days,
    };
    let body: Arc<[u8]> = serde_json::to_vec(&answer)
        .map_err(ApiError::internal)?
        .into();
    refresh.keep(body.clone());
    Ok(json_bytes(body))
}

fn json_bytes(body: Arc<[u8]>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(actix_web::web::Bytes::copy_from_slice(&body))
}

async fn period_dto(
    state: &AppState,
    p: entity::peak_period::Model,
) -> Result<PeakPeriodDto, ApiError> {
    // Layouts are checked on the way in; one of a business no room books is not shown.
    let slots = peak::slots_of(&state.db, p.id)
        .await?
        .into_iter()
        .filter_map(|s| {
            Some(PeakSlotDto {
                business_type: SlotBusinessType::parse(&s.business_type)?,
                start_time: s.start_time,
                end_time: s.end_time,
                capacity: s.capacity,
            })
        })
        .collect();
    Ok(PeakPeriodDto {
        id: p.id,
        resource_id: p.resource_id,
        name: p.name,
        first_date: p.first_date,
        last_date: p.last_date,
        window_days: p.window_days,
        slots,
    })
}

/// A place's peak periods (清明, 冬至) from today on (public): when they open and their
/// slot layout.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.peak.list", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = PeakPeriodListDto)))]
#[get("/resources/{id}/peak-periods")]
async fn list_periods(
    state: State,
    id: web::Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<PeakPeriodListDto>, ApiError> {
    let r = engine::resource(&state.db, &id).await?;
    let today = clock::today();
    let far = today + Duration::days(800);
    let all = peak::in_range(&state.db, &r.id, today, far).await?;
    let page = slice(all, &page, |p| p.id.to_string())?;
    let mut items = Vec::new();
    for p in page.rows {
        items.push(period_dto(&state, p).await?);
    }
    Ok(web::Json(PeakPeriodListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Define a peak period of a place (admins): its own daily slot layout (other capacities,
/// shorter slots) and an earlier opening. Refused over another period, or over days that
/// already have bookings of a business type it lays out.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.peak.create", request_body = PeakPeriodRequest, security(("staff_token" = [])), params(("id" = String, Path, example = "luhe-cemetery")),
    responses((status = 201, body = PeakPeriodDto)))]
#[post("/resources/{id}/peak-periods")]
async fn create_period(
    state: State,
    admin: Admin,
    id: web::Path<String>,
    Json(body): Json<PeakPeriodRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = peak::NewPeriod {
        name: body.name,
        first_date: body.first_date,
        last_date: body.last_date,
        window_days: body.window_days,
        slots: body
            .slots
            .into_iter()
            .map(|s| peak::PeakSlot {
                business_type: s.business_type.as_str().to_owned(),
                start_time: s.start_time,
                end_time: s.end_time,
                capacity: s.capacity,
            })
            .collect(),
    };
    if let Err((field, zh, en)) = peak::check(&new) {
        return Err(invalid(field, zh, en));
    }
    let txn = state.begin().await?;
    let period = peak::create(&txn, &id, new, actor(&admin), admin.0.request_id.clone()).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(period_dto(&state, period).await?))
}

/// Remove a peak period (admins); refused while its days have bookings it laid out.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.peak.delete", security(("staff_token" = [])), params(("id" = String, Path), ("period_id" = Uuid, Path)),
    responses((status = 204, description = "Removed; its days follow the weekly template again")))]
#[delete("/resources/{id}/peak-periods/{period_id}")]
async fn delete_period(
    state: State,
    admin: Admin,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, period_id) = path.into_inner();
    let txn = state.begin().await?;
    peak::delete(
        &txn,
        &id,
        period_id,
        actor(&admin),
        admin.0.request_id.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
