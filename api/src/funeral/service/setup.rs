//! A home's setup: the gaps between services and its price list.
use chrono::Utc;
use entity::{funeral_service_item as item, resource};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::rules::home;
use crate::error::ApiError;
use crate::funeral::domain::{self, HOME_KIND};
use crate::platform::audit::{self, Actor, Event};

// ---------------------------------------------------------------- homes and catalogue

/// The funeral homes (resources of kind `funeral_home`), by id.
pub async fn homes(conn: &impl ConnectionTrait) -> Result<Vec<resource::Model>, ApiError> {
    Ok(resource::Entity::find()
        .filter(resource::Column::Kind.eq(HOME_KIND))
        .order_by_asc(resource::Column::Id)
        .all(conn)
        .await?)
}

/// Sets a home's minimum gaps (bookings already made keep their times); audited.
pub async fn save_gaps(
    conn: &(impl ConnectionTrait + sea_orm::TransactionTrait),
    home_id: &str,
    gaps: domain::Gaps,
    actor: Actor,
    request_id: Option<String>,
) -> Result<(), ApiError> {
    use entity::funeral_home_rule as rule;
    home(conn, home_id).await?;
    let row = rule::ActiveModel {
        home_id: Set(home_id.to_owned()),
        transport_gap_minutes: Set(gaps.transport as i32),
        farewell_gap_minutes: Set(gaps.farewell as i32),
        updated_at: Set(Utc::now()),
    };
    let conflict = OnConflict::column(rule::Column::HomeId)
        .update_columns([
            rule::Column::TransportGapMinutes,
            rule::Column::FarewellGapMinutes,
            rule::Column::UpdatedAt,
        ])
        .to_owned();
    rule::Entity::insert(row)
        .on_conflict(conflict)
        .exec(conn)
        .await?;
    audit::record(
        conn,
        Event {
            actor,
            action: "funeral.home.gaps_save",
            target_kind: "resource",
            target_id: home_id.to_owned(),
            summary: format!(
                "transport {} min before the first service, farewell {} min before the cremation",
                gaps.transport, gaps.farewell
            ),
            request_id,
        },
    )
    .await?;
    Ok(())
}

/// The home's catalogue by code; withdrawn items only when `all`.
pub async fn catalogue(
    conn: &impl ConnectionTrait,
    home_id: &str,
    all: bool,
) -> Result<Vec<item::Model>, ApiError> {
    let mut find = item::Entity::find()
        .filter(item::Column::HomeId.eq(home_id))
        .order_by_asc(item::Column::Kind)
        .order_by_asc(item::Column::Code);
    if !all {
        find = find.filter(item::Column::Active.eq(true));
    }
    Ok(find.all(conn).await?)
}

/// A catalogue item as the admin sets it.
pub struct ItemSpec {
    pub name: String,
    pub kind: String,
    pub price_fen: i64,
    pub basic: bool,
    pub active: bool,
}

/// Creates or changes one catalogue item (by home and code). Bookings made before keep
/// the price they were made with.
pub async fn save_item(
    conn: &(impl ConnectionTrait + sea_orm::TransactionTrait),
    home_id: &str,
    code: &str,
    spec: ItemSpec,
    actor: Actor,
    request_id: Option<String>,
) -> Result<item::Model, ApiError> {
    home(conn, home_id).await?;
    let summary = format!(
        "{code}: {} fen, basic {}, active {}",
        spec.price_fen, spec.basic, spec.active
    );
    let row = item::ActiveModel {
        id: Set(Uuid::now_v7()),
        home_id: Set(home_id.to_owned()),
        code: Set(code.to_owned()),
        name: Set(spec.name),
        kind: Set(spec.kind),
        price_fen: Set(spec.price_fen),
        basic: Set(spec.basic),
        active: Set(spec.active),
        updated_at: Set(Utc::now()),
    };
    let conflict = OnConflict::columns([item::Column::HomeId, item::Column::Code])
        .update_columns([
            item::Column::Name,
            item::Column::Kind,
            item::Column::PriceFen,
            item::Column::Basic,
            item::Column::Active,
            item::Column::UpdatedAt,
        ])
        .to_owned();
    item::Entity::insert(row)
        .on_conflict(conflict)
        .exec(conn)
        .await?;
    audit::record(
        conn,
        Event {
            actor,
            action: "funeral.service_item.save",
            target_kind: "resource",
            target_id: home_id.to_owned(),
            summary,
            request_id,
        },
    )
    .await?;
    item::Entity::find()
        .filter(item::Column::HomeId.eq(home_id))
        .filter(item::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("saved catalogue item vanished"))
}
