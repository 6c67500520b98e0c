//! Rate limits kept in the database, so that every instance counts the same hits:
//! a fixed window per key, counted with one atomic upsert.
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::error::{ApiError, Code};
use crate::platform::db::statement;

/// A limit: at most `hits` per `window_secs`.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub hits: i32,
    pub window_secs: i64,
}

/// Counts one hit on `key`; over the limit answers 429 `code` with `Retry-After`.
pub async fn hit(
    db: &DatabaseConnection,
    key: &str,
    limit: Limit,
    code: Code,
) -> Result<(), ApiError> {
    let (window, hits) = count(db, key, limit).await?;
    if hits > limit.hits {
        return Err(refusal(code, window, limit));
    }
    Ok(())
}

/// Refuses when `key` has used up `limit` in this window, without counting a hit: for
/// limits that count only failures (see [`record`]).
pub async fn check(
    db: &DatabaseConnection,
    key: &str,
    limit: Limit,
    code: Code,
) -> Result<(), ApiError> {
    let (window, _) = current_window(limit);
    let stmt = statement(
        db.get_database_backend(),
        "SELECT hits FROM rate_counter WHERE key = $1 AND window_start = $2",
        vec![hashed(key).as_str().into(), window.into()],
    );
    let hits: i32 = match db.query_one_raw(stmt).await? {
        Some(row) => row.try_get("", "hits")?,
        None => 0,
    };
    if hits >= limit.hits {
        return Err(refusal(code, window, limit));
    }
    Ok(())
}

/// Counts one failure on `key` for a later [`check`], whatever the count comes to.
pub async fn record(db: &DatabaseConnection, key: &str, limit: Limit) -> Result<(), ApiError> {
    count(db, key, limit).await.map(|_| ())
}

/// Keys carry user input (usernames, addresses): hashed, they have a fixed length and
/// no personal data in clear.
fn hashed(key: &str) -> String {
    crate::platform::crypto::sha256_hex(key.as_bytes())
}

/// The start of the window `now` falls in, and now.
fn current_window(limit: Limit) -> (i64, i64) {
    let now = Utc::now().timestamp();
    (now - now.rem_euclid(limit.window_secs), now)
}

fn refusal(code: Code, window: i64, limit: Limit) -> ApiError {
    let now = Utc::now().timestamp();
    too_many(code, (window + limit.window_secs - now).max(1))
}

/// Adds a hit to `key`'s window with one atomic upsert; answers the window and its hits.
async fn count(db: &DatabaseConnection, key: &str, limit: Limit) -> Result<(i64, i32), ApiError> {
    let (window, _) = current_window(limit);
    let sql = "INSERT INTO rate_counter (key, window_start, hits) VALUES ($1, $2, 1) \
               ON CONFLICT (key) DO UPDATE SET \
               hits = CASE WHEN rate_counter.window_start = excluded.window_start THEN rate_counter.hits + 1 ELSE 1 END, \
               window_start = excluded.window_start \
               RETURNING hits";
    let stmt = statement(
        db.get_database_backend(),
        sql,
        vec![hashed(key).as_str().into(), window.into()],
    );
    let row = db
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| ApiError::internal("upsert returned no row"))?;
    Ok((window, row.try_get("", "hits")?))
}

/// A 429 with the seconds to wait.
pub fn too_many(code: Code, retry_after_secs: i64) -> ApiError {
    let value = HeaderValue::from_str(&retry_after_secs.to_string())
        .unwrap_or(HeaderValue::from_static("60"));
    ApiError::new(code).with_header(RETRY_AFTER, value)
}
