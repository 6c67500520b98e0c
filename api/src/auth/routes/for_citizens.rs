//! Citizen sign-in by e-mail, SMS or WeChat, their account and sessions.
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use entity::citizen_account;
use uuid::Uuid;

use super::rules::{State, client, no_content, sessions_of};
use crate::auth::dto::*;
use crate::auth::extract::Citizen;
use crate::auth::tokens::AccountKind;
use crate::auth::{citizen, session};
use crate::error::{ApiError, Code, Problem};
use crate::platform::audit::Actor;
use crate::platform::client::device;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::PageQuery;
use crate::platform::rows::find_or;

/// Send a sign-in code by email (apps). The code has 6 digits, works once, for 10 minutes.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.email_code", request_body = EmailCodeRequest,
    responses((status = 202, body = EmailCodeSentDto)))]
#[post("/auth/citizen/email-codes")]
pub(super) async fn email_code(
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
pub(super) async fn email_sign_in(
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
pub(super) async fn sms_code(
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
pub(super) async fn sms_sign_in(
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
pub(super) async fn wechat_sign_in(
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
pub(super) async fn phone_bind_wechat(
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
pub(super) async fn wechat_link(
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
pub(super) async fn citizen_refresh(
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
pub(super) async fn citizen_logout(
    state: State,
    citizen: Citizen,
) -> Result<HttpResponse, ApiError> {
    session::revoke(&state.db, citizen.session_id, Actor::Citizen(citizen.id)).await?;
    Ok(no_content())
}

/// The caller's signed-in devices (live sessions), newest first; `current` marks this one.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.sessions", security(("citizen_token" = [])), params(PageQuery),
    responses((status = 200, body = SessionListDto)))]
#[get("/auth/citizen/sessions")]
pub(super) async fn citizen_sessions(
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
pub(super) async fn citizen_revoke_session(
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
pub(super) async fn citizen_revoke_others(
    state: State,
    citizen: Citizen,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::Citizen(citizen.id);
    session::revoke_others(&state.db, citizen.id, citizen.session_id, actor).await?;
    Ok(no_content())
}

/// The signed-in citizen's account.
#[utoipa::path(tag = "auth", operation_id = "auth.citizen.me", security(("citizen_token" = [])),
    responses((status = 200, body = CitizenMeDto)))]
#[get("/auth/citizen/me")]
pub(super) async fn citizen_me(
    state: State,
    citizen: Citizen,
) -> Result<web::Json<CitizenMeDto>, ApiError> {
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
