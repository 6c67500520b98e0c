//! Bookable places as admins keep them.
use actix_web::{get, put, web};

use super::rules::{State, actor, check_code, invalid};
use crate::auth::extract::Admin;
use crate::error::ApiError;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::slice;
use crate::scheduling::dto::*;
use crate::scheduling::setup::{self, ResourceSpec};
use crate::scheduling::{domain, engine};

/// List the bookable places (婚姻登记处、告别厅、墓园 ...).
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.resource.list", params(ResourceQuery),
    responses((status = 200, body = ResourceListDto)))]
#[get("/resources")]
pub(super) async fn list_resources(
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
pub(super) async fn get_resource(
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
pub(super) async fn save_resource(
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
