//! A waitlist entry: its states, its key, the caller's entries and their place in line.

use chrono::NaiveDate;
use entity::waitlist_entry as entry;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::error::{ApiError, Code};
use crate::platform::audit::{Actor, Event};
use crate::platform::rows::find_or;

/// Statuses in which an entry keeps its place (and its `active_key`).
pub const ACTIVE: [&str; 2] = ["waiting", "offered"];

pub(super) fn active_key(
    subject_key: &str,
    resource_id: &str,
    business_type: &str,
    date: NaiveDate,
) -> String {
    format!("{subject_key}|{resource_id}|{business_type}|{date}")
}

/// The caller's entries, newest first, each with its place in line while it waits.
pub async fn list_mine(
    conn: &impl ConnectionTrait,
    citizen_id: Uuid,
) -> Result<Vec<(entry::Model, Option<u64>)>, ApiError> {
    let rows = entry::Entity::find()
        .filter(entry::Column::CitizenId.eq(citizen_id))
        .order_by_desc(entry::Column::CreatedAt)
        .order_by_desc(entry::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for e in rows {
        let place = place_in_line(conn, &e).await?;
        out.push((e, place));
    }
    Ok(out)
}

/// 1 for the first waiting; `None` once the entry no longer waits.
pub async fn place_in_line(
    conn: &impl ConnectionTrait,
    e: &entry::Model,
) -> Result<Option<u64>, ApiError> {
    use sea_orm::PaginatorTrait;
    if e.status != "waiting" {
        return Ok(None);
    }
    let ahead = entry::Entity::find()
        .filter(entry::Column::ResourceId.eq(&e.resource_id))
        .filter(entry::Column::BusinessType.eq(&e.business_type))
        .filter(entry::Column::Date.eq(e.date))
        .filter(entry::Column::Status.eq("waiting"))
        .filter(
            sea_orm::Condition::any()
                .add(entry::Column::CreatedAt.lt(e.created_at))
                .add(
                    sea_orm::Condition::all()
                        .add(entry::Column::CreatedAt.eq(e.created_at))
                        .add(entry::Column::Id.lt(e.id)),
                ),
        )
        .count(conn)
        .await?;
    Ok(Some(ahead + 1))
}

/// An entry of the caller, or 404 (someone else's looks the same as none).
pub async fn mine(
    conn: &impl ConnectionTrait,
    entry_id: Uuid,
    citizen_id: Uuid,
) -> Result<entry::Model, ApiError> {
    find(conn, entry_id)
        .await
        .ok()
        .filter(|e| e.citizen_id == citizen_id)
        .ok_or_else(|| ApiError::new(Code::WaitlistEntryNotFound))
}

pub(super) async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<entry::Model, ApiError> {
    find_or::<entry::Entity>(conn, id, Code::WaitlistEntryNotFound).await
}

pub(super) fn active_model(m: &entry::Model) -> entry::ActiveModel {
    entry::ActiveModel {
        id: Set(m.id),
        resource_id: Set(m.resource_id.clone()),
        business_type: Set(m.business_type.clone()),
        date: Set(m.date),
        citizen_id: Set(m.citizen_id),
        subject_key: Set(m.subject_key.clone()),
        status: Set(m.status.clone()),
        slot_id: Set(m.slot_id),
        offer_expires_at: Set(m.offer_expires_at),
        created_at: Set(m.created_at),
        updated_at: Set(m.updated_at),
        active_key: Set(m.active_key.clone()),
    }
}

pub(super) fn event(
    actor: Actor,
    action: &'static str,
    id: Uuid,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("waitlist_entry", id), summary, request_id)
}
