//! What the application routes share: the catalogue entry's answer, a material file's
//! answer, who may read a case.
use actix_web::{HttpResponse, web};
use uuid::Uuid;

use crate::applications::catalogue::Service;
use crate::applications::domain::Party;
use crate::applications::dto::*;
use crate::applications::review;
use crate::applications::service;
use crate::auth::extract::Staff;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::state::AppState;

pub(super) type State = web::Data<AppState>;

pub(super) fn service_dto(s: Service) -> ServiceDto {
    ServiceDto {
        code: s.code,
        version: s.version,
        definition: s.def,
    }
}

pub(super) fn member_error(i: usize, field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: format!("members[{i}].{field}"),
        reason: "value",
        message: Message::new(zh, en),
    })
}

pub(super) async fn material_response(
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

pub(super) fn party_or_admin(staff: &Staff) -> Party {
    // District admins read like approvers and may not act (the state machine allows them nothing).
    review::party_of(staff).unwrap_or(Party::Approver)
}
