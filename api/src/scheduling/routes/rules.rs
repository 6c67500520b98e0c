//! What the scheduling routes share: the acting admin, invalid-value errors, a day's state
//! now.
use std::sync::Arc;

use actix_web::{HttpResponse, web};

use crate::auth::extract::Admin;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::audit::Actor;
use crate::scheduling::{domain, engine};
use crate::state::AppState;

pub(super) type State = web::Data<AppState>;

/// The day's state at `now`: an open day whose every slot has started (today, late) is
/// `past`, not `open`; the cached day does not know the time of the request. (A day whose
/// booking closed by a cut-off before its slots start stays `open` with every slot
/// `bookable: false`.)
pub(super) fn state_now(d: &engine::Day, now: chrono::DateTime<chrono::Utc>) -> &'static str {
    let all_started = !d.slots.is_empty() && d.slots.iter().all(|s| s.starts_at <= now);
    match d.state {
        "open" if all_started => "past",
        state => state,
    }
}

pub(super) fn invalid(field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: field.into(),
        reason: "value",
        message: Message::new(zh, en),
    })
}

pub(super) fn actor(admin: &Admin) -> Actor {
    Actor::Staff {
        id: admin.0.id,
        role: admin.0.role.as_str(),
    }
}

/// A short lower-case code such as `marriage` or `marriage-centre`.
pub(super) fn check_code(field: &str, text: &str) -> Result<(), ApiError> {
    if domain::is_code(text) {
        Ok(())
    } else {
        Err(invalid(
            field,
            "只能使用小写字母、数字、- 和 _",
            "lower-case letters, digits, - and _ only",
        ))
    }
}

pub(super) fn json_bytes(body: Arc<[u8]>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(actix_web::web::Bytes::copy_from_slice(&body))
}
