//! What staff read of one transferee: the notices sent, the contact, the history.
use actix_web::{get, web};
use uuid::Uuid;

use super::rules::State;
use crate::auth::extract::Staff;
use crate::certification::dto::*;
use crate::certification::service;
use crate::error::ApiError;
use crate::platform::extract::Query;
use crate::platform::pagination::{PageQuery, slice};

/// The transferee's certification notices, newest first (the latest 100), as the desk
/// needs them: which channel went out (WeChat, SMS to an account's or the registry's
/// phone, email) and whether it was delivered. Staff of their street.
#[utoipa::path(tag = "certification", operation_id = "certification.notices.list", security(("staff_token" = [])), params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = NoticeList)))]
#[get("/certification/transferees/{id}/notices")]
pub(super) async fn notices(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<NoticeList>, ApiError> {
    let rows = crate::certification::notices::of_transferee(&state, &staff, *id).await?;
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

/// How to reach the transferee (street staff): the registry's phone and the linked citizen
/// accounts (own, own but unverified, proxies). No account means no online reminder: the
/// street calls or visits.
#[utoipa::path(tag = "certification", operation_id = "certification.contact", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ContactDto)))]
#[get("/certification/transferees/{id}/contact")]
pub(super) async fn contact(
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
pub(super) async fn history(
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
