//! A place's weekly slot template.
use actix_web::{get, put, web};

use super::rules::{State, actor};
use crate::auth::extract::Admin;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::extract::Json;
use crate::scheduling::domain;
use crate::scheduling::dto::*;
use crate::scheduling::setup::{self, TemplateSlot};
use crate::scheduling::states::SlotBusinessType;

/// A place's weekly slot template for one business type (public, like the availability it
/// makes), ordered by weekday and start time; empty when none is set.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.template.get",
    params(("id" = String, Path, example = "marriage-centre"), ("business_type" = SlotBusinessType, Path, description = "e.g. `marriage`")),
    responses((status = 200, body = TemplateRequest)))]
#[get("/resources/{id}/templates/{business_type}")]
pub(super) async fn get_template(
    state: State,
    path: web::Path<(String, SlotBusinessType)>,
) -> Result<web::Json<TemplateRequest>, ApiError> {
    let (id, business_type) = path.into_inner();
    let slots = setup::template(&state.db, &id, business_type.as_str()).await?;
    Ok(web::Json(TemplateRequest {
        slots: slots
            .into_iter()
            .map(|s| TemplateSlotDto {
                weekday: s.weekday,
                start_time: s.start_time,
                end_time: s.end_time,
                capacity: s.capacity,
            })
            .collect(),
    }))
}

/// Replace a place's weekly slot template for one business type (admins).
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.template.replace", request_body = TemplateRequest, security(("staff_token" = [])),
    params(("id" = String, Path, example = "marriage-centre"), ("business_type" = SlotBusinessType, Path, description = "e.g. `marriage`")),
    responses((status = 204, description = "Replaced; dates not yet shown follow it")))]
#[put("/resources/{id}/templates/{business_type}")]
pub(super) async fn replace_template(
    state: State,
    admin: Admin,
    path: web::Path<(String, SlotBusinessType)>,
    Json(body): Json<TemplateRequest>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let (id, business_type) = path.into_inner();
    let business_type = business_type.as_str();
    let mut slots = Vec::with_capacity(body.slots.len());
    for (i, s) in body.slots.into_iter().enumerate() {
        let (start, end) = (
            domain::parse_hhmm(&s.start_time),
            domain::parse_hhmm(&s.end_time),
        );
        let ok = (1..=7).contains(&s.weekday)
            && (0..=10_000).contains(&s.capacity)
            && matches!((start, end), (Some(a), Some(b)) if a < b);
        if !ok {
            return Err(ApiError::new(Code::InvalidBody).with_field(FieldError {
                field: format!("slots[{i}]"),
                reason: "value",
                message: Message::new(
                    "星期 1-7，时间 HH:MM 且开始早于结束，容量 0-10000",
                    "weekday 1-7, times HH:MM with start before end, capacity 0-10000",
                ),
            }));
        }
        slots.push(TemplateSlot {
            weekday: s.weekday,
            start_time: s.start_time,
            end_time: s.end_time,
            capacity: s.capacity,
        });
    }
    let txn = state.begin().await?;
    setup::replace_template(
        &txn,
        &id,
        business_type,
        slots,
        actor(&admin),
        admin.0.request_id.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(actix_web::HttpResponse::NoContent().finish())
}
