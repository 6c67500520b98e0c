//! Admin routes. Reading the street list is public: every form that names a street needs it.
use actix_web::{get, web};
use sea_orm::DatabaseConnection;
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::StreetDto;
use super::service;
use crate::error::{ApiError, Problem};
use crate::platform::extract::Query;
use crate::platform::pagination::{Page, PageQuery};

/// Mounts the admin room's routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_streets);
}

/// List the district's streets and townships (街道/乡镇).
///
/// Reference data for forms that ask for a hukou or residence street. Paged by cursor.
#[utoipa::path(
    tag = "reference",
    operation_id = "street.list",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of streets in official order", body = Page<StreetDto>),
        (status = 400, description = "`request.invalid_query` (e.g. `limit` out of range), `request.invalid_cursor`", body = Problem, content_type = "application/problem+json"),
    )
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
