//! The bureau's certification window and a sweep now.
use actix_web::{HttpResponse, post};

use super::rules::{State, invalid};
use crate::auth::extract::Admin;
use crate::certification::cycle;
use crate::certification::dto::*;
use crate::certification::service;
use crate::certification::window as window_job;
use crate::error::ApiError;
use crate::platform::clock;
use crate::platform::extract::Json;

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
pub(super) async fn window(
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
pub(super) async fn sweep(state: State, admin: Admin) -> Result<HttpResponse, ApiError> {
    let params = serde_json::json!({"today": clock::today()});
    let job = crate::platform::jobs::create(&state.db, cycle::SWEEP_JOB, &params, Some(admin.0.id))
        .await?;
    // Outside the request: its deadline does not cut the work short.
    tokio::spawn(cycle::run_sweep_job(state.get_ref().clone(), job.id));
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/v1/jobs/{}", job.id)))
        .json(crate::admin::dto::JobDto::from(job)))
}
