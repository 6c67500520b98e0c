//! Draws (摇号) for rush days. An admin opens a day as a draw: requests are collected in a
//! window, then seats are given out in an order nobody can steer. The seed is 32 random
//! bytes fixed when the draw is created; its SHA-256 is public from the start and the
//! seed itself after the draw, so anyone can check the result: each request's rank is the
//! order of `SHA-256(seed ‖ request id)`. Requests and bookings of winners belong to the
//! room (`marriage::draw`); this module owns the draw itself.
use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{draw, resource, slot};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::error::{ApiError, Code, Message};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::context::Context;
use crate::platform::crypto::{random_bytes, sha256_hex};
use crate::platform::db::is_unique_violation;
use crate::platform::rows::{find_or, transition};

/// Where a draw stands at `now`: `scheduled` (requests not yet taken), `collecting`,
/// `closed` (waiting to be drawn), `drawn`.
pub fn phase(d: &draw::Model, now: DateTime<Utc>) -> &'static str {
    match d.status.as_str() {
        "drawn" => "drawn",
        _ if now < d.requests_open_at => "scheduled",
        _ if now < d.requests_close_at => "collecting",
        _ => "closed",
    }
}

/// The order of the requests: by `SHA-256(seed ‖ id)`, ties (never seen) by id.
/// Deterministic for a seed, and without a known seed no request can count on a place.
pub fn order(seed: &[u8], ids: &[Uuid]) -> Vec<Uuid> {
    use sha2::{Digest, Sha256};
    let mut keyed: Vec<([u8; 32], Uuid)> = ids
        .iter()
        .map(|id| {
            let mut h = Sha256::new();
            h.update(seed);
            h.update(id.as_bytes());
            (h.finalize().into(), *id)
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, id)| id).collect()
}

/// What an admin gives to open a day as a draw.
pub struct NewDraw {
    pub business_type: String,
    pub date: NaiveDate,
    pub requests_open_at: DateTime<Utc>,
    pub requests_close_at: DateTime<Utc>,
}

/// Opens a day of a resource as a draw. The day must have slots of that business type
/// and no bookings yet, and requests must close before the day starts.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn create(
    state: &Context,
    r: &resource::Model,
    spec: NewDraw,
    actor: Actor,
    actor_id: Uuid,
    request_id: Option<String>,
) -> Result<draw::Model, ApiError> {
    let day_starts = super::domain::at(spec.date, chrono::NaiveTime::MIN);
    if spec.requests_close_at <= spec.requests_open_at
        || spec.requests_close_at > day_starts
        || spec.requests_close_at <= Utc::now()
    {
        return Err(ApiError::new(Code::InvalidBody).with_detail(Message::new(
            "报名截止时间须在将来、晚于开始时间，且早于摇号日期当天 0 点",
            "requests must close in the future, after they open and before the day starts",
        )));
    }
    let cal = super::calendar::calendar(&state.db, spec.date, spec.date).await?;
    let slots = super::days::day_slots(
        &state.db,
        r,
        &spec.business_type,
        spec.date,
        cal.get(&spec.date).copied(),
    )
    .await?;
    if slots.is_empty() {
        return Err(ApiError::new(Code::DayClosed));
    }
    let seed = random_bytes::<32>();
    let now = Utc::now();
    let row = draw::ActiveModel {
        id: Set(Uuid::now_v7()),
        resource_id: Set(r.id.clone()),
        business_type: Set(spec.business_type.clone()),
        date: Set(spec.date),
        requests_open_at: Set(spec.requests_open_at),
        requests_close_at: Set(spec.requests_close_at),
        status: Set("open".into()),
        seed_sealed: Set(state.sealer.seal(&hex::encode(seed))),
        seed_sha256: Set(sha256_hex(&seed)),
        seed: Set(None),
        request_count: Set(None),
        winner_count: Set(None),
        drawn_at: Set(None),
        created_by: Set(actor_id),
        created_at: Set(now),
    };
    let txn = state.begin().await?;
    // Lock the day's slots first (a no-op update): a booking that took a seat before has
    // committed when this returns, and one after finds the draw (it checks again under
    // the slot's lock), so "no bookings on a draw day" holds whatever the timing.
    super::seats::lock_day(&txn, &r.id, &spec.business_type, spec.date).await?;
    let booked = slot::Entity::find()
        .filter(slot::Column::ResourceId.eq(&r.id))
        .filter(slot::Column::BusinessType.eq(&spec.business_type))
        .filter(slot::Column::Date.eq(spec.date))
        .filter(slot::Column::Booked.gt(0))
        .one(&txn)
        .await?;
    if booked.is_some() {
        return Err(
            ApiError::new(Code::DayHasBookings).with_detail(Message::new(
                "该日已有预约，不能改为摇号",
                "the day already has bookings; it cannot become a draw",
            )),
        );
    }
    let saved = match draw::Entity::insert(row).exec_with_returning(&txn).await {
        Ok(saved) => saved,
        Err(e) if is_unique_violation(&e) => return Err(ApiError::new(Code::DrawExists)),
        Err(e) => return Err(e.into()),
    };
    let summary = format!(
        "{} {} on {}: requests {} to {}, seed SHA-256 {}",
        r.id,
        spec.business_type,
        spec.date,
        crate::platform::clock::format(spec.requests_open_at),
        crate::platform::clock::format(spec.requests_close_at),
        saved.seed_sha256
    );
    audit::record(
        &txn,
        event(
            actor,
            "scheduling.draw.create",
            saved.id,
            summary,
            request_id,
        ),
    )
    .await?;
    // An open draw hides the day's seats from booking.
    txn.seats_changed(&r.id, &spec.business_type, spec.date);
    txn.commit().await?;
    Ok(saved)
}

/// Checks, under the draw row's lock, that the draw takes requests now: a request handed
/// in or withdrawn at the close is either before the draw (and counted) or refused.
pub async fn lock_collecting(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let locked = draw::Entity::update_many()
        .col_expr(draw::Column::Status, Expr::col(draw::Column::Status))
        .filter(draw::Column::Id.eq(id))
        .filter(draw::Column::Status.eq("open"))
        .filter(draw::Column::RequestsOpenAt.lte(now))
        .filter(draw::Column::RequestsCloseAt.gt(now))
        .exec(conn)
        .await?;
    if locked.rows_affected == 1 {
        Ok(())
    } else {
        Err(ApiError::new(Code::DrawNotOpen))
    }
}

/// Refuses first-come booking (and waitlists) on a day whose draw is not drawn yet.
pub async fn check_no_open_draw(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    business_type: &str,
    date: NaiveDate,
) -> Result<(), ApiError> {
    if open_days(conn, resource_id, business_type, date, date)
        .await?
        .is_empty()
    {
        Ok(())
    } else {
        Err(ApiError::new(Code::DrawDay))
    }
}

/// Days between `from` and `to` whose draw is not drawn yet.
pub async fn open_days(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    business_type: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashSet<NaiveDate>, ApiError> {
    Ok(draw::Entity::find()
        .filter(draw::Column::ResourceId.eq(resource_id))
        .filter(draw::Column::BusinessType.eq(business_type))
        .filter(draw::Column::Date.between(from, to))
        .filter(draw::Column::Status.eq("open"))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| d.date)
        .collect())
}

/// A draw or 404.
pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<draw::Model, ApiError> {
    find_or::<draw::Entity>(conn, id, Code::DrawNotFound).await
}

/// The draws of a resource from `from` on, by date.
pub async fn list(
    conn: &impl ConnectionTrait,
    resource_id: &str,
    from: NaiveDate,
) -> Result<Vec<draw::Model>, ApiError> {
    Ok(draw::Entity::find()
        .filter(draw::Column::ResourceId.eq(resource_id))
        .filter(draw::Column::Date.gte(from))
        .order_by_asc(draw::Column::Date)
        .all(conn)
        .await?)
}

/// Marks the draw as drawn, once and only after its window closed, and reveals its seed.
/// Runs first in the draw's transaction: a second runner finds nothing to do.
pub async fn start_run(
    conn: &impl ConnectionTrait,
    state: &Context,
    d: &draw::Model,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, ApiError> {
    let seed_hex = state
        .sealer
        .open(&d.seed_sealed)
        .map_err(ApiError::internal)?;
    transition(
        conn,
        draw::Entity::update_many()
            .col_expr(draw::Column::Status, Expr::value("drawn"))
            .col_expr(draw::Column::Seed, Expr::value(seed_hex.clone()))
            .col_expr(draw::Column::DrawnAt, Expr::value(now))
            .filter(draw::Column::Id.eq(d.id))
            .filter(draw::Column::Status.eq("open"))
            .filter(draw::Column::RequestsCloseAt.lte(now)),
        Code::DrawNotClosed,
    )
    .await?;
    hex::decode(seed_hex).map_err(ApiError::internal)
}

/// Records the counts of a finished draw.
pub async fn finish_run(
    conn: &impl ConnectionTrait,
    id: Uuid,
    requests: usize,
    winners: usize,
) -> Result<(), ApiError> {
    draw::Entity::update_many()
        .col_expr(draw::Column::RequestCount, Expr::value(requests as i32))
        .col_expr(draw::Column::WinnerCount, Expr::value(winners as i32))
        .filter(draw::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Draws whose window closed and that are not drawn yet.
pub async fn due(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<draw::Model>, ApiError> {
    Ok(draw::Entity::find()
        .filter(draw::Column::Status.eq("open"))
        .filter(draw::Column::RequestsCloseAt.lte(now))
        .all(conn)
        .await?)
}

/// An audit event about a draw.
pub fn event(
    actor: Actor,
    action: &'static str,
    id: Uuid,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("draw", id), summary, request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Vec<Uuid> {
        (0..n)
            .map(|i| Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + i))
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_order_whatever_the_input_order() {
        let mut requests = ids(50);
        let first = order(b"seed-1", &requests);
        requests.reverse();
        assert_eq!(order(b"seed-1", &requests), first);
        assert_ne!(
            order(b"seed-2", &requests),
            first,
            "another seed, another order"
        );
        let mut sorted = first.clone();
        sorted.sort();
        let mut all = ids(50);
        all.sort();
        assert_eq!(sorted, all, "every request gets exactly one rank");
    }

    #[test]
    fn every_request_wins_about_equally_often_whatever_its_position() {
        // 20 requests for 5 seats over 4,000 seeds: each should win ~1,000 times.
        let requests = ids(20);
        let mut wins = [0u32; 20];
        for s in 0u32..4_000 {
            for winner in order(&s.to_be_bytes(), &requests).iter().take(5) {
                let i = requests.iter().position(|r| r == winner).unwrap();
                wins[i] += 1;
            }
        }
        // Binomial(4000, 0.25): sd ≈ 27.4; 5 sd either side.
        for (i, w) in wins.iter().enumerate() {
            assert!(
                (863..=1137).contains(w),
                "request {i} won {w} times of 4000"
            );
        }
        // And the first and last requests in time are not favoured as a pair.
        let chi: f64 = wins
            .iter()
            .map(|&w| (f64::from(w) - 1000.0).powi(2) / 1000.0)
            .sum();
        assert!(
            chi < 43.8,
            "chi-square {chi} over 19 degrees of freedom (p < 0.001)"
        );
    }
}
