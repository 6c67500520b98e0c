//! What the certification routes share: the transferee's answer, invalid-value errors.
use actix_web::web;
use uuid::Uuid;

use crate::certification::cycle::{cycle_months, status_of};
use crate::certification::dto::*;
use crate::certification::ways;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::clock;
use crate::state::AppState;

pub(super) type State = web::Data<AppState>;

pub(super) fn invalid(field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: field.into(),
        reason: "value",
        message: Message::new(zh, en),
    })
}

pub(super) async fn dto(
    state: &AppState,
    t: entity::transferee::Model,
) -> Result<TransfereeDto, ApiError> {
    let review_open = ways::open_review(&state.db, t.id).await?.is_some();
    let status = status_of(&state.config, &t, clock::today());
    let months = cycle_months(&state.config, &t);
    Ok(TransfereeDto::new(t, status, months, review_open))
}

/// Many transferees for a list, with one query for their open reviews.
pub(super) async fn dtos(
    state: &AppState,
    rows: Vec<entity::transferee::Model>,
) -> Result<Vec<TransfereeDto>, ApiError> {
    let open = ways::with_open_review(&state.db, rows.iter().map(|t| t.id).collect()).await?;
    Ok(rows.into_iter().map(|t| listed(state, t, &open)).collect())
}

/// A listed transferee, `open` holding the ids with an open review.
pub(super) fn listed(
    state: &AppState,
    t: entity::transferee::Model,
    open: &std::collections::HashSet<Uuid>,
) -> TransfereeDto {
    let status = status_of(&state.config, &t, clock::today());
    let months = cycle_months(&state.config, &t);
    let review_open = open.contains(&t.id);
    TransfereeDto::new(t, status, months, review_open)
}

pub(super) fn attempts_left(state: &AppState, t: &entity::transferee::Model) -> u32 {
    let used = if t.attempt_day == Some(clock::today()) {
        t.attempts_that_day.max(0) as u32
    } else {
        0
    };
    state.config.face_attempts_per_day.saturating_sub(used)
}

/// Reviews with their due dates, from one read of the bureau's calendar.
pub(super) async fn review_dtos(
    state: &AppState,
    rows: Vec<entity::certification_review::Model>,
) -> Result<Vec<ReviewDto>, ApiError> {
    let first = rows
        .iter()
        .map(|r| crate::scheduling::domain::local_date(r.created_at))
        .min()
        .unwrap_or_else(clock::today);
    let working = crate::applications::service::working_days(state, first).await?;
    Ok(rows
        .into_iter()
        .map(|r| ReviewDto::new(r, &working))
        .collect())
}
