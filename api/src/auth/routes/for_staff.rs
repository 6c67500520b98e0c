//! Staff sign-in, their own account, password and TOTP, their sessions.
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use entity::staff_account;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::rules::{State, client, no_content, sessions_of};
use crate::auth::dto::*;
use crate::auth::extract::PendingStaff;
use crate::auth::tokens::AccountKind;
use crate::auth::{session, staff};
use crate::error::{ApiError, Code};
use crate::platform::audit::Actor;
use crate::platform::client::device;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::PageQuery;
use crate::platform::rows::find_or;

/// Staff sign-in with username, password and (once set up) a TOTP code.
///
/// An unknown username, a wrong password, and a disabled or locked account all answer
/// `auth.invalid_credentials` after the same work. Ten wrong passwords in a row lock the
/// account for 15 minutes. `pending_step` says what must be done before other routes open.
#[utoipa::path(tag = "auth", operation_id = "auth.staff.sign_in", request_body = StaffSignInRequest,
    responses((status = 200, body = TokensDto)))]
#[post("/auth/staff/sessions")]
pub(super) async fn staff_sign_in(
    state: State,
    req: HttpRequest,
    Json(body): Json<StaffSignInRequest>,
) -> Result<web::Json<TokensDto>, ApiError> {
    let signed = staff::sign_in(
        &state,
        &body.username,
        body.password,
        body.totp_code,
        &client(&state, &req),
    )
    .await?;
    session::set_device(&state.db, signed.tokens.session_id, device(&req)).await?;
    Ok(web::Json(TokensDto::new(
        signed.tokens,
        signed.pending_step,
    )))
}

/// Trade a staff refresh token for new tokens. A token used twice ends the session.
#[utoipa::path(tag = "auth", operation_id = "auth.staff.refresh", request_body = RefreshRequest,
    responses((status = 200, body = TokensDto)))]
#[post("/auth/staff/tokens")]
pub(super) async fn staff_refresh(
    state: State,
    Json(body): Json<RefreshRequest>,
) -> Result<web::Json<TokensDto>, ApiError> {
    let pair = session::refresh(&state, AccountKind::Staff, &body.refresh_token).await?;
    let restriction = entity::auth_session::Entity::find_by_id(pair.session_id)
        .one(&state.db)
        .await?
        .and_then(|s| s.restriction);
    Ok(web::Json(TokensDto::new(pair, restriction)))
}

/// End the current staff session.
#[utoipa::path(tag = "auth", operation_id = "auth.staff.logout", security(("staff_token" = [])),
    responses((status = 204, description = "Signed out")))]
#[post("/auth/staff/logout")]
pub(super) async fn staff_logout(
    state: State,
    staff: PendingStaff,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::Staff {
        id: staff.0.id,
        role: staff.0.role.as_str(),
    };
    session::revoke(&state.db, staff.0.session_id, actor).await?;
    Ok(no_content())
}

/// The signed-in staff member, with any step still owed.
#[utoipa::path(tag = "auth", operation_id = "auth.staff.me", security(("staff_token" = [])),
    responses((status = 200, body = StaffMeDto)))]
#[get("/auth/staff/me")]
pub(super) async fn staff_me(
    state: State,
    staff: PendingStaff,
) -> Result<web::Json<StaffMeDto>, ApiError> {
    let PendingStaff(staff, pending_step) = staff;
    let account =
        find_or::<staff_account::Entity>(&state.db, staff.id, Code::StaffNotFound).await?;
    Ok(web::Json(StaffMeDto {
        id: account.id,
        username: account.username,
        display_name: account.display_name,
        role: account.role,
        scope_kind: account.scope_kind,
        scope_id: account.scope_id,
        totp_enabled: account.totp_enabled,
        pending_step,
    }))
}

/// Change the caller's password (required after the first sign-in). Other sessions end.
#[utoipa::path(tag = "auth", operation_id = "auth.staff.password_change", request_body = PasswordChangeRequest, security(("staff_token" = [])),
    responses((status = 204, description = "Changed")))]
#[post("/auth/staff/password")]
pub(super) async fn staff_password(
    state: State,
    staff: PendingStaff,
    Json(body): Json<PasswordChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    staff::change_password(&state, &staff.0, body.current_password, body.new_password).await?;
    Ok(no_content())
}

/// Start setting up two-factor authentication: a new secret for an authenticator app.
#[utoipa::path(tag = "auth", operation_id = "auth.staff.totp_setup", security(("staff_token" = [])),
    responses((status = 200, body = TotpSetupDto)))]
#[post("/auth/staff/totp")]
pub(super) async fn staff_totp_setup(
    state: State,
    staff: PendingStaff,
) -> Result<web::Json<TotpSetupDto>, ApiError> {
    let (secret, otpauth_url) = staff::start_totp(&state, &staff.0).await?;
    Ok(web::Json(TotpSetupDto {
        secret,
        otpauth_url,
    }))
}

/// Finish setting up two-factor authentication with a code from the app.
#[utoipa::path(tag = "auth", operation_id = "auth.staff.totp_confirm", request_body = CodeRequest, security(("staff_token" = [])),
    responses((status = 204, description = "Two-factor authentication is on")))]
#[post("/auth/staff/totp/confirm")]
pub(super) async fn staff_totp_confirm(
    state: State,
    staff: PendingStaff,
    Json(body): Json<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    staff::confirm_totp(&state, &staff.0, &body.code).await?;
    Ok(no_content())
}

/// The caller's signed-in devices (live sessions), newest first; `current` marks this one.
#[utoipa::path(tag = "auth", operation_id = "auth.staff.sessions", security(("staff_token" = [])), params(PageQuery),
    responses((status = 200, body = SessionListDto)))]
#[get("/auth/staff/sessions")]
pub(super) async fn staff_sessions(
    state: State,
    staff: PendingStaff,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<SessionListDto>, ApiError> {
    let account = (AccountKind::Staff, staff.0.id);
    sessions_of(&state, account, staff.0.session_id, &page).await
}

/// Sign out one of the caller's devices: its tokens stop working at once. Another
/// account's session, or one already ended, is `auth.session_not_found`.
#[utoipa::path(tag = "auth", operation_id = "auth.staff.session_revoke", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 204, description = "Signed out")))]
#[post("/auth/staff/sessions/{id}/revoke")]
pub(super) async fn staff_revoke_session(
    state: State,
    staff: PendingStaff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::Staff {
        id: staff.0.id,
        role: staff.0.role.as_str(),
    };
    session::revoke_own(&state.db, AccountKind::Staff, staff.0.id, *id, actor).await?;
    Ok(no_content())
}

/// Sign out every device but this one (`/auth/staff/logout` then signs out this one).
#[utoipa::path(tag = "auth", operation_id = "auth.staff.session_revoke_others", security(("staff_token" = [])),
    responses((status = 204, description = "Signed out")))]
#[post("/auth/staff/sessions/revoke-others")]
pub(super) async fn staff_revoke_others(
    state: State,
    staff: PendingStaff,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::Staff {
        id: staff.0.id,
        role: staff.0.role.as_str(),
    };
    session::revoke_others(&state.db, staff.0.id, staff.0.session_id, actor).await?;
    Ok(no_content())
}
