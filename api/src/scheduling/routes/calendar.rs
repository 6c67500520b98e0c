//! Dated exceptions and the national calendar.
use actix_web::{post, put, web};
use chrono::NaiveDate;

use super::rules::{State, actor, invalid};
use crate::auth::extract::Admin;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::extract::Json;
use crate::scheduling::closing;
use crate::scheduling::dto::*;
use crate::scheduling::setup;
use crate::scheduling::states::{OnBookings, ResourceExceptionKind};

/// Close a day or change its capacity (admins): holidays of the office, 5.20, 七夕, 清明.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.exception.set", request_body = ExceptionRequest, security(("staff_token" = [])),
    params(("id" = String, Path), ("date" = chrono::NaiveDate, Path)),
    responses((status = 204, description = "Set")))]
#[put("/resources/{id}/exceptions/{date}")]
pub(super) async fn set_exception(
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
    crate::scheduling::waitlist::offer_day(&txn, &state, &id, date).await?;
    txn.commit().await?;
    Ok(actix_web::HttpResponse::NoContent().finish())
}

/// Load national holidays and make-up working days (admins), e.g. a year at once.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.calendar.load", request_body = CalendarRequest, security(("staff_token" = [])),
    responses((status = 200, body = CalendarLoadedDto)))]
#[post("/calendar/days")]
pub(super) async fn load_calendar(
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
