//! Availability of a place, served from the short cache.
use std::sync::Arc;

use actix_web::{HttpResponse, get, web};
use chrono::{Duration, NaiveDate, Utc};

use super::rules::{State, json_bytes, state_now};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::clock;
use crate::platform::extract::Query;
use crate::scheduling::dto::*;
use crate::scheduling::{domain, engine};

/// Seats per day and slot (放号查询). Public; answers may be up to a second old.
#[utoipa::path(tag = "scheduling", operation_id = "scheduling.availability", params(("id" = String, Path), AvailabilityQuery),
    responses((status = 200, body = AvailabilityDto)))]
#[get("/resources/{id}/availability")]
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub(super) async fn availability(
    state: State,
    id: web::Path<String>,
    Query(q): Query<AvailabilityQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let from = q.from.unwrap_or_else(|| domain::local_date(now));
    let today = domain::local_date(now);
    let bounded = |d: NaiveDate| (d - today).num_days().abs() <= 400;
    let to =
        q.to.unwrap_or(from.checked_add_signed(Duration::days(31)).unwrap_or(from));
    if !bounded(from) || !bounded(to) || to < from || to - from > Duration::days(31) {
        return Err(ApiError::new(Code::InvalidQuery).with_field(FieldError {
            field: "to".into(),
            reason: "range",
            message: Message::new(
                "查询范围须在 0 到 31 天之间",
                "the range must be 0 to 31 days",
            ),
        }));
    }
    // At opening time everybody asks the same question many times a second.
    let key = (
        id.to_string(),
        q.business_type.as_str().to_owned(),
        from,
        to,
    );
    let refresh = match state.availability.answer(key) {
        engine::Lookup::Hit(body) => return Ok(json_bytes(body)),
        engine::Lookup::Miss(refresh) => refresh,
    };
    let r = engine::resource(&state.db, &id).await?;
    let days = engine::availability(
        &state.db,
        &state.availability,
        &r,
        q.business_type.as_str(),
        from,
        to,
        now,
    )
    .await?;
    let days = days
        .into_iter()
        .map(|d| DayDto {
            date: d.date,
            state: state_now(&d, now).to_owned(),
            slots: d
                .slots
                .iter()
                .map(|s| SlotDto {
                    slot_id: s.id,
                    starts_at: clock::format(s.starts_at),
                    ends_at: clock::format(s.ends_at),
                    capacity: s.capacity,
                    remaining: (s.capacity - s.booked).max(0),
                    bookable: d.state == "open"
                        && s.booked < s.capacity
                        && engine::check_open(&d.window, s, now).is_ok(),
                })
                .collect(),
        })
        .collect();
    let answer = AvailabilityDto {
        resource_id: r.id,
        business_type: q.business_type,
        days,
    };
    let body: Arc<[u8]> = serde_json::to_vec(&answer)
        .map_err(ApiError::internal)?
        .into();
    refresh.keep(body.clone());
    Ok(json_bytes(body))
}
