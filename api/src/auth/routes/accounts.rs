//! Staff accounts as admins keep them.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use uuid::Uuid;

use super::rules::{State, field};
use crate::auth::dto::*;
use crate::auth::extract::Admin;
use crate::auth::staff;
use crate::error::ApiError;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{Page, PageQuery};

/// Create a staff account (admins). The first password is shown once and must be changed
/// at first sign-in. Honours `Idempotency-Key`.
#[utoipa::path(tag = "staff", operation_id = "staff.create", request_body = StaffCreateRequest, security(("staff_token" = [])),
    responses((status = 201, body = StaffCreatedDto)))]
#[post("/staff-accounts")]
pub(super) async fn create_staff(
    state: State,
    admin: Admin,
    Json(body): Json<StaffCreateRequest>,
) -> Result<HttpResponse, ApiError> {
    let (role, kind) = (body.role, body.scope_kind);
    if body.username.trim().len() < 3 || body.username.trim().len() > 64 {
        return Err(field(
            "username",
            "用户名 3 到 64 个字符",
            "3 to 64 characters",
        ));
    }
    if body.display_name.trim().is_empty() || body.display_name.chars().count() > 64 {
        return Err(field(
            "display_name",
            "姓名 1 到 64 个字",
            "1 to 64 characters",
        ));
    }
    if body.scope_id.as_ref().is_some_and(|id| id.len() > 64) {
        return Err(field("scope_id", "最多 64 个字符", "at most 64 characters"));
    }
    let scope = staff::check_scope(&state, kind, body.scope_id.clone()).await?;
    let new = staff::NewStaff {
        username: body.username.clone(),
        display_name: body.display_name.clone(),
        role,
        scope,
    };
    let (account, first_password) = staff::create(&state, &admin, new).await?;
    Ok(
        HttpResponse::build(StatusCode::CREATED).json(StaffCreatedDto {
            account: account.into(),
            first_password,
        }),
    )
}

/// List staff accounts (admins), by username.
#[utoipa::path(tag = "staff", operation_id = "staff.list", params(PageQuery), security(("staff_token" = [])),
    responses((status = 200, body = Page<StaffAccountDto>, example = json!({"items": [{"id": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71", "username": "wang.li", "display_name": "王丽", "role": "reviewer", "scope_kind": "street", "scope_id": "zhongcang", "disabled": false, "totp_enabled": true, "must_change_password": false}], "next_cursor": null}))))]
#[get("/staff-accounts")]
pub(super) async fn list_staff(
    state: State,
    admin: Admin,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<Page<StaffAccountDto>>, ApiError> {
    let limit = page.limit()?;
    let rows = staff::list(&state, &admin, page.cursor_key()?, limit).await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |r| r.username.clone(),
        StaffAccountDto::from,
    )))
}

/// Disable a staff account (admins): its sessions end at once.
#[utoipa::path(tag = "staff", operation_id = "staff.disable", security(("staff_token" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = StaffAccountDto)))]
#[post("/staff-accounts/{id}/disable")]
pub(super) async fn disable_staff(
    state: State,
    admin: Admin,
    id: web::Path<Uuid>,
) -> Result<web::Json<StaffAccountDto>, ApiError> {
    Ok(web::Json(
        staff::set_disabled(&state, &admin, id.into_inner(), true)
            .await?
            .into(),
    ))
}

/// Clear another staff member's two-factor (district admins; a lost phone): their
/// sessions end and they set TOTP up again at their next sign-in. Not one's own.
#[utoipa::path(tag = "staff", operation_id = "staff.totp_reset", security(("staff_token" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = StaffAccountDto)))]
#[post("/staff-accounts/{id}/totp-reset")]
pub(super) async fn reset_staff_totp(
    state: State,
    admin: Admin,
    id: web::Path<Uuid>,
) -> Result<web::Json<StaffAccountDto>, ApiError> {
    Ok(web::Json(
        staff::reset_totp(&state, &admin, id.into_inner())
            .await?
            .into(),
    ))
}

/// Enable a staff account again (admins); also clears a lock.
#[utoipa::path(tag = "staff", operation_id = "staff.enable", security(("staff_token" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = StaffAccountDto)))]
#[post("/staff-accounts/{id}/enable")]
pub(super) async fn enable_staff(
    state: State,
    admin: Admin,
    id: web::Path<Uuid>,
) -> Result<web::Json<StaffAccountDto>, ApiError> {
    Ok(web::Json(
        staff::set_disabled(&state, &admin, id.into_inner(), false)
            .await?
            .into(),
    ))
}
