//! Tributes (flowers, candles), a few a day per person.
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::rules::{Viewer, event, open_active};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::db::statement;
use crate::platform::{clock, context::Context};

/// Tributes one person may leave on one page in one (Beijing) day.
pub const TRIBUTES_PER_DAY: i32 = 20;

/// The counter column of a tribute kind (a fixed name, never the client's text).
pub fn tribute_column(kind: &str) -> Option<&'static str> {
    match kind {
        "flower" => Some("flowers"),
        "candle" => Some("candles"),
        "incense" => Some("incense"),
        _ => None,
    }
}

/// Leaves one tribute: the person's daily count goes up by a conditional upsert (none
/// past the limit), then the page's counter by one atomic `col = col + 1`, in one
/// transaction; answers the new counts. No read-modify-write, so no increment is lost
/// however many arrive at once.
pub async fn tribute(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
    token: Option<&str>,
    column: &'static str,
) -> Result<(i64, i64, i64), ApiError> {
    open_active(&state.db, id, &Viewer::Citizen(citizen.id), token).await?;
    let day = clock::today();
    let txn = state.begin().await?;
    let backend = txn.get_database_backend();
    let counted = statement(
        backend,
        "INSERT INTO memorial_tribute_day (memorial_id, citizen_id, day, given) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (memorial_id, citizen_id, day) DO UPDATE SET given = memorial_tribute_day.given + 1 \
         WHERE memorial_tribute_day.given < $4 RETURNING given",
        vec![
            id.into(),
            citizen.id.into(),
            day.into(),
            TRIBUTES_PER_DAY.into(),
        ],
    );
    if txn.query_one_raw(counted).await?.is_none() {
        return Err(ApiError::new(Code::MemorialTributeLimit));
    }
    let sql = format!(
        "UPDATE memorial SET {column} = {column} + 1 WHERE id = $1 AND status = 'active' \
         RETURNING flowers, candles, incense"
    );
    let row = txn
        .query_one_raw(statement(backend, &sql, vec![id.into()]))
        .await?
        .ok_or_else(|| ApiError::new(Code::MemorialTakenDown))?;
    let counts = (
        row.try_get::<i64>("", "flowers")?,
        row.try_get::<i64>("", "candles")?,
        row.try_get::<i64>("", "incense")?,
    );
    let mut e = event(
        Actor::Citizen(citizen.id),
        "memorial.tribute",
        id,
        format!("left a tribute ({column})"),
    );
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    Ok(counts)
}
