//! Auth routes: sign-in, tokens, the caller's own account, and staff accounts (admins).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use entity::{citizen_account, staff_account};
use sea_orm::EntityTrait;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::*;
use super::extract::{Admin, Citizen, PendingStaff};
use super::tokens::AccountKind;
use super::{citizen, session, staff};
use crate::error::{ApiError, Code, FieldError, Message, Problem};
use crate::platform::audit::Actor;
use crate::platform::client::device;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{Page, PageQuery, slice};
use crate::platform::rows::find_or;
use crate::state::AppState;

type State = web::Data<AppState>;

/// Mounts `/api/v1/auth/...` and `/api/v1/staff-accounts/...`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(staff_sign_in)
        .service(staff_refresh)
        .service(staff_logout)
        .service(staff_me)
        .service(staff_password)
        .service(staff_totp_setup)
        .service(staff_totp_confirm)
        .service(email_code)
        .service(email_sign_in)
        .service(sms_code)
        .service(sms_sign_in)
        .service(wechat_sign_in)
        .service(wechat_link)
        .service(phone_bind_wechat)
        .service(citizen_refresh)
        .service(citizen_logout)
        .service(citizen_me)
        .service(citizen_sessions)
        .service(citizen_revoke_others)
        .service(citizen_revoke_session)
        .service(staff_sessions)
        .service(staff_revoke_others)
        .service(staff_revoke_session);
}

/// Mounts the admins' staff-account routes.
pub fn admin_routes(cfg: &mut ServiceConfig) {
    cfg.service(create_staff)
        .service(list_staff)
        .service(disable_staff)
        .service(enable_staff)
        .service(reset_staff_totp);
}

/// The client's address for per-client limits (see `platform::client`).
fn client(state: &AppState, req: &HttpRequest) -> String {
    crate::platform::client::address(req, &state.config.trusted_proxies)
}

fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// Staff sign-in with username, password and (once set up) a TOTP code.
///
/// An unknown username, a wrong password, and a disabled or locked account all answer
/// `auth.invalid_credentials` after the same work. Ten wrong passwords in a row lock the
/// account for 15 minutes. `pending_step` says what must be done before other routes open.
#[utoipa::path(tag = "auth", operation_id = "auth.staff.sign_in", request_body = StaffSignInRequest,
    responses((status = 200, body = TokensDto)))]
#[post("/auth/staff/sessions")]
async fn staff_sign_in(
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
async fn staff_refresh(
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
async fn staff_logout(state: State, staff: PendingStaff) -> Result<HttpResponse, ApiError> {
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
async fn staff_me(state: State, staff: PendingStaff) -> Result<web::Json<StaffMeDto>, ApiError> {
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
async fn staff_password(
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
async fn staff_totp_setup(
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
async fn staff_totp_confirm(
    state: State,
    staff: PendingStaff,
    Json(body): Json<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    staff::confirm_totp(&state, &staff.0, &body.code).await?;
    Ok(no_content())
}

/// Send a sign-in code by email (apps). The code has 6 digits, works once, for 10 minutes.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.email_code", request_body = EmailCodeRequest,
    responses((status = 202, body = EmailCodeSentDto)))]
#[post("/auth/citizen/email-codes")]
async fn email_code(
    state: State,
    req: HttpRequest,
    Json(body): Json<EmailCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = parse_email(&body.email)?;
    let address = citizen::Address::Email(email);
    citizen::send_code(&state, &address, &client(&state, &req)).await?;
    let sent = EmailCodeSentDto {
        expires_in: citizen::CODE_TTL.num_seconds(),
        resend_after: 60,
    };
    Ok(HttpResponse::Accepted().json(sent))
}

/// Sign in with an emailed code (apps). Ten wrong codes lock the address for 10 minutes.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.email_sign_in", request_body = EmailSignInRequest,
    responses((status = 200, body = TokensDto)))]
#[post("/auth/citizen/email/sessions")]
async fn email_sign_in(
    state: State,
    req: HttpRequest,
    Json(body): Json<EmailSignInRequest>,
) -> Result<web::Json<TokensDto>, ApiError> {
    let address = citizen::Address::Email(parse_email(&body.email)?);
    let pair =
        citizen::sign_in_with_code(&state, &address, &body.code, &client(&state, &req)).await?;
    session::set_device(&state.db, pair.session_id, device(&req)).await?;
    Ok(web::Json(TokensDto::new(pair, None)))
}

/// Send a sign-in code by SMS (apps). The code has 6 digits, works once, for 10 minutes;
/// one a minute and ten a day per number. In dev mode without SMS settings the message
/// is written to `data/sms/` and the dev outbox page, not sent.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.sms_code", request_body = SmsCodeRequest,
    responses((status = 202, body = SmsCodeSentDto)))]
#[post("/auth/citizen/sms-codes")]
async fn sms_code(
    state: State,
    req: HttpRequest,
    Json(body): Json<SmsCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let phone = parse_mobile(&body.phone)?;
    let masked = crate::platform::text::mask_mobile(&phone);
    citizen::send_code(
        &state,
        &citizen::Address::Phone(phone),
        &client(&state, &req),
    )
    .await?;
    let sent = SmsCodeSentDto {
        phone: masked,
        expires_in: citizen::CODE_TTL.num_seconds(),
        resend_after: 60,
    };
    Ok(HttpResponse::Accepted().json(sent))
}

/// Sign in with a code sent by SMS (apps). The first sign-in makes the account; a number
/// bound to an account already (by WeChat or earlier SMS) reaches that account. Ten
/// wrong codes lock the number for 10 minutes.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.sms_sign_in", request_body = SmsSignInRequest,
    responses((status = 200, body = TokensDto)))]
#[post("/auth/citizen/sms/sessions")]
async fn sms_sign_in(
    state: State,
    req: HttpRequest,
    Json(body): Json<SmsSignInRequest>,
) -> Result<web::Json<TokensDto>, ApiError> {
    let address = citizen::Address::Phone(parse_mobile(&body.phone)?);
    let pair =
        citizen::sign_in_with_code(&state, &address, &body.code, &client(&state, &req)).await?;
    session::set_device(&state.db, pair.session_id, device(&req)).await?;
    Ok(web::Json(TokensDto::new(pair, None)))
}

/// Sign in from the mini-program with the `code` of `wx.login`.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.wechat_sign_in", request_body = CodeRequest,
    responses((status = 200, body = TokensDto),
        (status = 503, description = "`auth.wechat_unavailable`, `auth.wechat_not_configured`", body = Problem, content_type = "application/problem+json")))]
#[post("/auth/citizen/wechat/sessions")]
async fn wechat_sign_in(
    state: State,
    req: HttpRequest,
    Json(body): Json<CodeRequest>,
) -> Result<web::Json<TokensDto>, ApiError> {
    let pair = citizen::sign_in_with_wechat(&state, &body.code, &client(&state, &req)).await?;
    session::set_device(&state.db, pair.session_id, device(&req)).await?;
    Ok(web::Json(TokensDto::new(pair, None)))
}

/// Bind the phone number the user allowed in the mini-program (the `code` of
/// `<button open-type="getPhoneNumber">`, exchanged with WeChat's `getuserphonenumber`).
/// One phone per account (a new one replaces the old), one account per phone: afterwards
/// an SMS sign-in with that number reaches this account.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.phone_bind_wechat", request_body = CodeRequest, security(("citizen_token" = [])),
    responses((status = 200, body = PhoneBoundDto),
        (status = 503, description = "`auth.wechat_unavailable`, `auth.wechat_not_configured`", body = Problem, content_type = "application/problem+json")))]
#[post("/auth/citizen/phone/wechat")]
async fn phone_bind_wechat(
    state: State,
    citizen: Citizen,
    Json(body): Json<CodeRequest>,
) -> Result<web::Json<PhoneBoundDto>, ApiError> {
    let phone = citizen::bind_phone_by_wechat(&state, &citizen, &body.code).await?;
    Ok(web::Json(PhoneBoundDto {
        phone: crate::platform::text::mask_mobile(&phone),
    }))
}

/// Link the caller's WeChat account (the `code` of `wx.login`) to an account made by email.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.wechat_link", request_body = CodeRequest, security(("citizen_token" = [])),
    responses((status = 204, description = "Linked")))]
#[post("/auth/citizen/wechat/link")]
async fn wechat_link(
    state: State,
    citizen: Citizen,
    Json(body): Json<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    citizen::link_wechat(&state, &citizen, &body.code).await?;
    Ok(no_content())
}

/// Trade a citizen refresh token for new tokens. A token used twice ends the session.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.refresh", request_body = RefreshRequest,
    responses((status = 200, body = TokensDto)))]
#[post("/auth/citizen/tokens")]
async fn citizen_refresh(
    state: State,
    Json(body): Json<RefreshRequest>,
) -> Result<web::Json<TokensDto>, ApiError> {
    let pair = session::refresh(&state, AccountKind::Citizen, &body.refresh_token).await?;
    Ok(web::Json(TokensDto::new(pair, None)))
}

/// End the current citizen session.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.logout", security(("citizen_token" = [])),
    responses((status = 204, description = "Signed out")))]
#[post("/auth/citizen/logout")]
async fn citizen_logout(state: State, citizen: Citizen) -> Result<HttpResponse, ApiError> {
    session::revoke(&state.db, citizen.session_id, Actor::Citizen(citizen.id)).await?;
    Ok(no_content())
}

/// The caller's signed-in devices (live sessions), newest first; `current` marks this one.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.sessions", security(("citizen_token" = [])), params(PageQuery),
    responses((status = 200, body = SessionListDto)))]
#[get("/auth/citizen/sessions")]
async fn citizen_sessions(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<SessionListDto>, ApiError> {
    let account = (AccountKind::Citizen, citizen.id);
    sessions_of(&state, account, citizen.session_id, &page).await
}

/// Sign out one of the caller's devices (a lost phone): its tokens stop working at once.
/// Another account's session, or one already ended, is `auth.session_not_found`.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.session_revoke", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 204, description = "Signed out")))]
#[post("/auth/citizen/sessions/{id}/revoke")]
async fn citizen_revoke_session(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::Citizen(citizen.id);
    session::revoke_own(&state.db, AccountKind::Citizen, citizen.id, *id, actor).await?;
    Ok(no_content())
}

/// Sign out every device but this one (`/auth/citizen/logout` then signs out this one).
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.session_revoke_others", security(("citizen_token" = [])),
    responses((status = 204, description = "Signed out")))]
#[post("/auth/citizen/sessions/revoke-others")]
async fn citizen_revoke_others(state: State, citizen: Citizen) -> Result<HttpResponse, ApiError> {
    let actor = Actor::Citizen(citizen.id);
    session::revoke_others(&state.db, citizen.id, citizen.session_id, actor).await?;
    Ok(no_content())
}

/// The caller's signed-in devices (live sessions), newest first; `current` marks this one.
#[utoipa::path(tag = "auth", operation_id = "auth.staff.sessions", security(("staff_token" = [])), params(PageQuery),
    responses((status = 200, body = SessionListDto)))]
#[get("/auth/staff/sessions")]
async fn staff_sessions(
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
async fn staff_revoke_session(
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
async fn staff_revoke_others(state: State, staff: PendingStaff) -> Result<HttpResponse, ApiError> {
    let actor = Actor::Staff {
        id: staff.0.id,
        role: staff.0.role.as_str(),
    };
    session::revoke_others(&state.db, staff.0.id, staff.0.session_id, actor).await?;
    Ok(no_content())
}

async fn sessions_of(
    state: &AppState,
    (kind, account): (AccountKind, Uuid),
    current: Uuid,
    page: &PageQuery,
) -> Result<web::Json<SessionListDto>, ApiError> {
    let live = session::live_of(&state.db, kind, account).await?;
    let page = slice(live, page, |s| s.id.to_string())?;
    Ok(web::Json(SessionListDto {
        items: page
            .rows
            .into_iter()
            .map(|s| SessionDto::new(s, current))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// The signed-in citizen's account.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.me", security(("citizen_token" = [])),
    responses((status = 200, body = CitizenMeDto)))]
#[get("/auth/citizen/me")]
async fn citizen_me(state: State, citizen: Citizen) -> Result<web::Json<CitizenMeDto>, ApiError> {
    let account =
        find_or::<citizen_account::Entity>(&state.db, citizen.id, Code::SessionEnded).await?;
    let phone = match &account.phone_sealed {
        Some(sealed) => Some(crate::platform::text::mask_mobile(
            &state.sealer.open(sealed).map_err(ApiError::internal)?,
        )),
        None => None,
    };
    Ok(web::Json(CitizenMeDto {
        id: account.id,
        email: account.email,
        phone,
        wechat_linked: account.wechat_openid.is_some(),
    }))
}

/// Create a staff account (admins). The first password is shown once and must be changed
/// at first sign-in. Honours `Idempotency-Key`.
#[utoipa::path(tag = "staff", operation_id = "staff.create", request_body = StaffCreateRequest, security(("staff_token" = [])),
    responses((status = 201, body = StaffCreatedDto)))]
#[post("/staff-accounts")]
async fn create_staff(
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

fn field(name: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: name.into(),
        reason: "value",
        message: Message::new(zh, en),
    })
}

/// List staff accounts (admins), by username.
#[utoipa::path(tag = "staff", operation_id = "staff.list", params(PageQuery), security(("staff_token" = [])),
    responses((status = 200, body = Page<StaffAccountDto>, example = json!({"items": [{"id": "0193a6c4-2222-7b61-9d1e-3f0c2a9b8e71", "username": "wang.li", "display_name": "王丽", "role": "reviewer", "scope_kind": "street", "scope_id": "zhongcang", "disabled": false, "totp_enabled": true, "must_change_password": false}], "next_cursor": null}))))]
#[get("/staff-accounts")]
async fn list_staff(
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
async fn disable_staff(
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
async fn reset_staff_totp(
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
async fn enable_staff(
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
