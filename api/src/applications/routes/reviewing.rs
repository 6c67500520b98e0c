//! The reviewers' queue, a case, its actions and files, the statistics.
use actix_web::{HttpResponse, get, post, web};
use chrono::Duration;
use uuid::Uuid;

use super::rules::{State, material_response, party_or_admin};
use crate::applications::dto::*;
use crate::applications::review;
use crate::applications::states::StatisticsFormat;
use crate::applications::view::full;
use crate::auth::extract::Staff;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::slice;

/// The review queue: a reviewer's street (active ones by default), an approver's
/// forwarded applications; urgent first, then by deadline, with `days_left` and `overdue`.
#[utoipa::path(tag = "review", operation_id = "review.queue", security(("staff_token" = [])), params(QueueQuery),
    responses((status = 200, body = ApplicationListDto)))]
#[get("/review/applications")]
pub(super) async fn queue(
    state: State,
    staff: Staff,
    Query(q): Query<QueueQuery>,
) -> Result<web::Json<ApplicationListDto>, ApiError> {
    let filter = review::Filter {
        status: q.status.map(|s| s.as_str().to_owned()),
        service: q.service_code.map(|s| s.as_str().to_owned()),
        overdue_only: q.overdue,
    };
    let party = party_or_admin(&staff);
    let all = review::queue(&state, &staff, filter).await?;
    let page = slice(all, &q.page(), |a| a.id.to_string())?;
    let mut items = Vec::new();
    for app in page.rows {
        items.push(full(&state, app, party, Some(&staff), "review/applications").await?);
    }
    Ok(web::Json(ApplicationListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// One application of the caller's scope, with what they may do now.
#[utoipa::path(tag = "review", operation_id = "review.get", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto)))]
#[get("/review/applications/{id}")]
pub(super) async fn review_one(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let app = review::open(&state, &staff, *id).await?;
    Ok(web::Json(
        full(
            &state,
            app,
            party_or_admin(&staff),
            Some(&staff),
            "review/applications",
        )
        .await?,
    ))
}

/// Act on an application: accept, return as incomplete, request a supplement (the clock
/// pauses), record a home visit, approve, reject or forward to the district. Checked
/// against the state machine: an action not allowed now is 409 listing those that are.
#[utoipa::path(tag = "review", operation_id = "review.act", request_body = ActionRequest, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto)))]
#[post("/review/applications/{id}/actions")]
pub(super) async fn act(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Json(body): Json<ActionRequest>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let app = review::act(
        &state,
        &staff,
        *id,
        body.action.as_str(),
        body.reason,
        body.materials,
    )
    .await?;
    Ok(web::Json(
        full(
            &state,
            app,
            party_or_admin(&staff),
            Some(&staff),
            "review/applications",
        )
        .await?,
    ))
}

/// Download a material of an application in the caller's scope.
#[utoipa::path(tag = "review", operation_id = "review.material.download", security(("staff_token" = [])), params(("id" = Uuid, Path), ("material_id" = Uuid, Path)),
    responses((status = 200, description = "The file", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "application/pdf")))))]
#[get("/review/applications/{id}/materials/{material_id}")]
pub(super) async fn review_material_file(
    state: State,
    staff: Staff,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, material_id) = path.into_inner();
    let app = review::visible(&state, &staff, id).await?;
    material_response(&state, app.id, material_id, false).await
}

/// The thumbnail of a material (JPEG, at most 320 px) for the reviewer's list; PDFs have
/// none (404).
#[utoipa::path(tag = "review", operation_id = "review.material.thumbnail", security(("staff_token" = [])), params(("id" = Uuid, Path), ("material_id" = Uuid, Path)),
    responses((status = 200, description = "JPEG", content_type = "image/jpeg", body = Vec<u8>)))]
#[get("/review/applications/{id}/materials/{material_id}/thumbnail")]
pub(super) async fn review_material_thumbnail(
    state: State,
    staff: Staff,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, material_id) = path.into_inner();
    let app = review::visible(&state, &staff, id).await?;
    material_response(&state, app.id, material_id, true).await
}

/// Counts by service, street, status and month, and median processing times (district
/// admins and approvers); `format=csv` for a spreadsheet.
#[utoipa::path(tag = "review", operation_id = "review.statistics", security(("staff_token" = [])), params(StatisticsQuery),
    responses((status = 200, body = StatisticsDto, description = "JSON, or `text/csv` with `format=csv`")))]
#[get("/review/statistics")]
pub(super) async fn statistics(
    state: State,
    staff: Staff,
    Query(q): Query<StatisticsQuery>,
) -> Result<HttpResponse, ApiError> {
    let today = clock::today();
    let to = q.to.unwrap_or(today);
    let from = q
        .from
        .unwrap_or_else(|| to.checked_sub_signed(Duration::days(365)).unwrap_or(to));
    let csv = q.format == Some(StatisticsFormat::Csv);
    let sane = |d: chrono::NaiveDate| (2000..=2100).contains(&chrono::Datelike::year(&d));
    if !sane(from) || !sane(to) || from > to {
        return Err(ApiError::new(Code::InvalidQuery).with_field(FieldError {
            field: "from".into(),
            reason: "range",
            message: Message::new("起止日期不对", "bad period"),
        }));
    }
    let (counts, medians) = review::statistics(&state, &staff, from, to).await?;
    if csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"applications.csv\"",
            ))
            .body(review::csv(&counts, &medians)));
    }
    Ok(HttpResponse::Ok().json(StatisticsDto {
        from,
        to,
        counts: counts
            .into_iter()
            .map(|c| CountDto {
                service_code: c.service_code,
                street_id: c.street_id,
                status: c.status,
                month: c.month,
                count: c.count,
            })
            .collect(),
        median_processing_days: medians,
    }))
}
