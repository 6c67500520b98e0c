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
    // Keys carry user input (usernames, addresses): hashed, they have a fixed length
    // and no personal data in clear.
    let key = crate::platform::crypto::sha256_hex(key.as_bytes());
    let now = Utc::now().timestamp();
    let window = now - now.rem_euclid(limit.window_secs);
    let sql = "INSERT INTO rate_counter (key, window_start, hits) VALUES ($1, $2, 1) \
               ON CONFLICT (key) DO UPDATE SET \
               hits = CASE WHEN rate_counter.window_start = excluded.window_start THEN rate_counter.hits + 1 ELSE 1 END, \
               window_start = excluded.window_start \
               RETURNING hits";
    let stmt = statement(
        db.get_database_backend(),
        sql,
        vec![key.as_str().into(), window.into()],
    );
    let row = db
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| ApiError::internal("upsert returned no row"))?;
    let hits: i32 = row.try_get("", "hits")?;
    if hits > limit.hits {
        let retry = (window + limit.window_secs - now).max(1);
        return Err(too_many(code, retry));
    }
    Ok(())
}

/// A 429 with the seconds to wait.
pub fn too_many(code: Code, retry_after_secs: i64) -> ApiError {
    let value = HeaderValue::from_str(&retry_after_secs.to_string())
        .unwrap_or(HeaderValue::from_static("60"));
    ApiError::new(code).with_header(RETRY_AFTER, value)
}
