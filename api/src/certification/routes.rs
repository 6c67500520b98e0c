//! Survival certification routes. Citizens (the transferee or a consented relative):
//! `/certification/mine`, consent, WeChat and FaceID checks, reviews. Street staff:
//! the registry list, exemptions, proxies, desk comparisons and home visits, reviews,
//! statistics, export and plot. Admins: records, the window, a sweep now.
use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use futures_util::StreamExt;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::cycle::{self, cycle_months, status_of};
use super::domain::street_of;
use super::dto::*;
use super::registry::{NewTransferee, parse_phone, parse_village};
use super::service::{self, Patch};
use super::states::{AllowanceStatus, CertificationReviewStatus};
use super::stats;
use super::ways::{self, ConsentBy, Photos};
use super::window as window_job;
use crate::auth::extract::{Admin, Citizen, Decider, Guarded, Staff};
use crate::error::{ApiError, Code, FieldError, Message, Problem};
use crate::identity::service::{parse_id_number, parse_name};
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::face::Provider;
use crate::platform::pagination::{MAX_LIMIT, Page, PageQuery, slice};
use crate::state::AppState;

type State = web::Data<AppState>;

/// Mounts the routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(mine)
        .service(give_consent)
        .service(withdraw_consent)
        .service(start_wechat)
        .service(start_faceid)
        .service(confirm)
        .service(ask_review)
        .service(create)
        .service(list)
        .service(one)
        .service(change)
        .service(set_exemption)
        .service(end_exemption)
        .service(add_proxy)
        .service(proxies)
        .service(notices)
        .service(revoke_proxy)
        .service(history)
        .service(contact)
        .service(window)
        .service(sweep)
        .service(desk_consent)
        .service(desk_withdraw)
        .service(compare)
        .service(home_visit)
        .service(reviews)
        .service(decide)
        .service(street_stats)
        .service(overdue)
        .service(export)
        .service(progress);
}

fn invalid(field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: field.into(),
        reason: "value",
        message: Message::new(zh, en),
    })
}

async fn dto(state: &AppState, t: entity::transferee::Model) -> Result<TransfereeDto, ApiError> {
    let review_open = ways::open_review(&state.db, t.id).await?.is_some();
    let status = status_of(&state.config, &t, clock::today());
    let months = cycle_months(&state.config, &t);
    Ok(TransfereeDto::new(t, status, months, review_open))
}

/// Many transferees for a list, with one query for their open reviews.
async fn dtos(
    state: &AppState,
    rows: Vec<entity::transferee::Model>,
) -> Result<Vec<TransfereeDto>, ApiError> {
    let open = ways::with_open_review(&state.db, rows.iter().map(|t| t.id).collect()).await?;
    Ok(rows.into_iter().map(|t| listed(state, t, &open)).collect())
}

/// A listed transferee, `open` holding the ids with an open review.
fn listed(
    state: &AppState,
    t: entity::transferee::Model,
    open: &std::collections::HashSet<Uuid>,
) -> TransfereeDto {
    let status = status_of(&state.config, &t, clock::today());
    let months = cycle_months(&state.config, &t);
    let review_open = open.contains(&t.id);
    TransfereeDto::new(t, status, months, review_open)
}

fn attempts_left(state: &AppState, t: &entity::transferee::Model) -> u32 {
    let used = if t.attempt_day == Some(clock::today()) {
        t.attempts_that_day.max(0) as u32
    } else {
        0
    };
    state.config.face_attempts_per_day.saturating_sub(used)
}

/// The transferees you may certify for: yourself (your real name's ID number is in the
/// registry) and those who made you their proxy for `survival_certification`.
#[utoipa::path(tag = "certification", operation_id = "certification.mine", security(("citizen_token" = [])), params(PageQuery),
    responses((status = 200, body = MineDto)))]
#[get("/certification/mine")]
async fn mine(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<MineDto>, ApiError> {
    let all = service::mine(&state, citizen.id).await?;
    let page = slice(all, &page, |(t, _)| t.id.to_string())?;
    let mut items = Vec::new();
    for (t, as_proxy) in page.rows {
        let attempts_left_today = attempts_left(&state, &t);
        items.push(MineItem {
            as_proxy,
            attempts_left_today,
            transferee: dto(&state, t).await?,
        });
    }
    Ok(web::Json(MineDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Give your separate consent to face processing (the transferee's own account only;
/// staff record a signed form at the desk). Needed before any face check.
#[utoipa::path(tag = "certification", operation_id = "certification.consent.give", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[post("/certification/transferees/{id}/face-consent")]
async fn give_consent(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = ways::set_consent(&state, *id, ConsentBy::Transferee(&citizen), true).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Withdraw the consent: face checks stop; a manual review or a home visit remain.
#[utoipa::path(tag = "certification", operation_id = "certification.consent.withdraw", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[delete("/certification/transferees/{id}/face-consent")]
async fn withdraw_consent(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = ways::set_consent(&state, *id, ConsentBy::Transferee(&citizen), false).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Start a WeChat face verification for the transferee (from a WeChat-signed-in account;
/// a proxy's own account checks the transferee's face). The server asks WeChat for a
/// `verify_id` with the registered name and ID number; pass it to
/// `wx.requestFacialVerify`, then confirm the attempt. Counts against the daily limit.
#[utoipa::path(tag = "certification", operation_id = "certification.wechat.start", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = WechatStartDto),
        (status = 503, description = "`certification.provider_unavailable`", body = Problem, content_type = "application/problem+json")))]
#[post("/certification/transferees/{id}/wechat-verifications")]
async fn start_wechat(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let started = ways::start(&state, &citizen, *id, Provider::Wechat).await?;
    Ok(HttpResponse::Created().json(WechatStartDto {
        attempt_id: started.attempt.id,
        verify_id: started.attempt.session_id,
        expires_in: started.expires_in,
    }))
}

/// Start a Tencent Cloud FaceID check (app clients): pass `face_id_token` to the SDK,
/// then confirm the attempt. Same rules as the WeChat way.
#[utoipa::path(tag = "certification", operation_id = "certification.faceid.start", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = FaceIdStartDto),
        (status = 503, description = "`certification.provider_unavailable`", body = Problem, content_type = "application/problem+json")))]
#[post("/certification/transferees/{id}/faceid-verifications")]
async fn start_faceid(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let started = ways::start(&state, &citizen, *id, Provider::FaceId).await?;
    Ok(HttpResponse::Created().json(FaceIdStartDto {
        attempt_id: started.attempt.id,
        face_id_token: started.attempt.session_id,
        expires_in: started.expires_in,
    }))
}

/// Confirm a started face check: the server asks the provider for the result (never
/// trusting the client), once per attempt. A pass certifies (and resumes a suspended
/// allowance, recording the back pay); a failed face counts towards manual review,
/// which opens after the configured number (3).
#[utoipa::path(tag = "certification", operation_id = "certification.attempt.confirm", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CertificationDto),
        (status = 502, description = "`certification.provider_error` (WeChat verify_ret 90199)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`certification.provider_unavailable`", body = Problem, content_type = "application/problem+json")))]
#[post("/certification/attempts/{id}/confirm")]
async fn confirm(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<CertificationDto>, ApiError> {
    Ok(web::Json(ways::finish(&state, &citizen, *id).await?.into()))
}

/// Ask for a manual review (answered within 3 working days), e.g. after withdrawing
/// consent; one open review at a time.
#[utoipa::path(tag = "certification", operation_id = "certification.review.request", request_body = ReviewRequest, security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = ReviewDto)))]
#[post("/certification/transferees/{id}/reviews")]
async fn ask_review(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Json(body): Json<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let note = body
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(invalid(
            "note",
            "说明不超过 500 字",
            "at most 500 characters",
        ));
    }
    let row = ways::request_review(&state, &citizen, *id, note).await?;
    Ok(HttpResponse::Created().json(review_dtos(&state, vec![row]).await?.remove(0)))
}

fn new_transferee(
    body: NewTransfereeRequest,
    street_id: String,
) -> Result<NewTransferee, ApiError> {
    Ok(NewTransferee {
        name: parse_name("name", &body.name)?,
        id_number: parse_id_number("id_number", &body.id_number)?,
        street_id,
        village: parse_village(&body.village).ok_or_else(|| {
            invalid(
                "village",
                "村（社区）须为 1 到 30 个字",
                "1 to 30 characters",
            )
        })?,
        phone: match body.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(parse_phone(p).ok_or_else(|| {
                invalid(
                    "phone",
                    "联系电话须为 11 位手机号或带区号的固定电话",
                    "a mobile or a landline with area code",
                )
            })?),
        },
        due_on: body.due_on,
    })
}

/// Add one transferee to the registry (admins; files go through
/// `minzheng import-transferees`).
#[utoipa::path(tag = "certification", operation_id = "certification.transferees.create", request_body = NewTransfereeRequest, security(("staff_token" = [])),
    responses((status = 201, body = TransfereeDto)))]
#[post("/certification/transferees")]
async fn create(
    state: State,
    Admin(admin): Admin,
    Json(body): Json<NewTransfereeRequest>,
) -> Result<HttpResponse, ApiError> {
    let street = service::street(&state, &body.street_id).await?;
    let row = service::create(&state, &admin, new_transferee(body, street)?).await?;
    Ok(HttpResponse::Created().json(dto(&state, row).await?))
}

/// Transferees of a street, by id (street staff: their own street; district staff: any,
/// or all). `id_number` finds one person.
#[utoipa::path(tag = "certification", operation_id = "certification.transferees.list", security(("staff_token" = [])), params(ListQuery),
    responses((status = 200, body = TransfereePage)))]
#[get("/certification/transferees")]
async fn list(
    state: State,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<web::Json<TransfereePage>, ApiError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let limit = page.limit()?.min(MAX_LIMIT);
    let after = page
        .cursor_key()?
        .map(|k| {
            k.parse::<Uuid>()
                .map_err(|_| ApiError::new(Code::InvalidCursor))
        })
        .transpose()?;
    let id_number = q
        .id_number
        .as_deref()
        .map(|n| parse_id_number("id_number", n))
        .transpose()?;
    let street = street_of(&staff.scope, q.street.as_deref())?;
    let rows = service::list(&state, street.as_deref(), id_number.as_ref(), after, limit).await?;
    let open = ways::with_open_review(&state.db, rows.iter().map(|t| t.id).collect()).await?;
    let Page { items, next_cursor } = Page::from_rows(
        rows,
        limit,
        |t| t.id.to_string(),
        |t| listed(&state, t, &open),
    );
    Ok(web::Json(TransfereePage { items, next_cursor }))
}

/// One transferee (staff of their street).
#[utoipa::path(tag = "certification", operation_id = "certification.transferees.get", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[get("/certification/transferees/{id}")]
async fn one(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = ways::in_scope(&state, &staff, *id).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Change a record (admins): name, street, village, phone, own cycle length, due date,
/// or stop / restart the allowance.
#[utoipa::path(tag = "certification", operation_id = "certification.transferees.update", request_body = TransfereePatch, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[patch("/certification/transferees/{id}")]
async fn change(
    state: State,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
    Json(body): Json<TransfereePatch>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let mut patch = Patch::default();
    if let Some(name) = &body.name {
        patch.name = Some(parse_name("name", name)?);
    }
    if let Some(street) = &body.street_id {
        patch.street_id = Some(service::street(&state, street).await?);
    }
    if let Some(village) = &body.village {
        patch.village = Some(parse_village(village).ok_or_else(|| {
            invalid(
                "village",
                "村（社区）须为 1 到 30 个字",
                "1 to 30 characters",
            )
        })?);
    }
    if let Some(phone) = body.phone.as_deref().map(str::trim) {
        patch.phone = Some(match phone {
            "" => None,
            p => Some(parse_phone(p).ok_or_else(|| {
                invalid(
                    "phone",
                    "联系电话须为 11 位手机号或带区号的固定电话",
                    "a mobile or a landline with area code",
                )
            })?),
        });
    }
    if let Some(months) = body.cycle_months {
        if !(0..=24).contains(&months) {
            return Err(invalid(
                "cycle_months",
                "认证周期须为 1 到 24 个月（0 表示默认）",
                "1 to 24 months (0: the default)",
            ));
        }
        patch.cycle_months = Some((months > 0).then_some(months));
    }
    patch.due_on = body.due_on;
    if let Some(status) = body.allowance_status {
        if status == AllowanceStatus::Suspended {
            return Err(invalid(
                "allowance_status",
                "只能设为 paid（发放）或 stopped（停发）",
                "paid or stopped",
            ));
        }
        patch.allowance_status = Some(status.as_str().to_owned());
    }
    let t = service::update(&state, &admin, *id, patch).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Excuse a transferee until a date (e.g. in hospital), with a reason; the due date moves
/// to one notice period after it.
#[utoipa::path(tag = "certification", operation_id = "certification.exemption.set", request_body = ExemptionRequest, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[put("/certification/transferees/{id}/exemption")]
async fn set_exemption(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Json(body): Json<ExemptionRequest>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let days = (body.until - clock::today()).num_days();
    if !(0..=366).contains(&days) {
        return Err(invalid(
            "until",
            "暂免截止日期须在今天到一年之内",
            "from today to a year ahead",
        ));
    }
    let reason = body.reason.trim().to_owned();
    if !(1..=200).contains(&reason.chars().count()) {
        return Err(invalid(
            "reason",
            "请填写暂免原因（不超过 200 字）",
            "give a reason (at most 200 characters)",
        ));
    }
    let t = service::exempt(&state, &staff, *id, Some((body.until, reason))).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// End an exemption now.
#[utoipa::path(tag = "certification", operation_id = "certification.exemption.end", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[delete("/certification/transferees/{id}/exemption")]
async fn end_exemption(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = service::exempt(&state, &staff, *id, None).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Record a relative who may certify for the transferee, from the signed consent form
/// (for transferees without an account of their own). The relative needs a verified
/// real name with this name and ID number.
#[utoipa::path(tag = "certification", operation_id = "certification.proxies.add", request_body = ProxyRequest, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = ProxyDto)))]
#[post("/certification/transferees/{id}/proxies")]
async fn add_proxy(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Json(body): Json<ProxyRequest>,
) -> Result<HttpResponse, ApiError> {
    let number = parse_id_number("proxy_id_number", &body.proxy_id_number)?;
    let name = parse_name("proxy_name", &body.proxy_name)?;
    let row =
        service::add_proxy(&state, &staff, *id, &number, &name, body.relation.as_str()).await?;
    Ok(HttpResponse::Created().json(ProxyDto::new(row, number.masked())))
}

/// The relatives staff recorded for the transferee (revoked ones too), newest first.
#[utoipa::path(tag = "certification", operation_id = "certification.proxies.list", security(("staff_token" = [])), params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = ProxyList)))]
#[get("/certification/transferees/{id}/proxies")]
async fn proxies(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<ProxyList>, ApiError> {
    let rows = service::recorded_proxies(&state, &staff, *id).await?;
    let page = slice(rows, &page, |(p, _)| p.id.to_string())?;
    let items = page
        .rows
        .into_iter()
        .map(|(p, number)| ProxyDto::new(p, number))
        .collect();
    Ok(web::Json(ProxyList {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// The transferee's certification notices, newest first (the latest 100), as the desk
/// needs them: which channel went out (WeChat, SMS to an account's or the registry's
/// phone, email) and whether it was delivered. Staff of their street.
#[utoipa::path(tag = "certification", operation_id = "certification.notices.list", security(("staff_token" = [])), params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = NoticeList)))]
#[get("/certification/transferees/{id}/notices")]
async fn notices(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<NoticeList>, ApiError> {
    let rows = super::notices::of_transferee(&state, &staff, *id).await?;
    let page = slice(rows, &page, |m| m.id.to_string())?;
    let items = page
        .rows
        .into_iter()
        .map(|m| NoticeDto::new(m, *id))
        .collect();
    Ok(web::Json(NoticeList {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Revoke a recorded relative (the signed consent was withdrawn): they can no longer
/// certify for the transferee. Revoking again answers the same record.
#[utoipa::path(tag = "certification", operation_id = "certification.proxies.revoke", security(("staff_token" = [])), params(("id" = Uuid, Path), ("proxy_id" = Uuid, Path)),
    responses((status = 200, body = ProxyDto)))]
#[delete("/certification/transferees/{id}/proxies/{proxy_id}")]
async fn revoke_proxy(
    state: State,
    staff: Staff,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<ProxyDto>, ApiError> {
    let (id, proxy_id) = path.into_inner();
    let (proxy, number) = service::revoke_proxy(&state, &staff, id, proxy_id).await?;
    Ok(web::Json(ProxyDto::new(proxy, number)))
}

/// How to reach the transferee (street staff): the registry's phone and the linked citizen
/// accounts (own, own but unverified, proxies). No account means no online reminder: the
/// street calls or visits.
#[utoipa::path(tag = "certification", operation_id = "certification.contact", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ContactDto)))]
#[get("/certification/transferees/{id}/contact")]
async fn contact(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<ContactDto>, ApiError> {
    let (phone, accounts) = service::contact(&state, &staff, *id).await?;
    let accounts = accounts
        .into_iter()
        .map(|(citizen_id, link)| LinkedAccount { citizen_id, link })
        .collect();
    Ok(web::Json(ContactDto {
        transferee_id: *id,
        phone,
        accounts,
    }))
}

/// The transferee's certifications, newest first: the way, when, who (the citizen account
/// or the staff member) and the back pay each one recorded.
#[utoipa::path(tag = "certification", operation_id = "certification.history", security(("staff_token" = [])), params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = CertificationList)))]
#[get("/certification/transferees/{id}/certifications")]
async fn history(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<CertificationList>, ApiError> {
    let rows = service::history(&state, &staff, *id).await?;
    let page = slice(rows, &page, |c| c.id.to_string())?;
    let items = page.rows.into_iter().map(CertificationDto::from).collect();
    Ok(web::Json(CertificationList {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// A bureau-wide window (admins): everyone in cycle, in one street or the district,
/// becomes due on one date. It runs as a job: the answer (202) is the job, with its
/// address in `Location`; poll `GET /api/v1/jobs/{id}` for the progress and, once done,
/// `result.moved`. Records move in committed batches of 1,000; a job whose runner died is
/// taken up again within a minute or two, and a record already due on the date is not
/// moved twice.
#[utoipa::path(tag = "certification", operation_id = "certification.window", request_body = WindowRequest, security(("staff_token" = [])),
    responses((status = 202, body = crate::admin::dto::JobDto,
        headers(("Location" = String, description = "`/api/v1/jobs/{id}`")))))]
#[post("/certification/window")]
async fn window(
    state: State,
    Admin(admin): Admin,
    Json(body): Json<WindowRequest>,
) -> Result<HttpResponse, ApiError> {
    let days = (body.due_on - clock::today()).num_days();
    if !(1..=731).contains(&days) {
        return Err(invalid(
            "due_on",
            "截止日期须在明天到两年之内",
            "from tomorrow to two years ahead",
        ));
    }
    let street = match &body.street_id {
        Some(s) => Some(service::street(&state, s).await?),
        None => None,
    };
    let job = window_job::create(&state, &admin, body.due_on, street).await?;
    // Outside the request: its deadline does not cut the work short.
    tokio::spawn(window_job::run_job(state.get_ref().clone(), job.id));
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/v1/jobs/{}", job.id)))
        .json(crate::admin::dto::JobDto::from(job)))
}

/// Run the daily sweep now (admins): reminders before and on the due date, suspension
/// after it. It also runs by itself; running it twice sends nothing twice. It runs as a
/// job: the answer (202) is the job, with its address in `Location`; poll
/// `GET /api/v1/jobs/{id}` for the progress and the counts. Each person's step commits
/// on its own, and a job whose runner died is taken up again within a minute or two.
#[utoipa::path(tag = "certification", operation_id = "certification.sweep", security(("staff_token" = [])),
    responses((status = 202, body = crate::admin::dto::JobDto,
        headers(("Location" = String, description = "`/api/v1/jobs/{id}`")))))]
#[post("/certification/sweeps")]
async fn sweep(state: State, admin: Admin) -> Result<HttpResponse, ApiError> {
    let params = serde_json::json!({"today": clock::today()});
    let job = crate::platform::jobs::create(&state.db, cycle::SWEEP_JOB, &params, Some(admin.0.id))
        .await?;
    // Outside the request: its deadline does not cut the work short.
    tokio::spawn(cycle::run_sweep_job(state.get_ref().clone(), job.id));
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/v1/jobs/{}", job.id)))
        .json(crate::admin::dto::JobDto::from(job)))
}

/// Record the transferee's consent to face processing from the signed form at the desk.
#[utoipa::path(tag = "certification", operation_id = "certification.desk.consent.give", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[post("/desk/certification/transferees/{id}/face-consent")]
async fn desk_consent(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = ways::set_consent(&state, *id, ConsentBy::Staff(&staff), true).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Record a withdrawal of consent given at the desk.
#[utoipa::path(tag = "certification", operation_id = "certification.desk.consent.withdraw", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[delete("/desk/certification/transferees/{id}/face-consent")]
async fn desk_withdraw(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = ways::set_consent(&state, *id, ConsentBy::Staff(&staff), false).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Reads `chip_photo`, `live_photo` (each at most the upload limit) and `mode`.
async fn read_photos(mut form: Multipart, max: usize) -> Result<(Photos, bool), ApiError> {
    let (mut chip, mut live, mut mode) = (None, None, String::from("desk"));
    while let Some(field) = form.next().await {
        let mut field = field.map_err(crate::media::routes::multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(crate::media::routes::multipart_error)?;
            if bytes.len() + chunk.len() > max {
                return Err(ApiError::new(Code::MediaTooLarge));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "chip_photo" => chip = Some(bytes),
            "live_photo" => live = Some(bytes),
            "mode" => mode = String::from_utf8_lossy(&bytes).trim().to_owned(),
            _ => {}
        }
    }
    let home = match mode.as_str() {
        "desk" => false,
        "home_visit" => true,
        _ => {
            return Err(invalid(
                "mode",
                "mode 须为 desk 或 home_visit",
                "desk or home_visit",
            ));
        }
    };
    match (chip, live) {
        (Some(chip), Some(live)) => Ok((Photos { chip, live }, home)),
        _ => Err(
            ApiError::new(Code::MediaFileMissing).with_detail(Message::new(
                "请同时上传身份证芯片照片（chip_photo）和现场照片（live_photo）",
                "send both chip_photo and live_photo",
            )),
        ),
    }
}

/// Compare the ID card chip's photo with a live photo, 1:1, in-process (desk or home
/// visit). Both photos are discarded after the comparison; only the result, the distance
/// and who did it are kept. A match certifies. Needs the `face` build feature; without
/// it the answer is `certification.face_comparison_unavailable`.
#[utoipa::path(tag = "certification", operation_id = "certification.desk.compare", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    request_body(content = ComparisonForm, content_type = "multipart/form-data"),
    responses((status = 200, body = ComparisonDto),
        (status = 503, description = "`certification.face_comparison_unavailable`", body = Problem, content_type = "application/problem+json")))]
#[post("/desk/certification/transferees/{id}/face-comparisons")]
async fn compare(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<ComparisonDto>, ApiError> {
    let form = Multipart::new(req.headers(), payload);
    let (photos, home) = read_photos(form, state.media.limits.max_bytes).await?;
    let (certification, distance) = ways::compare(&state, &staff, *id, photos, home).await?;
    Ok(web::Json(ComparisonDto {
        distance,
        threshold: crate::platform::face::compare::THRESHOLD,
        certification: certification.into(),
    }))
}

/// Certify on a home visit without a face check (staff saw the transferee alive): the
/// way for those who withdrew consent or cannot use a phone.
#[utoipa::path(tag = "certification", operation_id = "certification.desk.home_visit", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = CertificationDto)))]
#[post("/desk/certification/transferees/{id}/home-visits")]
async fn home_visit(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = ways::home_visit(&state, &staff, *id).await?;
    Ok(HttpResponse::Created().json(CertificationDto::from(row)))
}

/// Manual reviews of a street, oldest first, with the date an answer is due.
#[utoipa::path(tag = "certification", operation_id = "certification.reviews.list", security(("staff_token" = [])), params(ReviewQuery),
    responses((status = 200, body = ReviewListDto)))]
#[get("/certification/reviews")]
async fn reviews(
    state: State,
    staff: Staff,
    Query(q): Query<ReviewQuery>,
) -> Result<web::Json<ReviewListDto>, ApiError> {
    use entity::certification_review as review;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let street = street_of(&staff.scope, q.street.as_deref())?;
    let status = q.status.unwrap_or(CertificationReviewStatus::Open);
    let mut query = review::Entity::find()
        .filter(review::Column::Status.eq(status.as_str()))
        .order_by_asc(review::Column::CreatedAt)
        .order_by_asc(review::Column::Id);
    if let Some(street) = street {
        query = query.filter(review::Column::StreetId.eq(street));
    }
    let page = slice(query.all(&state.db).await?, &q.page(), |r| r.id.to_string())?;
    let items = review_dtos(&state, page.rows).await?;
    Ok(web::Json(ReviewListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Reviews with their due dates, from one read of the bureau's calendar.
async fn review_dtos(
    state: &AppState,
    rows: Vec<entity::certification_review::Model>,
) -> Result<Vec<ReviewDto>, ApiError> {
    let first = rows
        .iter()
        .map(|r| crate::scheduling::domain::local_date(r.created_at))
        .min()
        .unwrap_or_else(clock::today);
    let working = crate::applications::service::working_days(state, first).await?;
    Ok(rows
        .into_iter()
        .map(|r| ReviewDto::new(r, &working))
        .collect())
}

/// Decide a review with a reason (reviewers, approvers, admins): approving certifies;
/// rejecting lets face checks start again.
#[utoipa::path(tag = "certification", operation_id = "certification.reviews.decide", request_body = DecisionRequest, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ReviewDto)))]
#[post("/certification/reviews/{id}/decision")]
async fn decide(
    state: State,
    staff: Guarded<Decider>,
    id: web::Path<Uuid>,
    Json(body): Json<DecisionRequest>,
) -> Result<web::Json<ReviewDto>, ApiError> {
    let reason = body.reason.trim().to_owned();
    if !(1..=500).contains(&reason.chars().count()) {
        return Err(invalid(
            "reason",
            "请填写理由（不超过 500 字）",
            "give a reason (at most 500 characters)",
        ));
    }
    let row = ways::decide(&state, &staff, *id, body.approve, reason).await?;
    Ok(web::Json(review_dtos(&state, vec![row]).await?.remove(0)))
}

/// Counts by status for a street (`district`: all streets, for district staff).
#[utoipa::path(tag = "certification", operation_id = "certification.stats", security(("staff_token" = [])), params(("street" = String, Path, example = "yongshun")),
    responses((status = 200, body = StatsDto)))]
#[get("/certification/streets/{street}/stats")]
async fn street_stats(
    state: State,
    staff: Staff,
    street: web::Path<String>,
) -> Result<web::Json<StatsDto>, ApiError> {
    let which = street_of(&staff.scope, Some(&street))?;
    let rows = stats::with_status(&state, which.as_deref()).await?;
    let counts = stats::counts(&rows)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    Ok(web::Json(StatsDto {
        street_id: street.into_inner(),
        total: rows.len() as u64,
        suspended: rows
            .iter()
            .filter(|(t, _)| t.allowance_status == "suspended")
            .count() as u64,
        counts,
    }))
}

/// The overdue list of a street, longest overdue first, paged.
#[utoipa::path(tag = "certification", operation_id = "certification.overdue", security(("staff_token" = [])), params(("street" = String, Path, example = "yongshun"), PageQuery),
    responses((status = 200, body = TransfereePage)))]
#[get("/certification/streets/{street}/overdue")]
async fn overdue(
    state: State,
    staff: Staff,
    street: web::Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<TransfereePage>, ApiError> {
    let which = street_of(&staff.scope, Some(&street))?;
    let rows = stats::with_status(&state, which.as_deref()).await?;
    let overdue: Vec<_> = rows
        .into_iter()
        .filter(|(_, s)| *s == super::domain::Status::Overdue)
        .map(|(t, _)| t)
        .collect();
    let page = slice(overdue, &page, |t| t.id.to_string())?;
    let items = dtos(&state, page.rows).await?;
    Ok(web::Json(TransfereePage {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// The street's transferees as CSV (UTF-8 with BOM, opens in Excel), masked.
#[utoipa::path(tag = "certification", operation_id = "certification.export", security(("staff_token" = [])), params(("street" = String, Path, example = "yongshun")),
    responses((status = 200, description = "CSV: 姓名, 身份证号码 (masked), 街道, 村, 状态, 截止日期, 上次认证, 方式, 补助发放", content_type = "text/csv", body = String)))]
#[get("/certification/streets/{street}/export.csv")]
async fn export(
    state: State,
    staff: Staff,
    street: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let which = street_of(&staff.scope, Some(&street))?;
    let rows = stats::with_status(&state, which.as_deref()).await?;
    let body = stats::csv(&rows)?;
    let subjects: Vec<String> = rows
        .iter()
        .map(|(t, _)| t.id_number_index.clone())
        .collect();
    let read = crate::identity::access::Read {
        kind: crate::identity::access::AccessKind::Export,
        target_kind: "street",
        target_id: &street,
    };
    crate::identity::access::record(&state.db, &staff, &read, &subjects).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"certification-{street}.csv\""),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(body))
}

/// Certification progress as an SVG line chart: certifications (cumulative) per day
/// since `since`, against the number of transferees, for the weekly meeting.
#[utoipa::path(tag = "certification", operation_id = "certification.progress", security(("staff_token" = [])), params(("street" = String, Path, example = "yongshun"), PlotQuery),
    responses((status = 200, description = "SVG", content_type = "image/svg+xml", body = String)))]
#[get("/certification/streets/{street}/progress.svg")]
async fn progress(
    state: State,
    staff: Staff,
    street: web::Path<String>,
    Query(q): Query<PlotQuery>,
) -> Result<HttpResponse, ApiError> {
    let which = street_of(&staff.scope, Some(&street))?;
    let today = clock::today();
    let since = q.since.unwrap_or(today - chrono::Duration::weeks(12));
    if since > today || (today - since).num_days() > 731 {
        return Err(ApiError::new(Code::InvalidQuery));
    }
    let series = stats::progress(&state, which.as_deref(), since).await?;
    let registry = stats::in_cycle(&state, which.as_deref()).await?;
    let title = format!("生存认证进度 · {street}");
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "private, no-store"))
        .body(stats::plot(&title, &series, registry)))
}
