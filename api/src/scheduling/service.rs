//! Rules of the scheduling core, in functions other rooms call. Seats are taken with one
//! conditional UPDATE (`booked + n <= capacity`) inside the caller's transaction, so no
//! timing of requests can overbook a slot, on SQLite or PostgreSQL alike.
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{calendar_day, resource, resource_exception, slot, slot_template};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

pub use super::cache::{AnswerKey, AvailabilityCache, CACHE_TTL, Lookup, Refresh};
use super::domain::{self, CalendarKind, Window};
use crate::error::{ApiError, Code};
use crate::platform::audit::{Actor, Event};
use crate::platform::tx::Tx;
use crate::platform::{context::Context, rows::find_or};

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

async fn exception(
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
    let peak_layout = match super::peak::on(conn, &r.id, date).await? {
        Some(period) => super::peak::layout(conn, &period, business_type).await?,
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

/// One day of availability.
pub struct Day {
    pub date: NaiveDate,
    /// `open`, `not_open_yet`, `past`, `closed` (non-working day or closure), `draw`
    /// (seats given out by a draw, see `scheduling::draw`).
    pub state: &'static str,
    pub slots: Arc<Vec<slot::Model>>,
    /// The booking window of the day (a peak period's, or the resource's).
    pub window: Window,
}

/// Availability from `from` to `to` (inclusive), served from the short cache when it can be.
pub async fn availability(
    conn: &impl ConnectionTrait,
    cache: &AvailabilityCache,
    r: &resource::Model,
    business_type: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Day>, ApiError> {
    let today = domain::local_date(now);
    let cal = calendar(conn, from, to).await?;
    let draws = super::draw::open_days(conn, &r.id, business_type, from, to).await?;
    let periods = super::peak::in_range(conn, &r.id, from, to).await?;
    let mut days = Vec::new();
    let mut date = from;
    while date <= to {
        let key = (r.id.clone(), business_type.to_owned(), date);
        let window = super::peak::window(r, super::peak::covering(&periods, date));
        let (state, slots) = if date < today {
            ("past", Arc::default())
        } else if date > window.last_open_date(now) {
            ("not_open_yet", Arc::default())
        } else {
            let slots = match cache.get(&key) {
                Some(slots) => slots,
                None => {
                    let generation = cache.generation(&r.id);
                    let cal = cal.get(&date).copied();
                    let slots = Arc::new(day_slots(conn, r, business_type, date, cal).await?);
                    cache.put(key, generation, slots.clone());
                    slots
                }
            };
            // A day given out by draw shows its seats but takes no first-come booking.
            let state = match (slots.is_empty(), draws.contains(&date)) {
                (true, _) => "closed",
                (false, true) => "draw",
                (false, false) => "open",
            };
            (state, slots)
        };
        days.push(Day {
            date,
            state,
            slots,
            window,
        });
        date += Duration::days(1);
    }
    Ok(days)
}

/// Checks that `slot` still takes bookings at `now` under its day's window `w` (see
/// `peak::window_on`): its day is open and its cut-off has not passed.
pub fn check_open(w: &Window, s: &slot::Model, now: DateTime<Utc>) -> Result<(), ApiError> {
    if s.date > w.last_open_date(now) {
        return Err(ApiError::new(Code::NotOpenYet));
    }
    if now >= w.closes_at(s.date, s.starts_at) {
        return Err(ApiError::new(Code::BookingClosed));
    }
    Ok(())
}

/// A slot or 404.
pub async fn slot(conn: &impl ConnectionTrait, id: Uuid) -> Result<slot::Model, ApiError> {
    find_or::<slot::Entity>(conn, id, Code::SlotNotFound).await
}

/// Takes `seats` seats, or answers `scheduling.slot_full`. Must run in the caller's write
/// transaction, before the booking row is written; the day's cached availability goes
/// when it commits.
pub async fn take_seats(tx: &Tx, slot: &slot::Model, seats: i32) -> Result<(), ApiError> {
    take_seats_in(tx, slot.id, seats).await?;
    tx.seats_changed(&slot.resource_id, &slot.business_type, slot.date);
    Ok(())
}

/// [`take_seats`] inside a savepoint of a `Tx` (a draw's winner by winner), whose caller
/// names the changed day on the outer transaction.
pub async fn take_seats_in(
    conn: &impl ConnectionTrait,
    slot_id: Uuid,
    seats: i32,
) -> Result<(), ApiError> {
    let taken = slot::Entity::update_many()
        .col_expr(
            slot::Column::Booked,
            Expr::col(slot::Column::Booked).add(seats),
        )
        .filter(slot::Column::Id.eq(slot_id))
        .filter(
            Expr::col(slot::Column::Booked)
                .add(seats)
                .lte(Expr::col(slot::Column::Capacity)),
        )
        .exec(conn)
        .await?;
    if taken.rows_affected == 1 {
        Ok(())
    } else {
        Err(ApiError::new(Code::SlotFull))
    }
}

/// Locks the slot rows of a day (a no-op update) in the caller's transaction: seat
/// changes to the day committed before it are visible after it, later ones wait.
pub async fn lock_day(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    business_type: &str,
    date: NaiveDate,
) -> Result<(), ApiError> {
    slot::Entity::update_many()
        .col_expr(slot::Column::Capacity, Expr::col(slot::Column::Capacity))
        .filter(slot::Column::ResourceId.eq(resource_id))
        .filter(slot::Column::BusinessType.eq(business_type))
        .filter(slot::Column::Date.eq(date))
        .exec(conn)
        .await?;
    Ok(())
}

/// Gives seats back, in the same transaction as the cancellation that frees them; people
/// waiting for the day are offered them at once (see `waitlist`).
pub async fn release_seats(
    tx: &Tx,
    state: &Context,
    slot_id: Uuid,
    seats: i32,
) -> Result<(), ApiError> {
    slot::Entity::update_many()
        .col_expr(
            slot::Column::Booked,
            Expr::col(slot::Column::Booked).sub(seats),
        )
        .filter(slot::Column::Id.eq(slot_id))
        .filter(Expr::col(slot::Column::Booked).gte(seats))
        .exec(tx)
        .await?;
    let s = slot(tx, slot_id).await?;
    tx.seats_changed(&s.resource_id, &s.business_type, s.date);
    let r = resource(tx, &s.resource_id).await?;
    super::waitlist::offer_free_seats(tx, state, &r, &s.business_type, s.date, Utc::now()).await?;
    Ok(())
}

pub(super) fn event(
    actor: Actor,
    action: &'static str,
    target: &str,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("resource", target), summary, request_id)
}
