//! What admins set up for scheduling: resources, their weekly slot templates, the
//! national calendar and dated exceptions. Each write names the days whose cached
//! availability it made stale (`platform::tx::Tx`).
use chrono::{NaiveDate, Utc};
use entity::{calendar_day, resource, resource_exception, slot, slot_template};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::calendar::{calendar, event, resource};
use super::domain::{self, CalendarKind};
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::tx::Tx;

/// A resource as an admin defines it.
pub struct ResourceSpec {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub address: Option<String>,
    pub window_days: i32,
    pub window_opens_at: String,
    pub cutoff_previous_day_at: Option<String>,
    pub cutoff_minutes: i32,
    pub cancel_minutes: i32,
    pub working_days_only: bool,
}

/// Creates or updates a resource (by id). Existing slots keep their seats.
pub async fn save_resource<C: ConnectionTrait + sea_orm::TransactionTrait>(
    conn: &C,
    spec: ResourceSpec,
    actor: Actor,
    request_id: Option<String>,
) -> Result<resource::Model, ApiError> {
    let row = resource::ActiveModel {
        id: Set(spec.id.clone()),
        kind: Set(spec.kind),
        name: Set(spec.name),
        address: Set(spec.address),
        window_days: Set(spec.window_days),
        window_opens_at: Set(spec.window_opens_at),
        cutoff_previous_day_at: Set(spec.cutoff_previous_day_at),
        cutoff_minutes: Set(spec.cutoff_minutes),
        cancel_minutes: Set(spec.cancel_minutes),
        working_days_only: Set(spec.working_days_only),
        created_at: Set(Utc::now()),
    };
    let conflict = OnConflict::column(resource::Column::Id)
        .update_columns([
            resource::Column::Kind,
            resource::Column::Name,
            resource::Column::Address,
            resource::Column::WindowDays,
            resource::Column::WindowOpensAt,
            resource::Column::CutoffPreviousDayAt,
            resource::Column::CutoffMinutes,
            resource::Column::CancelMinutes,
            resource::Column::WorkingDaysOnly,
        ])
        .to_owned();
    resource::Entity::insert(row)
        .on_conflict(conflict)
        .exec(conn)
        .await?;
    audit::record(
        conn,
        event(
            actor,
            "scheduling.resource.save",
            &spec.id,
            "saved the resource settings".into(),
            request_id,
        ),
    )
    .await?;
    resource(conn, &spec.id).await
}

/// One slot of a weekly template.
pub struct TemplateSlot {
    pub weekday: i32,
    pub start_time: String,
    pub end_time: String,
    pub capacity: i32,
}

/// The weekly template of a resource for one business type, by weekday and start time.
pub async fn template(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    business_type: &str,
) -> Result<Vec<TemplateSlot>, ApiError> {
    resource(conn, resource_id).await?;
    let rows = slot_template::Entity::find()
        .filter(slot_template::Column::ResourceId.eq(resource_id))
        .filter(slot_template::Column::BusinessType.eq(business_type))
        .order_by_asc(slot_template::Column::Weekday)
        .order_by_asc(slot_template::Column::StartTime)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| TemplateSlot {
            weekday: r.weekday,
            start_time: r.start_time,
            end_time: r.end_time,
            capacity: r.capacity,
        })
        .collect())
}

/// Replaces the weekly template of a resource for one business type. Days already made
/// into slots keep them; new days follow the new template.
pub async fn replace_template<C: ConnectionTrait + sea_orm::TransactionTrait>(
    conn: &C,
    resource_id: &str,
    business_type: &str,
    slots: Vec<TemplateSlot>,
    actor: Actor,
    request_id: Option<String>,
) -> Result<(), ApiError> {
    resource(conn, resource_id).await?;
    slot_template::Entity::delete_many()
        .filter(slot_template::Column::ResourceId.eq(resource_id))
        .filter(slot_template::Column::BusinessType.eq(business_type))
        .exec(conn)
        .await?;
    let count = slots.len();
    let rows: Vec<slot_template::ActiveModel> = slots
        .into_iter()
        .map(|s| slot_template::ActiveModel {
            id: Set(Uuid::now_v7()),
            resource_id: Set(resource_id.to_owned()),
            business_type: Set(business_type.to_owned()),
            weekday: Set(s.weekday),
            start_time: Set(s.start_time),
            end_time: Set(s.end_time),
            capacity: Set(s.capacity),
        })
        .collect();
    if !rows.is_empty() {
        slot_template::Entity::insert_many(rows).exec(conn).await?;
    }
    let summary = format!("weekly template for {business_type}: {count} slots");
    audit::record(
        conn,
        event(
            actor,
            "scheduling.template.replace",
            resource_id,
            summary,
            request_id,
        ),
    )
    .await?;
    Ok(())
}

/// Loads national calendar days (a year's holidays and make-up working days) in one go;
/// a date already known is overwritten.
pub async fn load_calendar(
    conn: &Tx,
    days: Vec<(NaiveDate, CalendarKind, String)>,
    actor: Actor,
    request_id: Option<String>,
) -> Result<usize, ApiError> {
    // Every resource's days may read differently now, made or not.
    conn.calendar_changed();
    let count = days.len();
    let rows: Vec<calendar_day::ActiveModel> = days
        .into_iter()
        .map(|(date, kind, name)| calendar_day::ActiveModel {
            date: Set(date),
            kind: Set(match kind {
                CalendarKind::Holiday => "holiday".into(),
                CalendarKind::Workday => "workday".into(),
            }),
            name: Set(name),
        })
        .collect();
    if !rows.is_empty() {
        let conflict = OnConflict::column(calendar_day::Column::Date)
            .update_columns([calendar_day::Column::Kind, calendar_day::Column::Name])
            .to_owned();
        calendar_day::Entity::insert_many(rows)
            .on_conflict(conflict)
            .exec(conn)
            .await?;
    }
    audit::record(
        conn,
        event(
            actor,
            "scheduling.calendar.load",
            "national",
            format!("{count} calendar days"),
            request_id,
        ),
    )
    .await?;
    Ok(count)
}

/// A dated exception to a resource's weekly template.
pub struct Exception {
    pub date: NaiveDate,
    /// Closed all day; otherwise `special` at `capacity_percent`.
    pub closed: bool,
    pub capacity_percent: Option<i32>,
    pub note: String,
}

/// Sets a dated exception: `closed` (refused if the day already has bookings; its empty
/// slots go), or `special` with a capacity in percent of the template (slots already made
/// get the new capacity, never below what is booked).
pub async fn set_exception(
    conn: &Tx,
    resource_id: &str,
    exception: Exception,
    actor: Actor,
    request_id: Option<String>,
) -> Result<(), ApiError> {
    let Exception {
        date,
        closed,
        capacity_percent,
        note,
    } = exception;
    resource(conn, resource_id).await?;
    conn.day_changed(resource_id, None, date);
    if closed {
        close_day(conn, resource_id, date).await?;
    } else if let Some(percent) = capacity_percent {
        resize_day(conn, resource_id, date, percent).await?;
    }
    resource_exception::Entity::delete_many()
        .filter(resource_exception::Column::ResourceId.eq(resource_id))
        .filter(resource_exception::Column::Date.eq(date))
        .exec(conn)
        .await?;
    resource_exception::Entity::insert(resource_exception::ActiveModel {
        id: Set(Uuid::now_v7()),
        resource_id: Set(resource_id.to_owned()),
        date: Set(date),
        kind: Set(if closed {
            "closed".into()
        } else {
            "special".into()
        }),
        capacity_percent: Set(capacity_percent),
        note: Set(note.clone()),
    })
    .exec(conn)
    .await?;
    let what = if closed {
        "closed".to_owned()
    } else {
        format!("special, capacity {}%", capacity_percent.unwrap_or(100))
    };
    let summary = format!("{date}: {what} ({note})");
    audit::record(
        conn,
        event(
            actor,
            "scheduling.exception.set",
            resource_id,
            summary,
            request_id,
        ),
    )
    .await?;
    Ok(())
}

/// Deletes a closed day's slots. Only empty slots go, judged by the row at delete time (a
/// booking may have just committed); any slot left has bookings, and the whole change
/// rolls back.
async fn close_day(conn: &Tx, resource_id: &str, date: NaiveDate) -> Result<(), ApiError> {
    slot::Entity::delete_many()
        .filter(slot::Column::ResourceId.eq(resource_id))
        .filter(slot::Column::Date.eq(date))
        .filter(slot::Column::Booked.eq(0))
        .exec(conn)
        .await?;
    let left = slot::Entity::find()
        .filter(slot::Column::ResourceId.eq(resource_id))
        .filter(slot::Column::Date.eq(date))
        .one(conn)
        .await?;
    match left {
        Some(_) => Err(ApiError::new(Code::DayHasBookings)),
        None => Ok(()),
    }
}

/// Gives a special day's slots already made `percent` of their template capacity.
async fn resize_day(
    conn: &Tx,
    resource_id: &str,
    date: NaiveDate,
    percent: i32,
) -> Result<(), ApiError> {
    let made = slot::Entity::find()
        .filter(slot::Column::ResourceId.eq(resource_id))
        .filter(slot::Column::Date.eq(date))
        .all(conn)
        .await?;
    let cal = calendar(conn, date, date).await?.get(&date).copied();
    for s in made {
        let base = template_capacity(conn, resource_id, &s, domain::template_weekday(date, cal))
            .await?
            .unwrap_or(s.capacity);
        let wanted = base * percent / 100;
        // Never below what is booked at the moment of the update, whatever came in since the read.
        let capacity = Expr::case(
            Expr::col(slot::Column::Booked).gt(wanted),
            Expr::col(slot::Column::Booked),
        )
        .finally(wanted);
        slot::Entity::update_many()
            .col_expr(slot::Column::Capacity, capacity.into())
            .filter(slot::Column::Id.eq(s.id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// The template capacity of the slot's start time on its weekday, if the template has it.
async fn template_capacity(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    s: &slot::Model,
    weekday: i32,
) -> Result<Option<i32>, ApiError> {
    let local = s
        .starts_at
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%H:%M")
        .to_string();
    if let Some(period) = super::peak::on(conn, resource_id, s.date).await?
        && let Some(layout) = super::peak::layout(conn, &period, &s.business_type).await?
    {
        return Ok(layout
            .into_iter()
            .find(|(start, _, _)| *start == local)
            .map(|(_, _, capacity)| capacity));
    }
    let t = slot_template::Entity::find()
        .filter(slot_template::Column::ResourceId.eq(resource_id))
        .filter(slot_template::Column::BusinessType.eq(&s.business_type))
        .filter(slot_template::Column::StartTime.eq(local))
        .filter(slot_template::Column::Weekday.eq(weekday))
        .one(conn)
        .await?;
    Ok(t.map(|t| t.capacity))
}
