//! A citizen's visits, a cemetery's day, the gate's load.
use chrono::NaiveDate;
use entity::{slot, tomb_visit as visit, walk_in};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::rules::{VISIT, cemetery, covers};
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code};
use crate::platform::context::Context;

/// The caller's visits, newest first.
pub async fn mine(
    conn: &impl ConnectionTrait,
    citizen: &Citizen,
) -> Result<Vec<visit::Model>, ApiError> {
    Ok(visit::Entity::find()
        .filter(visit::Column::BookedBy.eq(citizen.id))
        .order_by_desc(visit::Column::VisitDate)
        .order_by_desc(visit::Column::CreatedAt)
        .order_by_desc(visit::Column::Id)
        .all(conn)
        .await?)
}

/// The day's reservations at a cemetery for the gate, by slot time.
pub async fn day_list(
    conn: &impl ConnectionTrait,
    staff: &Staff,
    cemetery_id: &str,
    date: NaiveDate,
    status: Option<String>,
) -> Result<Vec<visit::Model>, ApiError> {
    if !covers(staff, cemetery_id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let mut find = visit::Entity::find()
        .filter(visit::Column::CemeteryId.eq(cemetery_id))
        .filter(visit::Column::VisitDate.eq(date))
        .order_by_asc(visit::Column::CreatedAt)
        .order_by_asc(visit::Column::Id);
    if let Some(status) = status {
        find = find.filter(visit::Column::Status.eq(status));
    }
    Ok(find.all(conn).await?)
}

/// A cemetery's load on one day.
pub struct Load {
    pub capacity: i64,
    pub booked_persons: i64,
    pub checked_in_persons: i64,
    pub walk_in_persons: i64,
}

/// What the gate knows of a day: seats, persons booked and in, walk-ins.
pub async fn load(
    state: &Context,
    staff: &Staff,
    cemetery_id: &str,
    date: NaiveDate,
) -> Result<Load, ApiError> {
    cemetery(&state.db, cemetery_id).await?;
    if !covers(staff, cemetery_id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let slots = slot::Entity::find()
        .filter(slot::Column::ResourceId.eq(cemetery_id))
        .filter(slot::Column::BusinessType.eq(VISIT))
        .filter(slot::Column::Date.eq(date))
        .all(&state.db)
        .await?;
    let checked_in: i64 = visit::Entity::find()
        .filter(visit::Column::CemeteryId.eq(cemetery_id))
        .filter(visit::Column::VisitDate.eq(date))
        .filter(visit::Column::Status.eq("checked_in"))
        .all(&state.db)
        .await?
        .iter()
        .map(|v| i64::from(v.persons))
        .sum();
    let walk_ins: i64 = walk_in::Entity::find()
        .filter(walk_in::Column::CemeteryId.eq(cemetery_id))
        .filter(walk_in::Column::VisitDate.eq(date))
        .all(&state.db)
        .await?
        .iter()
        .map(|w| i64::from(w.persons))
        .sum();
    Ok(Load {
        capacity: slots.iter().map(|s| i64::from(s.capacity)).sum(),
        booked_persons: slots.iter().map(|s| i64::from(s.booked)).sum(),
        checked_in_persons: checked_in,
        walk_in_persons: walk_ins,
    })
}
