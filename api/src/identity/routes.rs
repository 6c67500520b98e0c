//! Identity routes.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::domain::IdNumber;
use super::dto::*;
use super::face;
use super::service;
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message, Problem};
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::face::Provider;
use crate::platform::face::dto::{FaceIdStartDto, WechatStartDto};
use crate::platform::pagination::{PageQuery, slice};
use crate::state::AppState;

/// Mounts the identity routes under `/api/v1/identity`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(check_id_number)
        .service(bind_real_name)
        .service(get_real_name)
        .service(give_face_consent)
        .service(withdraw_face_consent)
        .service(start_wechat)
        .service(start_faceid)
        .service(confirm_face)
        .service(verify_in_person)
        .service(grant_proxy)
        .service(list_proxies)
        .service(revoke_proxy)
        .service(access_events)
        .service(my_data)
        .service(deletion_check)
        .service(delete_account);
}

type State = web::Data<AppState>;

fn real_name_dto(state: &AppState, row: entity::real_name::Model) -> Result<RealNameDto, ApiError> {
    let name = state
        .sealer
        .open(&row.name_sealed)
        .map_err(ApiError::internal)?;
    let id = service::open_id_number(state, &row.id_number_sealed)?;
    Ok(RealNameDto {
        name_masked: super::domain::mask_name(&name),
        id_number_masked: row.id_number_masked,
        sex: row.sex,
        age: id.age_on(clock::today()),
        status: row.status,
        verified_by: row.verified_by,
        verified_at: row.verified_at.map(clock::format),
        face_consent: row.face_consent_at.is_some(),
    })
}

/// Bind the caller's real name (实名认证): name and ID number, checked and sealed.
///
/// The number must be valid and not bound to another account. A bound name becomes
/// verified by a face check or in person at a desk; until then it can be replaced.
#[utoipa::path(tag = "identity", operation_id = "identity.real_name.bind", request_body = RealNameRequest, security(("citizen_token" = [])),
    responses((status = 200, body = RealNameDto)))]
#[post("/real-name")]
async fn bind_real_name(
    state: State,
    citizen: Citizen,
    Json(body): Json<RealNameRequest>,
) -> Result<HttpResponse, ApiError> {
    let name = service::parse_name("name", &body.name)?;
    let id = service::parse_id_number("id_number", &body.id_number)?;
    let row = service::bind(&state, &citizen, name, id).await?;
    Ok(HttpResponse::Ok().json(real_name_dto(&state, row)?))
}

/// The caller's real name, masked.
#[utoipa::path(tag = "identity", operation_id = "identity.real_name.get", security(("citizen_token" = [])),
    responses((status = 200, body = RealNameDto)))]
#[get("/real-name")]
async fn get_real_name(state: State, citizen: Citizen) -> Result<web::Json<RealNameDto>, ApiError> {
    let row = service::get(&state, citizen.id).await?;
    Ok(web::Json(real_name_dto(&state, row)?))
}

/// Give your separate consent to face processing for verifying your real name (the 2025
/// face rules): needed before a face check. Verifying in person at a desk needs none.
#[utoipa::path(tag = "identity", operation_id = "identity.real_name.face_consent_give", security(("citizen_token" = [])),
    responses((status = 200, body = RealNameDto)))]
#[post("/real-name/face-consent")]
async fn give_face_consent(
    state: State,
    citizen: Citizen,
) -> Result<web::Json<RealNameDto>, ApiError> {
    let row = face::set_consent(&state, &citizen, true).await?;
    Ok(web::Json(real_name_dto(&state, row)?))
}

/// Withdraw the consent: face checks stop (one started and not confirmed is not used).
#[utoipa::path(tag = "identity", operation_id = "identity.real_name.face_consent_withdraw", security(("citizen_token" = [])),
    responses((status = 200, body = RealNameDto)))]
#[delete("/real-name/face-consent")]
async fn withdraw_face_consent(
    state: State,
    citizen: Citizen,
) -> Result<web::Json<RealNameDto>, ApiError> {
    let row = face::set_consent(&state, &citizen, false).await?;
    Ok(web::Json(real_name_dto(&state, row)?))
}

/// Start a WeChat face verification of your bound real name (mini-program, from an
/// account signed in with WeChat): pass `verify_id` to `wx.requestFacialVerify`, then
/// confirm the attempt. Counts against the daily limit.
#[utoipa::path(tag = "identity", operation_id = "identity.real_name.wechat_start", security(("citizen_token" = [])),
    responses((status = 201, body = WechatStartDto),
        (status = 503, description = "`certification.provider_unavailable`", body = Problem, content_type = "application/problem+json")))]
#[post("/real-name/wechat-verifications")]
async fn start_wechat(state: State, citizen: Citizen) -> Result<HttpResponse, ApiError> {
    let started = face::start(&state, &citizen, Provider::Wechat).await?;
    Ok(HttpResponse::Created().json(WechatStartDto {
        attempt_id: started.check.id,
        verify_id: started.check.session_id,
        expires_in: started.expires_in,
    }))
}

/// Start a Tencent Cloud FaceID check of your bound real name (apps): pass
/// `face_id_token` to the FaceID SDK, then confirm the attempt. Same rules as WeChat's.
#[utoipa::path(tag = "identity", operation_id = "identity.real_name.faceid_start", security(("citizen_token" = [])),
    responses((status = 201, body = FaceIdStartDto),
        (status = 503, description = "`certification.provider_unavailable`", body = Problem, content_type = "application/problem+json")))]
#[post("/real-name/faceid-verifications")]
async fn start_faceid(state: State, citizen: Citizen) -> Result<HttpResponse, ApiError> {
    let started = face::start(&state, &citizen, Provider::FaceId).await?;
    Ok(HttpResponse::Created().json(FaceIdStartDto {
        attempt_id: started.check.id,
        face_id_token: started.check.session_id,
        expires_in: started.expires_in,
    }))
}

/// Confirm a started face check of your real name: the server asks the provider (never
/// trusting the client), once per attempt. A pass answers the real name `verified` by
/// `face`; a failure is recorded and answered with its code.
#[utoipa::path(tag = "identity", operation_id = "identity.real_name.face_confirm", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = RealNameDto),
        (status = 502, description = "`certification.provider_error` (WeChat verify_ret 90199)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`certification.provider_unavailable`", body = Problem, content_type = "application/problem+json")))]
#[post("/real-name/attempts/{id}/confirm")]
async fn confirm_face(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<RealNameDto>, ApiError> {
    let row = face::confirm(&state, &citizen, *id).await?;
    Ok(web::Json(real_name_dto(&state, row)?))
}

/// Verify a real name in person (staff who have seen the ID card).
#[utoipa::path(tag = "identity", operation_id = "identity.real_name.verify_in_person", request_body = InPersonCheckRequest, security(("staff_token" = [])),
    responses((status = 200, body = RealNameDto)))]
#[post("/real-names/in-person-checks")]
async fn verify_in_person(
    state: State,
    staff: Staff,
    Json(body): Json<InPersonCheckRequest>,
) -> Result<web::Json<RealNameDto>, ApiError> {
    let name = service::parse_name("name", &body.name)?;
    let id = service::parse_id_number("id_number", &body.id_number)?;
    let row = service::verify_in_person(&state, &staff, body.citizen_id, &name, &id).await?;
    Ok(web::Json(real_name_dto(&state, row)?))
}

/// Let a family member act for the caller on chosen services (代办授权). Honours `Idempotency-Key`.
#[utoipa::path(tag = "identity", operation_id = "identity.proxy.grant", request_body = ProxyGrantRequest, security(("citizen_token" = [])),
    responses((status = 201, body = ProxyConsentDto)))]
#[post("/proxies")]
async fn grant_proxy(
    state: State,
    citizen: Citizen,
    Json(body): Json<ProxyGrantRequest>,
) -> Result<HttpResponse, ApiError> {
    let proxy_name = service::parse_name("proxy_name", &body.proxy_name)?;
    let proxy_id = service::parse_id_number("proxy_id_number", &body.proxy_id_number)?;
    if body.services.is_empty() {
        return Err(invalid(
            "services",
            "请至少选择一项可代办的服务",
            "list at least one service",
        ));
    }
    let new = service::NewProxy {
        proxy_name,
        proxy_id,
        relation: body.relation.as_str().to_owned(),
        services: body
            .services
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
    };
    Ok(
        HttpResponse::build(StatusCode::CREATED).json(ProxyConsentDto::from(
            service::grant_proxy(&state, &citizen, new).await?,
        )),
    )
}

fn invalid(field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: field.into(),
        reason: "value",
        message: Message::new(zh, en),
    })
}

/// The consents the caller gave and those given to the caller.
#[utoipa::path(tag = "identity", operation_id = "identity.proxy.list", security(("citizen_token" = [])),
    params(PageQuery),
    responses((status = 200, body = ProxyListDto)))]
#[get("/proxies")]
async fn list_proxies(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<ProxyListDto>, ApiError> {
    let all = service::list_proxies(&state, citizen.id).await?;
    let page = slice(all, &page, |p| p.id.to_string())?;
    Ok(web::Json(ProxyListDto {
        items: page.rows.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Revoke a consent (either side may).
#[utoipa::path(tag = "identity", operation_id = "identity.proxy.revoke", security(("citizen_token" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProxyConsentDto)))]
#[post("/proxies/{id}/revoke")]
async fn revoke_proxy(
    state: State,
    citizen: Citizen,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<ProxyConsentDto>, ApiError> {
    Ok(web::Json(
        service::revoke_proxy(&state, &citizen, id.into_inner())
            .await?
            .into(),
    ))
}

/// Check an ID number (身份证号码校验).
///
/// Checks the format, the province code, the birth date and the check character, and
/// answers with what the number encodes. Nothing is stored. Clients call it to give
/// instant feedback on a form; the same rules apply wherever an ID number is submitted.
#[utoipa::path(
    tag = "identity",
    operation_id = "identity.id_number.check",
    request_body = IdNumberCheckRequest,
    responses(
        (status = 200, description = "The number is valid", body = IdNumberCheckDto))
)]
#[post("/id-number-checks")]
async fn check_id_number(
    Json(req): Json<IdNumberCheckRequest>,
) -> Result<actix_web::web::Json<IdNumberCheckDto>, ApiError> {
    let today = clock::today();
    let id = IdNumber::parse(&req.id_number, today).map_err(|e| {
        ApiError::new(Code::IdNumberInvalid).with_field(FieldError {
            field: "id_number".into(),
            reason: e.reason(),
            message: Message::new(e.message_zh(), e.message_en()),
        })
    })?;
    Ok(actix_web::web::Json(IdNumberCheckDto {
        id_number_masked: id.masked(),
        sex: id.sex(),
        age: id.age_on(today),
    }))
}

/// Who among staff read your personal data (PIPL): each read of a record about you (an
/// application with its incomes, a desk's look-up of your booking, your contact as a
/// transferee, an export), by role and unit, newest first (the latest 500). Empty until
/// a real name is bound.
#[utoipa::path(tag = "identity", operation_id = "identity.access_events.list", security(("citizen_token" = [])), params(PageQuery),
    responses((status = 200, body = AccessEventList)))]
#[get("/access-events")]
async fn access_events(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<AccessEventList>, ApiError> {
    let rows = super::access::of_citizen(&state, citizen.id).await?;
    let page = slice(rows, &page, |s| s.event.id.to_string())?;
    let items = page
        .rows
        .into_iter()
        .map(|s| AccessEventDto {
            at: clock::format(s.event.at),
            role: s.event.staff_role,
            unit_kind: s.event.unit_kind,
            unit: s.unit_name,
            kind: s.event.kind,
            target_kind: s.event.target_kind,
        })
        .collect();
    Ok(web::Json(AccessEventList {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Download a copy of everything the service holds about you (个人信息副本, PIPL art.
/// 45): unmasked JSON, table by table; the download is recorded in the audit log.
#[utoipa::path(tag = "identity", operation_id = "identity.my_data.download", security(("citizen_token" = [])),
    responses((status = 200, body = MyDataDto)))]
#[get("/my-data")]
async fn my_data(state: State, citizen: Citizen) -> Result<HttpResponse, ApiError> {
    let copy = super::my_data::download(&state, &citizen).await?;
    let body = MyDataDto {
        generated_at: clock::format(copy.generated_at),
        account_id: citizen.id,
        tables: copy
            .tables
            .into_iter()
            .map(|(table, rows)| (table.to_owned(), rows))
            .collect(),
    };
    Ok(HttpResponse::Ok()
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"my-data.json\"",
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .json(body))
}

/// Whether the caller's account can be deleted (账号注销) now, and what blocks it: active
/// bookings, draws and waitlists, applications under review, duties as a transferee or a
/// proxy. Each blocker names its item.
#[utoipa::path(tag = "identity", operation_id = "identity.account.deletion_check", security(("citizen_token" = [])),
    responses((status = 200, body = DeletionCheckDto)))]
#[get("/account/deletion")]
async fn deletion_check(
    state: State,
    citizen: Citizen,
    req: actix_web::HttpRequest,
) -> Result<web::Json<DeletionCheckDto>, ApiError> {
    let lang = crate::platform::lang::Lang::from_headers(req.headers());
    let blockers = super::deletion::blockers(&state, citizen.id).await?;
    Ok(web::Json(DeletionCheckDto {
        deletable: blockers.is_empty(),
        blockers: blockers
            .iter()
            .map(|b| DeletionBlockerDto {
                kind: b.kind,
                id: b.id.clone(),
                message: b.message().get(lang).to_owned(),
            })
            .collect(),
    }))
}

/// Delete the caller's account (账号注销, PIPL art. 47). Refused with
/// `identity.account_deletion_blocked` while anything blocks it: one `errors` entry per
/// blocker, `field` its `kind:id`, `reason` its kind. Otherwise personal data is deleted,
/// the records the bureau keeps are pseudonymised, and every session ends at once (the
/// token used for this call included). Signing in again later makes a new, empty account.
#[utoipa::path(tag = "identity", operation_id = "identity.account.delete", security(("citizen_token" = [])),
    responses((status = 204, description = "The account is deleted and signed out everywhere")))]
#[delete("/account")]
async fn delete_account(state: State, citizen: Citizen) -> Result<HttpResponse, ApiError> {
    super::deletion::delete(&state, &citizen).await?;
    Ok(HttpResponse::NoContent().finish())
}
