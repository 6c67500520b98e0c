//! Offering freed seats to the people in line, first come first offered.
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{resource, slot, waitlist_entry as entry};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::citizen::{Notice, notify};
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::tx::Tx;
use crate::scheduling::calendar::{resource, window};
use crate::scheduling::seats::{self, check_open, take_seats};

use super::entries::event;

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
            window(r).closes_at(seat.date, seat.starts_at),
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
            seats::give_back(conn, seat.id, 1).await?;
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
    let r = resource(conn, resource_id).await?;
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
    let window = crate::scheduling::peak::window_on(conn, r, date).await?;
    for s in slots {
        if s.booked >= s.capacity || check_open(&window, &s, now).is_err() {
            continue;
        }
        match take_seats(conn, &s, 1).await {
            Ok(()) => return Ok(Some(s)),
            Err(e) if e.code == Code::SlotFull => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Gives `n` seats of a slot back and offers them to the day's line at once, in the
/// transaction that frees them (the engine's `release`, and an offer that ends).
pub(in crate::scheduling) async fn pass_on(
    tx: &Tx,
    state: &Context,
    slot_id: Uuid,
    n: i32,
) -> Result<(), ApiError> {
    seats::give_back(tx, slot_id, n).await?;
    let s = seats::slot(tx, slot_id).await?;
    tx.seats_changed(&s.resource_id, &s.business_type, s.date);
    let r = resource(tx, &s.resource_id).await?;
    offer_free_seats(tx, state, &r, &s.business_type, s.date, Utc::now()).await?;
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
