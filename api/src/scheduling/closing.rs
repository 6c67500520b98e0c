//! A calendar change on days whose slots already exist. Slots are made the first time a
//! day is viewed, so a holiday loaded afterwards must close days that are already made:
//! their empty slots go at once; slots with bookings either make the change refuse
//! (naming each day of the request and the bookings it touches) or, when the admin asks,
//! the bookings are cancelled with the reason and their people told, and the day closes.
//! Days that become working days need nothing here: they were never made, and are made
//! under the calendar as it stands when next viewed.
//!
//! Scheduling does not know the rooms that book; each room that can give seats back on a
//! closed day lends a [`SeatHolder`] at start-up (`AppState::seat_holders`).
use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use entity::{resource, slot};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::domain::{self, CalendarKind};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::tx::Tx;
use crate::state::AppState;

pub use super::holders::{CancelTouched, FindTouched, SeatHolder, TouchedBooking};

pub use super::states::OnBookings;

/// A day of one resource and business type that closed.
#[derive(Clone, Debug)]
pub struct ClosedDay {
    pub date: NaiveDate,
    pub resource_id: String,
    pub business_type: String,
}

/// What the change did to days already made.
#[derive(Default)]
pub struct Outcome {
    pub closed: Vec<ClosedDay>,
    pub cancelled: Vec<TouchedBooking>,
}

/// Closes the made days that the loaded calendar `days` (index in the request, date, name)
/// no longer opens, in the caller's transaction, after the calendar rows are written.
pub async fn apply_calendar(
    txn: &Tx,
    state: &AppState,
    days: &[(usize, NaiveDate, CalendarKind, String)],
    on_bookings: OnBookings,
) -> Result<Outcome, ApiError> {
    let mut outcome = Outcome::default();
    let mut refusals = Vec::new();
    for (index, date, kind, name) in days {
        for ((resource_id, business_type), slots) in closing_groups(txn, *date, *kind).await? {
            let booked: Vec<Uuid> = slots
                .iter()
                .filter(|s| s.booked > 0)
                .map(|s| s.id)
                .collect();
            if !booked.is_empty() {
                match on_bookings {
                    OnBookings::Refuse => {
                        let touched = find_touched(txn, state, &booked).await?;
                        refusals.push(refusal(*index, &resource_id, &slots, &touched));
                        continue;
                    }
                    OnBookings::Cancel => {
                        let reason = format!("{date} 为{name}，不办公");
                        outcome
                            .cancelled
                            .extend(cancel(txn, state, &booked, &reason).await?);
                    }
                }
            }
            close(txn, &slots).await?;
            outcome.closed.push(ClosedDay {
                date: *date,
                resource_id,
                business_type,
            });
        }
    }
    if refusals.is_empty() {
        Ok(outcome)
    } else {
        Err(refusals.into_iter().fold(
            ApiError::new(Code::CalendarTouchesBookings),
            ApiError::with_field,
        ))
    }
}

/// The made slots on `date` that the calendar kind closes, by resource and business type:
/// resources open on working days only, without a peak period's own layout that day.
async fn closing_groups(
    txn: &Tx,
    date: NaiveDate,
    kind: CalendarKind,
) -> Result<BTreeMap<(String, String), Vec<slot::Model>>, ApiError> {
    if domain::is_working_day(date, Some(kind)) {
        return Ok(BTreeMap::new());
    }
    let working_days_only: HashMap<String, bool> = resource::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.working_days_only))
        .collect();
    let mut groups: BTreeMap<(String, String), Vec<slot::Model>> = BTreeMap::new();
    let made = slot::Entity::find()
        .filter(slot::Column::Date.eq(date))
        .all(txn)
        .await?;
    for s in made {
        if working_days_only
            .get(&s.resource_id)
            .copied()
            .unwrap_or(false)
        {
            groups
                .entry((s.resource_id.clone(), s.business_type.clone()))
                .or_default()
                .push(s);
        }
    }
    let mut closing = BTreeMap::new();
    for ((resource_id, business_type), slots) in groups {
        let peak_layout = match super::peak::on(txn, &resource_id, date).await? {
            Some(period) => super::peak::layout(txn, &period, &business_type).await?,
            None => None,
        };
        if peak_layout.is_none() {
            closing.insert((resource_id, business_type), slots);
        }
    }
    Ok(closing)
}

async fn find_touched(
    txn: &Tx,
    state: &AppState,
    slots: &[Uuid],
) -> Result<Vec<TouchedBooking>, ApiError> {
    let mut touched = Vec::new();
    for holder in state.seat_holders.iter() {
        touched.extend((holder.find)(txn, slots).await?);
    }
    Ok(touched)
}

/// Cancels every room's bookings on the slots. Their capacity goes to what is booked
/// first, so the seats given back are not offered to the day's waitlist.
async fn cancel(
    txn: &Tx,
    state: &AppState,
    slots: &[Uuid],
    reason: &str,
) -> Result<Vec<TouchedBooking>, ApiError> {
    slot::Entity::update_many()
        .col_expr(slot::Column::Capacity, Expr::value(0))
        .filter(slot::Column::Id.is_in(slots.iter().copied()))
        .exec(txn)
        .await?;
    let mut cancelled = Vec::new();
    for holder in state.seat_holders.iter() {
        cancelled.extend((holder.cancel)(txn, state, slots, reason).await?);
    }
    Ok(cancelled)
}

/// Deletes the day's slots; a slot still booked (a room that cannot cancel on a closed
/// day, or a booking that committed meanwhile) refuses the whole change.
async fn close(txn: &Tx, slots: &[slot::Model]) -> Result<(), ApiError> {
    let ids: Vec<Uuid> = slots.iter().map(|s| s.id).collect();
    slot::Entity::delete_many()
        .filter(slot::Column::Id.is_in(ids.iter().copied()))
        .filter(slot::Column::Booked.eq(0))
        .exec(txn)
        .await?;
    let left = slot::Entity::find()
        .filter(slot::Column::Id.is_in(ids))
        .one(txn)
        .await?;
    match left {
        Some(_) => Err(ApiError::new(Code::DayHasBookings)),
        None => Ok(()),
    }
}

/// The field error naming the request's day and what it touches.
fn refusal(
    index: usize,
    resource_id: &str,
    slots: &[slot::Model],
    touched: &[TouchedBooking],
) -> FieldError {
    let seats: i32 = slots.iter().map(|s| s.booked).sum();
    let codes: Vec<&str> = touched.iter().map(|t| t.code.as_str()).collect();
    FieldError {
        field: format!("days[{index}].date"),
        reason: "has_bookings",
        message: Message::new(
            format!(
                "{resource_id} 当日已有 {seats} 个预约：{}",
                codes.join("、")
            ),
            format!(
                "{resource_id} has {seats} bookings that day: {}",
                codes.join(", ")
            ),
        ),
    }
}
