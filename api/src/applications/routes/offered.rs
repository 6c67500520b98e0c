//! The catalogue of assistance services.
use actix_web::{get, put, web};

use super::rules::{State, service_dto};
use crate::applications::catalogue;
use crate::applications::domain::ServiceDef;
use crate::applications::dto::*;
use crate::auth::extract::{DistrictAdmin, Guarded};
use crate::error::ApiError;
use crate::platform::audit::Actor;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};

/// The catalogue of services (public): forms, materials, approval, time limits.
#[utoipa::path(tag = "applications", operation_id = "applications.catalogue.list", params(PageQuery),
    responses((status = 200, body = ServiceListDto)))]
#[get("/services")]
pub(super) async fn list_services(
    state: State,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<ServiceListDto>, ApiError> {
    let all = catalogue::all_current(&state.db).await?;
    let page = slice(all, &page, |s| s.code.clone())?;
    Ok(web::Json(ServiceListDto {
        items: page.rows.into_iter().map(service_dto).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One service's definition, current or at a version (public).
#[utoipa::path(tag = "applications", operation_id = "applications.catalogue.get", params(("code" = String, Path), VersionQuery),
    responses((status = 200, body = ServiceDto)))]
#[get("/services/{code}")]
pub(super) async fn get_service(
    state: State,
    code: web::Path<String>,
    Query(q): Query<VersionQuery>,
) -> Result<web::Json<ServiceDto>, ApiError> {
    let s = match q.version {
        Some(v) => catalogue::at_version(&state.db, &code, v).await?,
        None => catalogue::current(&state.db, &code).await?,
    };
    Ok(web::Json(service_dto(s)))
}

/// Save a new version of a service's definition (district admins). Applications already
/// made keep the version they were made with.
#[utoipa::path(tag = "applications", operation_id = "applications.catalogue.save", request_body = ServiceDef, security(("staff_token" = [])), params(("code" = String, Path)),
    responses((status = 200, body = ServiceDto)))]
#[put("/services/{code}")]
pub(super) async fn save_service(
    state: State,
    admin: Guarded<DistrictAdmin>,
    code: web::Path<String>,
    Json(def): Json<ServiceDef>,
) -> Result<web::Json<ServiceDto>, ApiError> {
    let actor = Actor::Staff {
        id: admin.0.id,
        role: admin.0.role.as_str(),
    };
    let saved = catalogue::save(
        &state.db,
        &code,
        def,
        admin.0.id,
        actor,
        admin.0.request_id.clone(),
    )
    .await?;
    Ok(web::Json(service_dto(saved)))
}
