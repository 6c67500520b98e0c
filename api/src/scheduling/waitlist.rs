//! Waitlists for full days. A person joins the line of a day with no free seat; when a
//! seat comes free (a cancellation, an unconfirmed booking released, more capacity) it is
//! not given back to the crowd but taken again, in the same transaction, for the first
//! in line, who has `waitlist_claim_minutes` to book it. An offer not claimed in time
//! lapses and the seat passes to the next in line; with nobody left it is free again.
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{resource, slot, waitlist_entry as entry};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::service::{self as scheduling, check_open};
use crate::auth::citizen::{Notice, notify};
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::db::is_unique_violation;
use crate::platform::rows::find_or;
use crate::platform::tx::Tx;

/// Statuses in which an entry keeps its place (and its `active_key`).
pub const ACTIVE: [&str; 2] = ["waiting", "offered"];

fn active_key(
    subject_key: &str,
    resource_id: &str,
    business_type: &str,
    date: NaiveDate,
) -> String {
    format!("{subject_key}|{resource_id}|{business_type}|{date}")
}

/// Puts a person on the waitlist of a day whose open slots are all full. `subject_key`
/// names the person (the blind index of their ID number), so two accounts of one person
/// still hold one place.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
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
    let window = super::peak::window_on(&state.db, r, date).await?;
    if date > window.last_open_date(now) {
        return Err(ApiError::new(Code::NotOpenYet));
    }
    let cal = scheduling::calendar(&state.db, date, date).await?;
    let slots =
        scheduling::day_slots(&state.db, r, business_type, date, cal.get(&date).copied()).await?;
    super::draw::check_no_open_draw(&state.db, &r.id, business_type, date).await?;
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
    scheduling::lock_day(&txn, &r.id, business_type, date).await?;
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

/// Offers the free seats of a day, in slot order, to the people waiting for it, in the
/// order they joined. Runs in the caller's transaction, right after seats were released.
pub async fn offer_free_seats(
    conn: &Tx,
    state: &Context,
    r: &resource::Model,
    business_type: &str,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let mut offered = 0;
    loop {
        let Some(next) = first_waiting(conn, &r.id, business_type, date).await? else {
            return Ok(offered);
        };
        let Some(seat) = take_a_free_seat(conn, r, business_type, date, now).await? else {
            return Ok(offered);
        };
        let expires = Ord::min(
            now + Duration::minutes(state.config.waitlist_claim_minutes),
            scheduling::window(r).closes_at(seat.date, seat.starts_at),
        );
        let moved = entry::Entity::update_many()
            .col_expr(entry::Column::Status, Expr::value("offered"))
            .col_expr(entry::Column::SlotId, Expr::value(seat.id))
            .col_expr(entry::Column::OfferExpiresAt, Expr::value(expires))
            .col_expr(entry::Column::UpdatedAt, Expr::value(now))
            .filter(entry::Column::Id.eq(next.id))
            .filter(entry::Column::Status.eq("waiting"))
            .exec(conn)
            .await?;
        if moved.rows_affected != 1 {
            // Another transaction offered this person a seat first: give ours back and look again.
            release(conn, seat.id).await?;
            continue;
        }
        tell_offer(conn, state, &next, r, &seat, expires).await?;
        let summary = format!(
            "offered a seat at {} until {}",
            clock::format(seat.starts_at),
            clock::format(expires)
        );
        audit::record(
            conn,
            event(
                Actor::System,
                "scheduling.waitlist.offer",
                next.id,
                summary,
                None,
            ),
        )
        .await?;
        offered += 1;
    }
}

/// Offers the free seats of a day to every business type's line (after a capacity change).
pub async fn offer_day(
    conn: &Tx,
    state: &Context,
    resource_id: &str,
    date: NaiveDate,
) -> Result<(), ApiError> {
    let waiting = entry::Entity::find()
        .filter(entry::Column::ResourceId.eq(resource_id))
        .filter(entry::Column::Date.eq(date))
        .filter(entry::Column::Status.eq("waiting"))
        .all(conn)
        .await?;
    let mut types: Vec<String> = waiting.into_iter().map(|e| e.business_type).collect();
    types.sort();
    types.dedup();
    if types.is_empty() {
        return Ok(());
    }
    let r = scheduling::resource(conn, resource_id).await?;
    for business_type in types {
        offer_free_seats(conn, state, &r, &business_type, date, Utc::now()).await?;
    }
    Ok(())
}

async fn first_waiting(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    business_type: &str,
    date: NaiveDate,
) -> Result<Option<entry::Model>, ApiError> {
    Ok(entry::Entity::find()
        .filter(entry::Column::ResourceId.eq(resource_id))
        .filter(entry::Column::BusinessType.eq(business_type))
        .filter(entry::Column::Date.eq(date))
        .filter(entry::Column::Status.eq("waiting"))
        .order_by_asc(entry::Column::CreatedAt)
        .order_by_asc(entry::Column::Id)
        .one(conn)
        .await?)
}

/// Takes one seat in the earliest slot of the day that has one and still takes bookings.
async fn take_a_free_seat(
    conn: &Tx,
    r: &resource::Model,
    business_type: &str,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<slot::Model>, ApiError> {
    let slots = slot::Entity::find()
        .filter(slot::Column::ResourceId.eq(&r.id))
        .filter(slot::Column::BusinessType.eq(business_type))
        .filter(slot::Column::Date.eq(date))
        .order_by_asc(slot::Column::StartsAt)
        .all(conn)
        .await?;
    let window = super::peak::window_on(conn, r, date).await?;
    for s in slots {
        if s.booked >= s.capacity || check_open(&window, &s, now).is_err() {
            continue;
        }
        match scheduling::take_seats(conn, &s, 1).await {
            Ok(()) => return Ok(Some(s)),
            Err(e) if e.code == Code::SlotFull => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Gives one seat back without offering it (the offer loop's own undo).
async fn release(conn: &impl ConnectionTrait, slot_id: Uuid) -> Result<(), ApiError> {
    slot::Entity::update_many()
        .col_expr(slot::Column::Booked, Expr::col(slot::Column::Booked).sub(1))
        .filter(slot::Column::Id.eq(slot_id))
        .filter(slot::Column::Booked.gte(1))
        .exec(conn)
        .await?;
    Ok(())
}

async fn tell_offer(
    conn: &Tx,
    state: &Context,
    e: &entry::Model,
    r: &resource::Model,
    seat: &slot::Model,
    expires: DateTime<Utc>,
) -> Result<(), ApiError> {
    let when = clock::format_wechat(seat.starts_at);
    let until = clock::format_wechat(expires);
    let notice = Notice {
        purpose: "waitlist_offer",
        subject: "候补名额已为您保留".into(),
        body: format!(
            "您候补的{}（{when}）有了空余名额，已为您保留至 {until}。请在此之前完成预约，逾期名额将顺延给下一位候补者。",
            r.name
        ),
        wechat_data: BTreeMap::from([
            ("thing1".to_owned(), r.name.chars().take(20).collect()),
            ("time2".to_owned(), when),
            ("time3".to_owned(), until),
        ]),
        page: Some(format!("pages/waitlist/entry?id={}", e.id)),
    };
    notify(conn, state, e.citizen_id, &notice).await?;
    Ok(())
}

/// Turns the caller's offer into their booking: call inside the booking transaction
/// instead of taking a seat, since the offer already holds one in `slot_id`.
pub async fn claim(
    conn: &impl ConnectionTrait,
    entry_id: Uuid,
    citizen_id: Uuid,
    slot_id: Uuid,
) -> Result<(), ApiError> {
    let now = Utc::now();
    let claimed = entry::Entity::update_many()
        .col_expr(entry::Column::Status, Expr::value("claimed"))
        .col_expr(
            entry::Column::ActiveKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(entry::Column::UpdatedAt, Expr::value(now))
        .filter(entry::Column::Id.eq(entry_id))
        .filter(entry::Column::CitizenId.eq(citizen_id))
        .filter(entry::Column::Status.eq("offered"))
        .filter(entry::Column::SlotId.eq(slot_id))
        .filter(entry::Column::OfferExpiresAt.gt(now))
        .exec(conn)
        .await?;
    if claimed.rows_affected == 1 {
        return Ok(());
    }
    let e = mine(conn, entry_id, citizen_id).await?;
    Err(match e.offer_expires_at {
        Some(at) if e.status == "offered" && at <= now => ApiError::new(Code::OfferExpired),
        _ if e.status == "lapsed" => ApiError::new(Code::OfferExpired),
        _ => ApiError::new(Code::NoOffer),
    })
}

/// The caller leaves the line, or declines the seat offered (which goes to the next).
pub async fn leave(
    state: &Context,
    entry_id: Uuid,
    citizen_id: Uuid,
    request_id: Option<String>,
) -> Result<entry::Model, ApiError> {
    let txn = state.begin().await?;
    let e = mine(&txn, entry_id, citizen_id).await?;
    if !end(&txn, state, &e, "cancelled").await? {
        return Err(ApiError::new(Code::WaitlistEntryEnded));
    }
    let summary = if e.status == "offered" {
        "declined the seat offered"
    } else {
        "left the waitlist"
    };
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen_id),
            "scheduling.waitlist.leave",
            e.id,
            summary.into(),
            request_id,
        ),
    )
    .await?;
    let saved = find(&txn, e.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Ends an active entry; an offer's seat is released and offered to the next in line.
async fn end(conn: &Tx, state: &Context, e: &entry::Model, status: &str) -> Result<bool, ApiError> {
    let ended = entry::Entity::update_many()
        .col_expr(entry::Column::Status, Expr::value(status))
        .col_expr(
            entry::Column::ActiveKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(entry::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(entry::Column::Id.eq(e.id))
        .filter(entry::Column::Status.eq(&e.status))
        .filter(entry::Column::Status.is_in(ACTIVE))
        .exec(conn)
        .await?;
    if ended.rows_affected != 1 {
        return Ok(false);
    }
    if let (true, Some(slot_id)) = (e.status == "offered", e.slot_id) {
        scheduling::release_seats(conn, state, slot_id, 1).await?;
    }
    Ok(true)
}

/// Ends a person's places in the lines of these business types, after they booked: a
/// room that allows one active booking per person knows they could not claim a seat
/// anyway, and a held seat goes on to the next in line.
pub async fn end_for_person(
    conn: &Tx,
    state: &Context,
    subject_key: &str,
    business_types: &[&str],
) -> Result<(), ApiError> {
    let active = entry::Entity::find()
        .filter(entry::Column::SubjectKey.eq(subject_key))
        .filter(entry::Column::BusinessType.is_in(business_types.iter().copied()))
        .filter(entry::Column::Status.is_in(ACTIVE))
        .all(conn)
        .await?;
    for e in active {
        end(conn, state, &e, "cancelled").await?;
    }
    Ok(())
}

/// Lapses offers not claimed in time (their seats go to the next in line) and closes
/// the lines of days that have passed. Runs in every instance; each change is conditional.
pub async fn sweep(state: &Context) -> Result<usize, ApiError> {
    let now = Utc::now();
    let due = entry::Entity::find()
        .filter(entry::Column::Status.eq("offered"))
        .filter(entry::Column::OfferExpiresAt.lte(now))
        .all(&state.db)
        .await?;
    let mut lapsed = 0;
    for e in due {
        let txn = state.begin().await?;
        if end(&txn, state, &e, "lapsed").await? {
            audit::record(
                &txn,
                event(
                    Actor::System,
                    "scheduling.waitlist.lapse",
                    e.id,
                    "offer not claimed in time".into(),
                    None,
                ),
            )
            .await?;
            lapsed += 1;
        }
        txn.commit().await?;
    }
    entry::Entity::update_many()
        .col_expr(entry::Column::Status, Expr::value("closed"))
        .col_expr(
            entry::Column::ActiveKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(entry::Column::UpdatedAt, Expr::value(now))
        .filter(entry::Column::Status.eq("waiting"))
        .filter(entry::Column::Date.lt(clock::today()))
        .exec(&state.db)
        .await?;
    Ok(lapsed)
}

/// The caller's entries, newest first, each with its place in line while it waits.
pub async fn list_mine(
    conn: &impl ConnectionTrait,
    citizen_id: Uuid,
) -> Result<Vec<(entry::Model, Option<u64>)>, ApiError> {
    let rows = entry::Entity::find()
        .filter(entry::Column::CitizenId.eq(citizen_id))
        .order_by_desc(entry::Column::CreatedAt)
        .order_by_desc(entry::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for e in rows {
        let place = place_in_line(conn, &e).await?;
        out.push((e, place));
    }
    Ok(out)
}

/// 1 for the first waiting; `None` once the entry no longer waits.
pub async fn place_in_line(
    conn: &impl ConnectionTrait,
    e: &entry::Model,
) -> Result<Option<u64>, ApiError> {
    use sea_orm::PaginatorTrait;
    if e.status != "waiting" {
        return Ok(None);
    }
    let ahead = entry::Entity::find()
        .filter(entry::Column::ResourceId.eq(&e.resource_id))
        .filter(entry::Column::BusinessType.eq(&e.business_type))
        .filter(entry::Column::Date.eq(e.date))
        .filter(entry::Column::Status.eq("waiting"))
        .filter(
            sea_orm::Condition::any()
                .add(entry::Column::CreatedAt.lt(e.created_at))
                .add(
                    sea_orm::Condition::all()
                        .add(entry::Column::CreatedAt.eq(e.created_at))
                        .add(entry::Column::Id.lt(e.id)),
                ),
        )
        .count(conn)
        .await?;
    Ok(Some(ahead + 1))
}

/// An entry of the caller, or 404 (someone else's looks the same as none).
pub async fn mine(
    conn: &impl ConnectionTrait,
    entry_id: Uuid,
    citizen_id: Uuid,
) -> Result<entry::Model, ApiError> {
    find(conn, entry_id)
        .await
        .ok()
        .filter(|e| e.citizen_id == citizen_id)
        .ok_or_else(|| ApiError::new(Code::WaitlistEntryNotFound))
}

async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<entry::Model, ApiError> {
    find_or::<entry::Entity>(conn, id, Code::WaitlistEntryNotFound).await
}

fn active_model(m: &entry::Model) -> entry::ActiveModel {
    entry::ActiveModel {
        id: Set(m.id),
        resource_id: Set(m.resource_id.clone()),
        business_type: Set(m.business_type.clone()),
        date: Set(m.date),
        citizen_id: Set(m.citizen_id),
        subject_key: Set(m.subject_key.clone()),
        status: Set(m.status.clone()),
        slot_id: Set(m.slot_id),
        offer_expires_at: Set(m.offer_expires_at),
        created_at: Set(m.created_at),
        updated_at: Set(m.updated_at),
        active_key: Set(m.active_key.clone()),
    }
}

fn event(
    actor: Actor,
    action: &'static str,
    id: Uuid,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("waitlist_entry", id), summary, request_id)
}
