//! An entry's end: its offer claimed by a booking, the line left, an offer lapsed.

use chrono::Utc;
use entity::waitlist_entry as entry;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::tx::Tx;

use super::entries::{ACTIVE, event, find, mine};
use super::offer::pass_on;

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
        pass_on(conn, state, slot_id, 1).await?;
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
