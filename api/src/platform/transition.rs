//! The conditional status change every room makes: one update filtered on the state it
//! leaves, refused when another request moved the row first.
use sea_orm::{ConnectionTrait, EntityTrait, UpdateMany};

use crate::error::{ApiError, Code};

/// Runs a conditional update (a change filtered on the state it leaves: a status, a
/// slot) and answers `refused` unless it changed exactly one row: someone else moved the
/// row first, and the caller's transaction must not go on.
pub async fn transition<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    update: UpdateMany<E>,
    refused: Code,
) -> Result<(), ApiError> {
    let moved = update.exec(conn).await?;
    if moved.rows_affected != 1 {
        return Err(ApiError::new(refused));
    }
    Ok(())
}
