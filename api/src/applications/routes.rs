//! Routes of the catalogue (public; admins save new versions), of applying (citizens and
//! their proxies) and of reviewing (street reviewers, district approvers).
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::Duration;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::catalogue::{self, Service};
use super::domain::{Party, ServiceDef};
use super::dto::*;
use super::review;
use super::service::{self, NewMember};
use super::states::StatisticsFormat;
use super::view::{citizen_view, full};
use crate::auth::extract::{Citizen, DistrictAdmin, Guarded, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::service as identity;
use crate::platform::audit::Actor;
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};
use crate::state::AppState;

type State = web::Data<AppState>;

/// Mounts the routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_services)
        .service(get_service)
        .service(save_service)
        .service(create)
        .service(mine)
        .service(one)
        .service(save_form)
        .service(save_household)
        .service(add_material)
        .service(remove_material)
        .service(delete_draft)
        .service(material_file)
        .service(submit)
        .service(withdraw)
        .service(supplement)
        .service(queue)
        .service(review_one)
        .service(act)
        .service(review_material_file)
        .service(review_material_thumbnail)
        .service(statistics);
}

fn service_dto(s: Service) -> ServiceDto {
    ServiceDto {
        code: s.code,
        version: s.version,
        definition: s.def,
    }
}

/// The catalogue of services (public): forms, materials, approval, time limits.
#[utoipa::path(tag = "applications", operation_id = "applications.catalogue.list", params(PageQuery),
    responses((status = 200, body = ServiceListDto)))]
#[get("/services")]
async fn list_services(
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
async fn get_service(
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
async fn save_service(
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

/// Start an application draft (citizens with a verified real name, or their proxy).
/// Honours `Idempotency-Key`. One draft per person and service; resume it from any
/// device with `GET /api/v1/applications`.
#[utoipa::path(tag = "applications", operation_id = "applications.create", request_body = NewApplicationRequest, security(("citizen_token" = [])),
    responses((status = 201, body = ApplicationDto)))]
#[post("/applications")]
async fn create(
    state: State,
    citizen: Citizen,
    Json(body): Json<NewApplicationRequest>,
) -> Result<HttpResponse, ApiError> {
    let app = service::create(
        &state,
        &citizen,
        body.service_code.as_str(),
        body.applicant_id,
    )
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(citizen_view(&state, app).await?))
}

/// Your applications (as applicant or proxy), newest first, drafts included.
#[utoipa::path(tag = "applications", operation_id = "applications.list", security(("citizen_token" = [])), params(PageQuery),
    responses((status = 200, body = ApplicationListDto)))]
#[get("/applications")]
async fn mine(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<ApplicationListDto>, ApiError> {
    let all = service::list_mine(&state, &citizen).await?;
    let page = slice(all, &page, |a| a.id.to_string())?;
    let mut items = Vec::new();
    for app in page.rows {
        items.push(citizen_view(&state, app).await?);
    }
    Ok(web::Json(ApplicationListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// One of your applications, with its status, history and deadlines.
#[utoipa::path(tag = "applications", operation_id = "applications.get", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto)))]
#[get("/applications/{id}")]
async fn one(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let app = service::for_citizen(&state.db, &citizen, *id).await?;
    Ok(web::Json(citizen_view(&state, app).await?))
}

/// Fill in (or change) the form of a draft; every value is checked against the
/// service's fields, with an error per field.
#[utoipa::path(tag = "applications", operation_id = "applications.form.save", request_body = FormRequest, security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto)))]
#[put("/applications/{id}/form")]
async fn save_form(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Json(body): Json<FormRequest>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let app = service::save_form(
        &state,
        &citizen,
        *id,
        body.values,
        body.hukou_street_id,
        body.residence_street_id,
        body.urgent,
    )
    .await?;
    Ok(web::Json(citizen_view(&state, app).await?))
}

fn member_error(i: usize, field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: format!("members[{i}].{field}"),
        reason: "value",
        message: Message::new(zh, en),
    })
}

/// Declare the household of a draft (replaces the previous declaration). Names, ID
/// numbers and incomes are encrypted at rest; answers mask names and ID numbers, and
/// show incomes only to the staff who decide the application.
#[utoipa::path(tag = "applications", operation_id = "applications.household.save", request_body = HouseholdRequest, security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto)))]
#[put("/applications/{id}/household")]
async fn save_household(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Json(body): Json<HouseholdRequest>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    if body.members.is_empty() || body.members.len() > 20 {
        return Err(ApiError::new(Code::InvalidBody).with_field(FieldError {
            field: "members".into(),
            reason: "length",
            message: Message::new("1 到 20 人", "1 to 20 members"),
        }));
    }
    let mut members = Vec::with_capacity(body.members.len());
    for (i, m) in body.members.into_iter().enumerate() {
        if !(0.0..=1_000_000.0).contains(&m.monthly_income) {
            return Err(member_error(
                i,
                "monthly_income",
                "0 到 1000000 元",
                "0 to 1,000,000 yuan",
            ));
        }
        if m.disability_grade.is_some_and(|g| !(1..=4).contains(&g)) {
            return Err(member_error(
                i,
                "disability_grade",
                "1 到 4 级",
                "grade 1 to 4",
            ));
        }
        members.push(NewMember {
            name: identity::parse_name(&format!("members[{i}].name"), &m.name)?,
            id: identity::parse_id_number(&format!("members[{i}].id_number"), &m.id_number)?,
            relation: m.relation.as_str().to_owned(),
            monthly_income: m.monthly_income,
            disability_grade: m.disability_grade,
        });
    }
    service::save_household(&state, &citizen, *id, members).await?;
    let app = service::for_citizen(&state.db, &citizen, *id).await?;
    Ok(web::Json(citizen_view(&state, app).await?))
}

/// Attach an uploaded file as one of the service's materials (drafts).
#[utoipa::path(tag = "applications", operation_id = "applications.material.add", request_body = MaterialRequest, security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = MaterialDto)))]
#[post("/applications/{id}/materials")]
async fn add_material(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Json(body): Json<MaterialRequest>,
) -> Result<HttpResponse, ApiError> {
    let m =
        service::add_material(&state, &citizen, *id, &body.material_code, body.media_id).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(MaterialDto {
        url: format!(
            "/api/v1/applications/{}/materials/{}",
            m.application_id, m.id
        ),
        id: m.id,
        material_code: m.material_code,
        media_id: m.media_id,
        supplement: m.supplement,
        added_at: clock::format(m.added_at),
    }))
}

/// Delete one's draft (never submitted): to start again, or to drop it. A submitted
/// application is withdrawn instead.
#[utoipa::path(tag = "applications", operation_id = "applications.delete_draft", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted")))]
#[delete("/applications/{id}")]
async fn delete_draft(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::delete_draft(&state, &citizen, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Take a material off a draft.
#[utoipa::path(tag = "applications", operation_id = "applications.material.remove", security(("citizen_token" = [])), params(("id" = Uuid, Path), ("material_id" = Uuid, Path)),
    responses((status = 204, description = "Removed")))]
#[delete("/applications/{id}/materials/{material_id}")]
async fn remove_material(
    state: State,
    citizen: Citizen,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, material_id) = path.into_inner();
    service::remove_material(&state, &citizen, id, material_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn material_response(
    state: &AppState,
    app_id: Uuid,
    material_id: Uuid,
    thumbnail: bool,
) -> Result<HttpResponse, ApiError> {
    let m = service::materials_of(&state.db, app_id)
        .await?
        .into_iter()
        .find(|m| m.id == material_id)
        .ok_or_else(|| ApiError::new(Code::MediaNotFound))?;
    let row = crate::media::service::find(state, m.media_id).await?;
    let (content_type, bytes) =
        crate::media::service::read_unchecked(state, &row, thumbnail).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .content_type(content_type)
        .body(bytes))
}

/// Download a material of your application.
#[utoipa::path(tag = "applications", operation_id = "applications.material.download", security(("citizen_token" = [])), params(("id" = Uuid, Path), ("material_id" = Uuid, Path)),
    responses((status = 200, description = "The file", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "application/pdf")))))]
#[get("/applications/{id}/materials/{material_id}")]
async fn material_file(
    state: State,
    citizen: Citizen,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, material_id) = path.into_inner();
    let app = service::for_citizen(&state.db, &citizen, id).await?;
    material_response(&state, app.id, material_id, false).await
}

/// Submit a draft: the form complete, the household declared, every required material
/// attached, the responsible street given. It goes to that street's reviewers; the
/// acceptance and decision deadlines start.
#[utoipa::path(tag = "applications", operation_id = "applications.submit", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto)))]
#[post("/applications/{id}/submit")]
async fn submit(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let app = service::submit(&state, &citizen, *id).await?;
    Ok(web::Json(citizen_view(&state, app).await?))
}

/// Withdraw an application before its decision.
#[utoipa::path(tag = "applications", operation_id = "applications.withdraw", request_body = WithdrawRequest, security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto)))]
#[post("/applications/{id}/withdraw")]
async fn withdraw(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Json(body): Json<WithdrawRequest>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let app = service::withdraw(&state, &citizen, *id, body.reason).await?;
    Ok(web::Json(citizen_view(&state, app).await?))
}

/// Answer a supplement request with the files asked for; review resumes.
#[utoipa::path(tag = "applications", operation_id = "applications.supplement", request_body = SupplementRequest, security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto)))]
#[post("/applications/{id}/supplement")]
async fn supplement(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Json(body): Json<SupplementRequest>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let files = body
        .materials
        .into_iter()
        .map(|m| (m.material_code, m.media_id))
        .collect();
    let app = service::answer_supplement(&state, &citizen, *id, body.note, files).await?;
    Ok(web::Json(citizen_view(&state, app).await?))
}

fn party_or_admin(staff: &Staff) -> Party {
    // District admins read like approvers and may not act (the state machine allows them nothing).
    review::party_of(staff).unwrap_or(Party::Approver)
}

/// The review queue: a reviewer's street (active ones by default), an approver's
/// forwarded applications; urgent first, then by deadline, with `days_left` and `overdue`.
#[utoipa::path(tag = "review", operation_id = "review.queue", security(("staff_token" = [])), params(QueueQuery),
    responses((status = 200, body = ApplicationListDto)))]
#[get("/review/applications")]
async fn queue(
    state: State,
    staff: Staff,
    Query(q): Query<QueueQuery>,
) -> Result<web::Json<ApplicationListDto>, ApiError> {
    let filter = review::Filter {
        status: q.status.map(|s| s.as_str().to_owned()),
        service: q.service_code.map(|s| s.as_str().to_owned()),
        overdue_only: q.overdue,
    };
    let party = party_or_admin(&staff);
    let all = review::queue(&state, &staff, filter).await?;
    let page = slice(all, &q.page(), |a| a.id.to_string())?;
    let mut items = Vec::new();
    for app in page.rows {
        items.push(full(&state, app, party, Some(&staff), "review/applications").await?);
    }
    Ok(web::Json(ApplicationListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// One application of the caller's scope, with what they may do now.
#[utoipa::path(tag = "review", operation_id = "review.get", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto)))]
#[get("/review/applications/{id}")]
async fn review_one(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let app = review::open(&state, &staff, *id).await?;
    Ok(web::Json(
        full(
            &state,
            app,
            party_or_admin(&staff),
            Some(&staff),
            "review/applications",
        )
        .await?,
    ))
}

/// Act on an application: accept, return as incomplete, request a supplement (the clock
/// pauses), record a home visit, approve, reject or forward to the district. Checked
/// against the state machine: an action not allowed now is 409 listing those that are.
#[utoipa::path(tag = "review", operation_id = "review.act", request_body = ActionRequest, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto)))]
#[post("/review/applications/{id}/actions")]
async fn act(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Json(body): Json<ActionRequest>,
) -> Result<web::Json<ApplicationDto>, ApiError> {
    let app = review::act(
        &state,
        &staff,
        *id,
        body.action.as_str(),
        body.reason,
        body.materials,
    )
    .await?;
    Ok(web::Json(
        full(
            &state,
            app,
            party_or_admin(&staff),
            Some(&staff),
            "review/applications",
        )
        .await?,
    ))
}

/// Download a material of an application in the caller's scope.
#[utoipa::path(tag = "review", operation_id = "review.material.download", security(("staff_token" = [])), params(("id" = Uuid, Path), ("material_id" = Uuid, Path)),
    responses((status = 200, description = "The file", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "application/pdf")))))]
#[get("/review/applications/{id}/materials/{material_id}")]
async fn review_material_file(
    state: State,
    staff: Staff,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, material_id) = path.into_inner();
    let app = review::visible(&state, &staff, id).await?;
    material_response(&state, app.id, material_id, false).await
}

/// The thumbnail of a material (JPEG, at most 320 px) for the reviewer's list; PDFs have
/// none (404).
#[utoipa::path(tag = "review", operation_id = "review.material.thumbnail", security(("staff_token" = [])), params(("id" = Uuid, Path), ("material_id" = Uuid, Path)),
    responses((status = 200, description = "JPEG", content_type = "image/jpeg", body = Vec<u8>)))]
#[get("/review/applications/{id}/materials/{material_id}/thumbnail")]
async fn review_material_thumbnail(
    state: State,
    staff: Staff,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, material_id) = path.into_inner();
    let app = review::visible(&state, &staff, id).await?;
    material_response(&state, app.id, material_id, true).await
}

/// Counts by service, street, status and month, and median processing times (district
/// admins and approvers); `format=csv` for a spreadsheet.
#[utoipa::path(tag = "review", operation_id = "review.statistics", security(("staff_token" = [])), params(StatisticsQuery),
    responses((status = 200, body = StatisticsDto, description = "JSON, or `text/csv` with `format=csv`")))]
#[get("/review/statistics")]
async fn statistics(
    state: State,
    staff: Staff,
    Query(q): Query<StatisticsQuery>,
) -> Result<HttpResponse, ApiError> {
    let today = clock::today();
    let to = q.to.unwrap_or(today);
    let from = q
        .from
        .unwrap_or_else(|| to.checked_sub_signed(Duration::days(365)).unwrap_or(to));
    let csv = q.format == Some(StatisticsFormat::Csv);
    let sane = |d: chrono::NaiveDate| (2000..=2100).contains(&chrono::Datelike::year(&d));
    if !sane(from) || !sane(to) || from > to {
        return Err(ApiError::new(Code::InvalidQuery).with_field(FieldError {
            field: "from".into(),
            reason: "range",
            message: Message::new("起止日期不对", "bad period"),
        }));
    }
    let (counts, medians) = review::statistics(&state, &staff, from, to).await?;
    if csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"applications.csv\"",
            ))
            .body(review::csv(&counts, &medians)));
    }
    Ok(HttpResponse::Ok().json(StatisticsDto {
        from,
        to,
        counts: counts
            .into_iter()
            .map(|c| CountDto {
                service_code: c.service_code,
                street_id: c.street_id,
                status: c.status,
                month: c.month,
                count: c.count,
            })
            .collect(),
        median_processing_days: medians,
    }))
}
