//! Operations routes: liveness, readiness and Prometheus metrics.
use actix_web::{HttpResponse, get, web};
use prometheus::{Encoder, TextEncoder};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, Code, Problem};
use crate::platform::context::Context;
use crate::platform::db;
use crate::state::AppState;

/// Mounts `/healthz`, `/readyz` and `/metrics` at the root.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// The answer of the health routes.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Status {
    /// `ok` or `ready`.
    pub status: &'static str,
}

/// Liveness: the process answers HTTP. Touches nothing else.
#[utoipa::path(tag = "operations", operation_id = "ops.healthz",
    responses((status = 200, description = "The process is up", body = Status)))]
#[get("/healthz")]
async fn healthz() -> web::Json<Status> {
    web::Json(Status { status: "ok" })
}

/// Readiness, with which optional parts are on.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ready", "parts": [
    {"name": "face_comparison", "on": false, "reason": "built without the `face` feature: cargo build --release --features face, then scripts/face-models"},
    {"name": "wechat", "on": true, "reason": null}]}))]
pub struct Readiness {
    /// `ready`.
    pub status: &'static str,
    /// The optional parts: the desk's in-process face comparison (a build feature and
    /// its model files), WeChat (sign-in, face verification, subscribe messages), Tencent
    /// Cloud FaceID, Tencent Cloud SMS, and email (SMTP). A part that is off says why and how to turn it on.
    pub parts: Vec<Part>,
}

/// One optional part of the service.
#[derive(Debug, Serialize, ToSchema)]
pub struct Part {
    /// `face_comparison`, `wechat`, `faceid`, `sms` or `email`.
    pub name: &'static str,
    pub on: bool,
    pub reason: Option<String>,
}

/// The optional parts and whether each is on (from the build and the configuration,
/// without calling any peer).
pub fn parts(state: &Context) -> Vec<Part> {
    let part = |name, off: Option<String>| Part {
        name,
        on: off.is_none(),
        reason: off,
    };
    let models = state.config.face_models_path();
    let face = if !cfg!(feature = "face") {
        Some("built without the `face` feature: cargo build --release --features face, then scripts/face-models".to_owned())
    } else if !models.is_dir() {
        Some(format!(
            "no face models in {} (scripts/face-models fetches them)",
            models.display()
        ))
    } else {
        None
    };
    let config = &state.config;
    vec![
        part("face_comparison", face),
        part(
            "wechat",
            config
                .wechat_app_id
                .is_none()
                .then(|| "wechat_app_id is not set".to_owned()),
        ),
        part(
            "faceid",
            state
                .secrets
                .faceid_secret_id
                .is_none()
                .then(|| "MINZHENG_FACEID_SECRET_ID is not set".to_owned()),
        ),
        part(
            "sms",
            match (&config.sms_app_id, &state.secrets.sms_secret_id) {
                (Some(_), Some(_)) => None,
                (Some(_), None) => Some("MINZHENG_SMS_SECRET_ID is not set".to_owned()),
                (None, _) => Some(
                    "sms_app_id is not set (dev mode writes SMS to the data folder)".to_owned(),
                ),
            },
        ),
        part(
            "email",
            config.smtp_url.is_none().then(|| {
                "smtp_url is not set (dev mode writes mail to the data folder)".to_owned()
            }),
        ),
    ]
}

/// Readiness: the database answers within 2 seconds. The answer also says which
/// optional parts are off, so a build without face comparison says so before a desk
/// tries it.
#[utoipa::path(tag = "operations", operation_id = "ops.readyz",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "`server.database_unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Readiness>, ApiError> {
    if db::ping(&state.db).await {
        Ok(web::Json(Readiness {
            status: "ready",
            parts: parts(&state),
        }))
    } else {
        Err(ApiError::new(Code::DatabaseUnavailable))
    }
}

/// The registry the metrics middleware records into.
pub struct MetricsRegistry(pub prometheus::Registry);

/// Prometheus metrics: `minzheng_http_requests_total` and
/// `minzheng_http_requests_duration_seconds` by route pattern, method and status.
#[utoipa::path(tag = "operations", operation_id = "ops.metrics",
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain; version=0.0.4",
        example = "minzheng_http_requests_total{endpoint=\"/healthz\",method=\"GET\",status=\"200\"} 1")))]
#[get("/metrics")]
async fn metrics(registry: web::Data<MetricsRegistry>) -> Result<HttpResponse, ApiError> {
    let mut body = Vec::new();
    TextEncoder::new()
        .encode(&registry.0.gather(), &mut body)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
