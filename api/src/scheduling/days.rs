//! The slots of a day, made on first ask from the weekly template or a peak period's
//! layout, with the day's exception applied.
use chrono::NaiveDate;
use entity::{resource, slot, slot_template};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::calendar::exception;
use super::domain::{self, CalendarKind};
use super::peak;
use crate::error::ApiError;

/// The slots of a day, made from the template the first time the day is asked for (an
/// insert that ignores slots another request made first).
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn day_slots(
    conn: &impl ConnectionTrait,
    r: &resource::Model,
    business_type: &str,
    date: NaiveDate,
    cal: Option<CalendarKind>,
) -> Result<Vec<slot::Model>, ApiError> {
    let existing = find_day(conn, &r.id, business_type, date).await?;
    if !existing.is_empty() {
        return Ok(existing);
    }
    // A peak period's own layout wins over the weekly template (and over working days:
    // the period names its dates).
    let peak_layout = match peak::on(conn, &r.id, date).await? {
        Some(period) => peak::layout(conn, &period, business_type).await?,
        None => None,
    };
    if peak_layout.is_none() && r.working_days_only && !domain::is_working_day(date, cal) {
        return Ok(existing);
    }
    let exception = exception(conn, &r.id, date).await?;
    if exception.as_ref().is_some_and(|e| e.kind == "closed") {
        return Ok(existing);
    }
    let percent = exception.and_then(|e| e.capacity_percent).unwrap_or(100);
    let layout = match peak_layout {
        Some(layout) => layout,
        None => slot_template::Entity::find()
            .filter(slot_template::Column::ResourceId.eq(&r.id))
            .filter(slot_template::Column::BusinessType.eq(business_type))
            .filter(slot_template::Column::Weekday.eq(domain::template_weekday(date, cal)))
            .all(conn)
            .await?
            .into_iter()
            .map(|t| (t.start_time, t.end_time, t.capacity))
            .collect(),
    };
    let rows: Vec<slot::ActiveModel> = layout
        .iter()
        .filter_map(|(start, end, capacity)| {
            Some((
                domain::parse_hhmm(start)?,
                domain::parse_hhmm(end)?,
                *capacity,
            ))
        })
        .map(|(start, end, capacity)| slot::ActiveModel {
            id: Set(Uuid::now_v7()),
            resource_id: Set(r.id.clone()),
            business_type: Set(business_type.to_owned()),
            date: Set(date),
            starts_at: Set(domain::at(date, start)),
            ends_at: Set(domain::at(date, end)),
            capacity: Set(capacity * percent / 100),
            booked: Set(0),
        })
        .collect();
    if !rows.is_empty() {
        let key = [
            slot::Column::ResourceId,
            slot::Column::BusinessType,
            slot::Column::StartsAt,
        ];
        slot::Entity::insert_many(rows)
            .on_conflict_do_nothing_on(key)
            .exec(conn)
            .await?;
    }
    find_day(conn, &r.id, business_type, date).await
}

async fn find_day(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    business_type: &str,
    date: NaiveDate,
) -> Result<Vec<slot::Model>, ApiError> {
    Ok(slot::Entity::find()
        .filter(slot::Column::ResourceId.eq(resource_id))
        .filter(slot::Column::BusinessType.eq(business_type))
        .filter(slot::Column::Date.eq(date))
        .order_by_asc(slot::Column::StartsAt)
        .all(conn)
        .await?)
}
