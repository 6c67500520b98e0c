//! Statistics, the overdue list, the export and the sweep's progress.
use actix_web::{HttpResponse, get, web};

use super::rules::{State, dtos};
use crate::auth::extract::Staff;
use crate::certification::domain::street_of;
use crate::certification::dto::*;
use crate::certification::stats;
use crate::error::{ApiError, Code};
use crate::platform::clock;
use crate::platform::extract::Query;
use crate::platform::pagination::{PageQuery, slice};

/// Counts by status for a street (`district`: all streets, for district staff).
#[utoipa::path(tag = "certification", operation_id = "certification.stats", security(("staff_token" = [])), params(("street" = String, Path, example = "yongshun")),
    responses((status = 200, body = StatsDto)))]
#[get("/certification/streets/{street}/stats")]
pub(super) async fn street_stats(
    state: State,
    staff: Staff,
    street: web::Path<String>,
) -> Result<web::Json<StatsDto>, ApiError> {
    let which = street_of(&staff.scope, Some(&street))?;
    let rows = stats::with_status(&state, which.as_deref()).await?;
    let counts = stats::counts(&rows)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    Ok(web::Json(StatsDto {
        street_id: street.into_inner(),
        total: rows.len() as u64,
        suspended: rows
            .iter()
            .filter(|(t, _)| t.allowance_status == "suspended")
            .count() as u64,
        counts,
    }))
}

/// The overdue list of a street, longest overdue first, paged.
#[utoipa::path(tag = "certification", operation_id = "certification.overdue", security(("staff_token" = [])), params(("street" = String, Path, example = "yongshun"), PageQuery),
    responses((status = 200, body = TransfereePage)))]
#[get("/certification/streets/{street}/overdue")]
pub(super) async fn overdue(
    state: State,
    staff: Staff,
    street: web::Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<TransfereePage>, ApiError> {
    let which = street_of(&staff.scope, Some(&street))?;
    let rows = stats::with_status(&state, which.as_deref()).await?;
    let overdue: Vec<_> = rows
        .into_iter()
        .filter(|(_, s)| *s == crate::certification::domain::Status::Overdue)
        .map(|(t, _)| t)
        .collect();
    let page = slice(overdue, &page, |t| t.id.to_string())?;
    let items = dtos(&state, page.rows).await?;
    Ok(web::Json(TransfereePage {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// The street's transferees as CSV (UTF-8 with BOM, opens in Excel), masked.
#[utoipa::path(tag = "certification", operation_id = "certification.export", security(("staff_token" = [])), params(("street" = String, Path, example = "yongshun")),
    responses((status = 200, description = "CSV: 姓名, 身份证号码 (masked), 街道, 村, 状态, 截止日期, 上次认证, 方式, 补助发放", content_type = "text/csv", body = String)))]
#[get("/certification/streets/{street}/export.csv")]
pub(super) async fn export(
    state: State,
    staff: Staff,
    street: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let which = street_of(&staff.scope, Some(&street))?;
    let rows = stats::with_status(&state, which.as_deref()).await?;
    let body = stats::csv(&rows)?;
    let subjects: Vec<String> = rows
        .iter()
        .map(|(t, _)| t.id_number_index.clone())
        .collect();
    let read = crate::identity::access::Read {
        kind: crate::identity::access::AccessKind::Export,
        target_kind: "street",
        target_id: &street,
    };
    crate::identity::access::record(&state.db, &staff, &read, &subjects).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"certification-{street}.csv\""),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(body))
}

/// Certification progress as an SVG line chart: certifications (cumulative) per day
/// since `since`, against the number of transferees, for the weekly meeting.
#[utoipa::path(tag = "certification", operation_id = "certification.progress", security(("staff_token" = [])), params(("street" = String, Path, example = "yongshun"), PlotQuery),
    responses((status = 200, description = "SVG", content_type = "image/svg+xml", body = String)))]
#[get("/certification/streets/{street}/progress.svg")]
pub(super) async fn progress(
    state: State,
    staff: Staff,
    street: web::Path<String>,
    Query(q): Query<PlotQuery>,
) -> Result<HttpResponse, ApiError> {
    let which = street_of(&staff.scope, Some(&street))?;
    let today = clock::today();
    let since = q.since.unwrap_or(today - chrono::Duration::weeks(12));
    if since > today || (today - since).num_days() > 731 {
        return Err(ApiError::new(Code::InvalidQuery));
    }
    let series = stats::progress(&state, which.as_deref(), since).await?;
    let registry = stats::in_cycle(&state, which.as_deref()).await?;
    let title = format!("生存认证进度 · {street}");
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "private, no-store"))
        .body(stats::plot(&title, &series, registry)))
}
