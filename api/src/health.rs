//! Operations routes: liveness, readiness and Prometheus metrics.
use actix_web::{HttpResponse, get, web};
use prometheus::{Encoder, TextEncoder};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, Code, Problem};
use crate::platform::db;

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

/// Readiness: the database answers within 2 seconds.
#[utoipa::path(tag = "operations", operation_id = "ops.readyz",
    responses(
        (status = 200, description = "Ready to serve", body = Status, example = json!({"status": "ready"})),
        (status = 503, description = "`server.database_unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/readyz")]
async fn readyz(db: web::Data<DatabaseConnection>) -> Result<web::Json<Status>, ApiError> {
    if db::ping(db.get_ref()).await {
        Ok(web::Json(Status { status: "ready" }))
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
