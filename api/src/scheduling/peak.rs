//! Peak periods (清明, 冬至): dated stretches of a resource's calendar with their own
//! slot layout per business type (other capacities, shorter slots) and an earlier
//! opening (dates of the period are bookable `window_days` ahead instead of the
//! resource's usual window). The weekly template still serves business types the period
//! does not lay out.
use chrono::{Duration, NaiveDate, Utc};
use entity::{peak_period, peak_slot_template, resource, slot};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::calendar::{self, event};
use super::domain::{self, Window};
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::tx::Tx;

/// Longest period an admin may define, in days.
pub const MAX_DAYS: i64 = 62;

/// A period as an admin defines it.
pub struct NewPeriod {
    pub name: String,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub window_days: i32,
    pub slots: Vec<PeakSlot>,
}

/// One slot of a period's daily layout.
pub struct PeakSlot {
    pub business_type: String,
    pub start_time: String,
    pub end_time: String,
    pub capacity: i32,
}

/// The periods of a resource that touch `from..=to`, by first date.
pub async fn in_range(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<peak_period::Model>, ApiError> {
    Ok(peak_period::Entity::find()
        .filter(peak_period::Column::ResourceId.eq(resource_id))
        .filter(peak_period::Column::FirstDate.lte(to))
        .filter(peak_period::Column::LastDate.gte(from))
        .order_by_asc(peak_period::Column::FirstDate)
        .all(conn)
        .await?)
}

/// The period covering `date`, if any.
pub async fn on(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    date: NaiveDate,
) -> Result<Option<peak_period::Model>, ApiError> {
    Ok(in_range(conn, resource_id, date, date)
        .await?
        .into_iter()
        .next())
}

/// The period of `periods` covering `date`.
pub fn covering(periods: &[peak_period::Model], date: NaiveDate) -> Option<&peak_period::Model> {
    periods
        .iter()
        .find(|p| p.first_date <= date && date <= p.last_date)
}

/// The booking window of a date: the period's earlier opening, or the resource's own.
pub fn window(r: &resource::Model, period: Option<&peak_period::Model>) -> Window {
    let usual = calendar::window(r);
    match period {
        Some(p) => Window {
            days: i64::from(p.window_days),
            ..usual
        },
        None => usual,
    }
}

/// The booking window that applies to `date` at `r`.
pub async fn window_on(
    conn: &impl ConnectionTrait,
    r: &resource::Model,
    date: NaiveDate,
) -> Result<Window, ApiError> {
    Ok(window(r, on(conn, &r.id, date).await?.as_ref()))
}

/// The layout of `business_type` in `period` as (start, end, capacity), or `None` when
/// the period does not lay out that business type (the weekly template applies).
pub async fn layout(
    conn: &impl ConnectionTrait,
    period: &peak_period::Model,
    business_type: &str,
) -> Result<Option<Vec<(String, String, i32)>>, ApiError> {
    let rows = peak_slot_template::Entity::find()
        .filter(peak_slot_template::Column::PeriodId.eq(period.id))
        .filter(peak_slot_template::Column::BusinessType.eq(business_type))
        .order_by_asc(peak_slot_template::Column::StartTime)
        .all(conn)
        .await?;
    Ok((!rows.is_empty()).then(|| {
        rows.into_iter()
            .map(|t| (t.start_time, t.end_time, t.capacity))
            .collect()
    }))
}

/// The slots of a period with their layout.
pub async fn slots_of(
    conn: &impl ConnectionTrait,
    period_id: Uuid,
) -> Result<Vec<peak_slot_template::Model>, ApiError> {
    Ok(peak_slot_template::Entity::find()
        .filter(peak_slot_template::Column::PeriodId.eq(period_id))
        .order_by_asc(peak_slot_template::Column::BusinessType)
        .order_by_asc(peak_slot_template::Column::StartTime)
        .all(conn)
        .await?)
}

/// Defines a period. Refused when it overlaps another period of the resource, or when a
/// day of it already has bookings of a business type it lays out (their slots would
/// change under them); empty slots already made for those days go, so the days are made
/// again from the period's layout.
pub async fn create(
    conn: &Tx,
    resource_id: &str,
    new: NewPeriod,
    actor: Actor,
    request_id: Option<String>,
) -> Result<peak_period::Model, ApiError> {
    calendar::resource(conn, resource_id).await?;
    if !in_range(conn, resource_id, new.first_date, new.last_date)
        .await?
        .is_empty()
    {
        return Err(ApiError::new(Code::PeriodOverlaps));
    }
    let types: Vec<String> = {
        let mut t: Vec<String> = new.slots.iter().map(|s| s.business_type.clone()).collect();
        t.sort();
        t.dedup();
        t
    };
    clear_empty_days(conn, resource_id, &types, new.first_date, new.last_date).await?;
    let period = peak_period::ActiveModel {
        id: Set(Uuid::now_v7()),
        resource_id: Set(resource_id.to_owned()),
        name: Set(new.name),
        first_date: Set(new.first_date),
        last_date: Set(new.last_date),
        window_days: Set(new.window_days),
        created_at: Set(Utc::now()),
    };
    let period = peak_period::Entity::insert(period)
        .exec_with_returning(conn)
        .await?;
    let rows: Vec<peak_slot_template::ActiveModel> = new
        .slots
        .into_iter()
        .map(|s| peak_slot_template::ActiveModel {
            id: Set(Uuid::now_v7()),
            period_id: Set(period.id),
            business_type: Set(s.business_type),
            start_time: Set(s.start_time),
            end_time: Set(s.end_time),
            capacity: Set(s.capacity),
        })
        .collect();
    peak_slot_template::Entity::insert_many(rows)
        .exec(conn)
        .await?;
    let summary = format!(
        "peak period {} {}..{}, bookable {} days ahead",
        period.name, period.first_date, period.last_date, period.window_days
    );
    audit::record(
        conn,
        event(
            actor,
            "scheduling.peak.create",
            resource_id,
            summary,
            request_id,
        ),
    )
    .await?;
    Ok(period)
}

/// Removes a period, refused while a day of it has bookings of a type it lays out.
pub async fn delete(
    conn: &Tx,
    resource_id: &str,
    period_id: Uuid,
    actor: Actor,
    request_id: Option<String>,
) -> Result<(), ApiError> {
    let period = peak_period::Entity::find_by_id(period_id)
        .one(conn)
        .await?
        .filter(|p| p.resource_id == resource_id)
        .ok_or_else(|| ApiError::new(Code::PeriodNotFound))?;
    let mut types: Vec<String> = slots_of(conn, period.id)
        .await?
        .into_iter()
        .map(|s| s.business_type)
        .collect();
    types.dedup();
    clear_empty_days(
        conn,
        resource_id,
        &types,
        period.first_date,
        period.last_date,
    )
    .await?;
    peak_slot_template::Entity::delete_many()
        .filter(peak_slot_template::Column::PeriodId.eq(period.id))
        .exec(conn)
        .await?;
    peak_period::Entity::delete_by_id(period.id)
        .exec(conn)
        .await?;
    let summary = format!("peak period {} removed", period.name);
    audit::record(
        conn,
        event(
            actor,
            "scheduling.peak.delete",
            resource_id,
            summary,
            request_id,
        ),
    )
    .await?;
    Ok(())
}

/// Deletes the empty slots of `types` between two dates; any slot left has bookings and
/// the caller's change rolls back. Judged at delete time, so a booking committed a moment
/// ago keeps its slot.
async fn clear_empty_days(
    conn: &Tx,
    resource_id: &str,
    types: &[String],
    first: NaiveDate,
    last: NaiveDate,
) -> Result<(), ApiError> {
    let in_days = || {
        slot::Column::ResourceId
            .eq(resource_id)
            .and(slot::Column::BusinessType.is_in(types.iter().cloned()))
            .and(slot::Column::Date.gte(first))
            .and(slot::Column::Date.lte(last))
    };
    slot::Entity::delete_many()
        .filter(in_days())
        .filter(slot::Column::Booked.eq(0))
        .exec(conn)
        .await?;
    if slot::Entity::find()
        .filter(in_days())
        .one(conn)
        .await?
        .is_some()
    {
        return Err(ApiError::new(Code::PeriodHasBookings));
    }
    let mut date = first;
    while date <= last {
        conn.day_changed(resource_id, None, date);
        date += Duration::days(1);
    }
    Ok(())
}

/// Checks an admin's period: dates in order and not too long, a sane window, and a
/// layout whose times parse and run forwards.
pub fn check(new: &NewPeriod) -> Result<(), (&'static str, &'static str, &'static str)> {
    if new.name.trim().is_empty() || new.name.chars().count() > 32 {
        return Err(("name", "名称 1 到 32 个字", "1 to 32 characters"));
    }
    if new.last_date < new.first_date || (new.last_date - new.first_date).num_days() >= MAX_DAYS {
        return Err((
            "last_date",
            "结束日期不能早于开始日期，且不超过 62 天",
            "the last date must not be before the first, and at most 62 days",
        ));
    }
    if !(1..=60).contains(&new.window_days) {
        return Err((
            "window_days",
            "提前开放天数须在 1 到 60 之间",
            "1 to 60 days",
        ));
    }
    if new.slots.is_empty() || new.slots.len() > 200 {
        return Err(("slots", "须有 1 到 200 个时段", "1 to 200 slots"));
    }
    for s in &new.slots {
        let (Some(start), Some(end)) = (
            domain::parse_hhmm(&s.start_time),
            domain::parse_hhmm(&s.end_time),
        ) else {
            return Err(("slots", "时间格式为 HH:MM", "times as HH:MM"));
        };
        if end <= start {
            return Err((
                "slots",
                "结束时间须晚于开始时间",
                "a slot must end after it starts",
            ));
        }
        if !(1..=100_000).contains(&s.capacity) {
            return Err(("slots", "容量须在 1 到 100000 之间", "capacity 1 to 100000"));
        }
        if !domain::is_code(&s.business_type) {
            return Err((
                "slots",
                "业务类型只能使用小写字母、数字、- 和 _",
                "business types: lower-case letters, digits, - and _",
            ));
        }
    }
    Ok(())
}
