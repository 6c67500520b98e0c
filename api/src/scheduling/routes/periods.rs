//! Peak periods of a place.
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::Duration;
use uuid::Uuid;

use super::rules::{State, actor, invalid};
use crate::auth::extract::Admin;
use crate::error::ApiError;
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};
use crate::scheduling::dto::*;
use crate::scheduling::states::SlotBusinessType;
use crate::scheduling::{engine, peak};
use crate::state::AppState;

pub(super) async fn period_dto(
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
pub(super) async fn list_periods(
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
pub(super) async fn create_period(
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
pub(super) async fn delete_period(
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
