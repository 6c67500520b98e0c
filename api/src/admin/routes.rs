//! Admin routes. Reading the street list is public: every form that names a street needs it.
use actix_web::{get, web};
use sea_orm::DatabaseConnection;
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{AuditEventDto, AuditQuery, JobDto, StreetDto};
use super::service;
use crate::auth::extract::{DistrictAdmin, DistrictOversight, Guarded};
use crate::error::ApiError;
use crate::error::Code;
use crate::platform::extract::Query;
use crate::platform::pagination::{Page, PageQuery};

/// Mounts the admin room's routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_streets)
        .service(list_audit_events)
        .service(get_job);
}

/// A bulk job's progress and outcome (district admins), e.g. of
/// `POST /api/v1/certification/sweeps`.
#[utoipa::path(tag = "audit", operation_id = "jobs.get", security(("staff_token" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = JobDto)))]
#[get("/jobs/{id}")]
async fn get_job(
    db: web::Data<DatabaseConnection>,
    _admin: Guarded<DistrictAdmin>,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<JobDto>, ApiError> {
    let job = crate::platform::jobs::find(&db, *id)
        .await?
        .ok_or_else(|| ApiError::new(Code::JobNotFound))?;
    Ok(web::Json(job.into()))
}

/// The audit trail of one target (district-level staff: admins and approvers).
///
/// Other staff see the trail of their own scope as the capabilities that own those
/// targets add their routes.
#[utoipa::path(
    tag = "audit",
    operation_id = "audit.list",
    params(AuditQuery),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Events oldest first", body = Page<AuditEventDto>,
            example = json!({"items": [{"seq": 42, "at": "2026-11-29T10:00:00+08:00", "actor_kind": "staff", "actor_id": "0193a6c4-1000-7b61-9d1e-3f0c2a9b8e71", "actor_role": "admin", "action": "auth.staff.create", "target_kind": "staff_account", "target_id": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71", "summary": "created wang.li (reviewer, street)", "request_id": "0193a6c4-6666-7b61-9d1e-3f0c2a9b8e71"}], "next_cursor": null})))
)]
#[get("/audit-events")]
async fn list_audit_events(
    db: web::Data<DatabaseConnection>,
    _staff: Guarded<DistrictOversight>,
    // Taken as a result so that a staff member who still has a step to do hears of that
    // step (403) before a bad parameter: the query parses before the account is read.
    query: Result<Query<AuditQuery>, ApiError>,
) -> Result<web::Json<Page<AuditEventDto>>, ApiError> {
    let Query(query) = query?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = page.limit()?;
    let after = page
        .cursor_key()?
        .map(|k| k.parse::<i64>())
        .transpose()
        .map_err(|_| ApiError::new(Code::InvalidCursor))?;
    // What still waits in the inbox is part of the trail.
    crate::platform::audit::chain_pending(db.get_ref()).await?;
    let rows = service::audit_events(
        db.get_ref(),
        query.target_kind.as_str(),
        &query.target_id,
        after,
        limit,
    )
    .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |r| r.seq.to_string(),
        AuditEventDto::from,
    )))
}

/// List the district's streets and townships (街道/乡镇).
///
/// Reference data for forms that ask for a hukou or residence street. Paged by cursor.
#[utoipa::path(
    tag = "reference",
    operation_id = "street.list",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of streets in official order", body = Page<StreetDto>,
            example = json!({"items": [{"id": "zhongcang", "name": "中仓街道", "kind": "subdistrict"}, {"id": "xinhua", "name": "新华街道", "kind": "subdistrict"}], "next_cursor": "Mjp4aW5odWE"})))
)]
#[get("/streets")]
async fn list_streets(
    db: web::Data<DatabaseConnection>,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<Page<StreetDto>>, ApiError> {
    let limit = page.limit()?;
    let rows = service::list_streets(db.get_ref(), page.cursor_key()?, limit).await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        service::street_key,
        StreetDto::from,
    )))
}
