//! A citizen's application: create, read, fill in, attach, submit, withdraw, supplement.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use uuid::Uuid;

use super::rules::{State, material_response, member_error};
use crate::applications::dto::*;
use crate::applications::service::{self, NewMember};
use crate::applications::view::citizen_view;
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::service as identity;
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};

/// Start an application draft (citizens with a verified real name, or their proxy).
/// Honours `Idempotency-Key`. One draft per person and service; resume it from any
/// device with `GET /api/v1/applications`.
#[utoipa::path(tag = "applications", operation_id = "applications.create", request_body = NewApplicationRequest, security(("citizen_token" = [])),
    responses((status = 201, body = ApplicationDto)))]
#[post("/applications")]
pub(super) async fn create(
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
pub(super) async fn mine(
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
pub(super) async fn one(
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
pub(super) async fn save_form(
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

/// Declare the household of a draft (replaces the previous declaration). Names, ID
/// numbers and incomes are encrypted at rest; answers mask names and ID numbers, and
/// show incomes only to the staff who decide the application.
#[utoipa::path(tag = "applications", operation_id = "applications.household.save", request_body = HouseholdRequest, security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto)))]
#[put("/applications/{id}/household")]
pub(super) async fn save_household(
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
pub(super) async fn add_material(
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
pub(super) async fn delete_draft(
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
pub(super) async fn remove_material(
    state: State,
    citizen: Citizen,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, material_id) = path.into_inner();
    service::remove_material(&state, &citizen, id, material_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Download a material of your application.
#[utoipa::path(tag = "applications", operation_id = "applications.material.download", security(("citizen_token" = [])), params(("id" = Uuid, Path), ("material_id" = Uuid, Path)),
    responses((status = 200, description = "The file", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "application/pdf")))))]
#[get("/applications/{id}/materials/{material_id}")]
pub(super) async fn material_file(
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
pub(super) async fn submit(
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
pub(super) async fn withdraw(
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
pub(super) async fn supplement(
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
