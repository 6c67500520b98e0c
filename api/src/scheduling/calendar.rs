//! The calendar under the seats: resources and their booking windows, the national
//! calendar (holidays and make-up working days) and dated exceptions. Nothing here
//! touches a seat.
use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{calendar_day, resource, resource_exception};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::domain::{self, CalendarKind, Window};
use crate::error::{ApiError, Code};
use crate::platform::audit::{Actor, Event};
use crate::platform::rows::find_or;

/// A resource or 404.
pub async fn resource(conn: &impl ConnectionTrait, id: &str) -> Result<resource::Model, ApiError> {
    find_or::<resource::Entity>(conn, id.to_owned(), Code::ResourceNotFound).await
}

/// The booking window of a resource.
pub fn window(r: &resource::Model) -> Window {
    Window {
        days: i64::from(r.window_days),
        opens_at: domain::parse_hhmm(&r.window_opens_at).unwrap_or_default(),
        previous_day_at: r
            .cutoff_previous_day_at
            .as_deref()
            .and_then(domain::parse_hhmm),
        minutes_before: i64::from(r.cutoff_minutes),
    }
}

/// The national calendar between two dates, by date.
pub async fn calendar(
    conn: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<NaiveDate, CalendarKind>, ApiError> {
    let rows = calendar_day::Entity::find()
        .filter(calendar_day::Column::Date.gte(from))
        .filter(calendar_day::Column::Date.lte(to))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| CalendarKind::parse(&r.kind).map(|k| (r.date, k)))
        .collect())
}

pub(super) async fn exception(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    date: NaiveDate,
) -> Result<Option<resource_exception::Model>, ApiError> {
    Ok(resource_exception::Entity::find()
        .filter(resource_exception::Column::ResourceId.eq(resource_id))
        .filter(resource_exception::Column::Date.eq(date))
        .one(conn)
        .await?)
}

/// An audit event about a resource (its setup, its peak periods, its draws).
pub(super) fn event(
    actor: Actor,
    action: &'static str,
    target: &str,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("resource", target), summary, request_id)
}
