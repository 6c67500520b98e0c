//! Public halls and the caller's own.
use entity::{memorial, memorial_member};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::rules::Relation;
use crate::error::ApiError;

/// Public, active pages, newest first.
pub async fn list_public(
    db: &DatabaseConnection,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<memorial::Model>, ApiError> {
    let mut q = memorial::Entity::find()
        .filter(memorial::Column::Visibility.eq("public"))
        .filter(memorial::Column::Status.eq("active"));
    if let Some(after) = after {
        q = q.filter(memorial::Column::Id.lt(after));
    }
    Ok(q.order_by_desc(memorial::Column::Id)
        .limit(u64::from(limit) + 1)
        .all(db)
        .await?)
}

/// Pages the citizen created or is family of, newest first, with the relation.
pub async fn list_mine(
    db: &DatabaseConnection,
    citizen: Uuid,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<(memorial::Model, Relation)>, ApiError> {
    let joined: Vec<Uuid> = memorial_member::Entity::find()
        .filter(memorial_member::Column::CitizenId.eq(citizen))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.memorial_id)
        .collect();
    let mut q = memorial::Entity::find().filter(
        Condition::any()
            .add(memorial::Column::OwnerId.eq(citizen))
            .add(memorial::Column::Id.is_in(joined)),
    );
    if let Some(after) = after {
        q = q.filter(memorial::Column::Id.lt(after));
    }
    let rows = q
        .order_by_desc(memorial::Column::Id)
        .limit(u64::from(limit) + 1)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let r = if p.owner_id == citizen {
                Relation::Owner
            } else {
                Relation::Family
            };
            (p, r)
        })
        .collect())
}
