//! The shapes every room's store repeats: a row by its key or the room's "not found"
//! code, and the conditional status change (one update filtered on the state it leaves,
//! refused when another request moved the row first).
use sea_orm::{ConnectionTrait, EntityTrait, PrimaryKeyTrait, UpdateMany};

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

/// The row of `E` with this primary key, or `missing` (the room's "not found" code).
pub async fn find_or<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    id: impl Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    missing: Code,
) -> Result<E::Model, ApiError> {
    E::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::new(missing))
}
