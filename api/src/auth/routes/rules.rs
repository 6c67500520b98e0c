//! What the sign-in routes share: the client's address, an empty answer, a session list.
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use crate::auth::dto::*;
use crate::auth::session;
use crate::auth::tokens::AccountKind;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::pagination::{PageQuery, slice};
use crate::state::AppState;

pub(super) type State = web::Data<AppState>;

/// The client's address for per-client limits (see `platform::client`).
pub(super) fn client(state: &AppState, req: &HttpRequest) -> String {
    crate::platform::client::address(req, &state.config.trusted_proxies)
}

pub(super) fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

pub(super) async fn sessions_of(
    state: &AppState,
    (kind, account): (AccountKind, Uuid),
    current: Uuid,
    page: &PageQuery,
) -> Result<web::Json<SessionListDto>, ApiError> {
    let live = session::live_of(&state.db, kind, account).await?;
    let page = slice(live, page, |s| s.id.to_string())?;
    Ok(web::Json(SessionListDto {
        items: page
            .rows
            .into_iter()
            .map(|s| SessionDto::new(s, current))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

pub(super) fn field(name: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: name.into(),
        reason: "value",
        message: Message::new(zh, en),
    })
}
