//! Joining the line of a full day.

use chrono::{NaiveDate, Utc};
use entity::{resource, slot, waitlist_entry as entry};
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::db::is_unique_violation;
use crate::scheduling::calendar::calendar;
use crate::scheduling::days::day_slots;
use crate::scheduling::seats::{check_open, lock_day};

use super::entries::{active_key, active_model, event, find};
use super::offer::offer_free_seats;

/// Puts a person on the waitlist of a day whose open slots are all full. `subject_key`
/// names the person (the blind index of their ID number), so two accounts of one person
/// still hold one place.
pub async fn join(
    state: &Context,
    r: &resource::Model,
    business_type: &str,
    date: NaiveDate,
    citizen_id: Uuid,
    subject_key: &str,
    request_id: Option<String>,
) -> Result<entry::Model, ApiError> {
    let now = Utc::now();
    // The window first: only days that can be booked get slots made.
    if date < crate::scheduling::domain::local_date(now) {
        return Err(ApiError::new(Code::BookingClosed));
    }
    let window = crate::scheduling::peak::window_on(&state.db, r, date).await?;
    if date > window.last_open_date(now) {
        return Err(ApiError::new(Code::NotOpenYet));
    }
    let cal = calendar(&state.db, date, date).await?;
    let slots = day_slots(&state.db, r, business_type, date, cal.get(&date).copied()).await?;
    crate::scheduling::draw::check_no_open_draw(&state.db, &r.id, business_type, date).await?;
    let open: Vec<&slot::Model> = slots
        .iter()
        .filter(|s| check_open(&window, s, now).is_ok())
        .collect();
    if open.is_empty() {
        return Err(ApiError::new(Code::BookingClosed));
    }
    if open.iter().any(|s| s.booked < s.capacity) {
        return Err(ApiError::new(Code::SeatsAvailable));
    }
    let row = entry::Model {
        id: Uuid::now_v7(),
        resource_id: r.id.clone(),
        business_type: business_type.to_owned(),
        date,
        citizen_id,
        subject_key: subject_key.to_owned(),
        status: "waiting".into(),
        slot_id: None,
        offer_expires_at: None,
        created_at: now,
        updated_at: now,
        active_key: Some(active_key(subject_key, &r.id, business_type, date)),
    };
    let txn = state.begin().await?;
    // A seat released at this moment is either seen by the offer below or, waiting for
    // this lock, finds this entry in line.
    lock_day(&txn, &r.id, business_type, date).await?;
    match entry::Entity::insert(active_model(&row)).exec(&txn).await {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(ApiError::new(Code::AlreadyWaitlisted)),
        Err(e) => return Err(e.into()),
    }
    let summary = format!("joined the waitlist of {} {business_type} on {date}", r.id);
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen_id),
            "scheduling.waitlist.join",
            row.id,
            summary,
            request_id,
        ),
    )
    .await?;
    // A seat may have come free between the read above and this transaction.
    offer_free_seats(&txn, state, r, business_type, date, now).await?;
    let saved = find(&txn, row.id).await?;
    txn.commit().await?;
    Ok(saved)
}
