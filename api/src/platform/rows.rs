//! The shapes every room's store repeats: a row by its key or the room's "not found"
//! code, a row with its children, and the conditional status change (one update filtered
//! on the state it leaves, refused when another request moved the row first).
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, QueryOrder, UpdateMany,
};
use uuid::Uuid;

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

/// The row of `P` with this key and its children in `C` (the rows whose `parent` column
/// holds the key, by `order`), or `missing`: an appointment with its parties, a booking
/// with its lines.
pub async fn find_with_children<P: EntityTrait, C: EntityTrait>(
    conn: &impl ConnectionTrait,
    id: Uuid,
    missing: Code,
    parent: C::Column,
    order: C::Column,
) -> Result<(P::Model, Vec<C::Model>), ApiError>
where
    Uuid: Into<<P::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    let row = find_or::<P>(conn, id, missing).await?;
    let children = C::find()
        .filter(parent.eq(id))
        .order_by_asc(order)
        .all(conn)
        .await?;
    Ok((row, children))
}
