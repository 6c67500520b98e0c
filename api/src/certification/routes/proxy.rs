//! A transferee's proxies, as staff record them.
use actix_web::{HttpResponse, delete, get, post, web};
use uuid::Uuid;

use super::rules::State;
use crate::auth::extract::Staff;
use crate::certification::dto::*;
use crate::certification::service;
use crate::error::ApiError;
use crate::identity::service::{parse_id_number, parse_name};
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};

/// Record a relative who may certify for the transferee, from the signed consent form
/// (for transferees without an account of their own). The relative needs a verified
/// real name with this name and ID number.
#[utoipa::path(tag = "certification", operation_id = "certification.proxies.add", request_body = ProxyRequest, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = ProxyDto)))]
#[post("/certification/transferees/{id}/proxies")]
pub(super) async fn add_proxy(
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
pub(super) async fn proxies(
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

/// Revoke a recorded relative (the signed consent was withdrawn): they can no longer
/// certify for the transferee. Revoking again answers the same record.
#[utoipa::path(tag = "certification", operation_id = "certification.proxies.revoke", security(("staff_token" = [])), params(("id" = Uuid, Path), ("proxy_id" = Uuid, Path)),
    responses((status = 200, body = ProxyDto)))]
#[delete("/certification/transferees/{id}/proxies/{proxy_id}")]
pub(super) async fn revoke_proxy(
    state: State,
    staff: Staff,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<ProxyDto>, ApiError> {
    let (id, proxy_id) = path.into_inner();
    let (proxy, number) = service::revoke_proxy(&state, &staff, id, proxy_id).await?;
    Ok(web::Json(ProxyDto::new(proxy, number)))
}
