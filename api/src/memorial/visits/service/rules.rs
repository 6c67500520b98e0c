//! What the tomb visit use cases share: cemeteries, graves, loading a visit, the street
//! scope, the audit event.
use chrono::NaiveDate;
use entity::{grave_day, resource, tomb_visit as visit, tomb_visitor as visitor};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::domain::ScopeKind;
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code};
use crate::platform::audit::{Actor, Event};
use crate::platform::rows::find_or;
use crate::scheduling::engine as scheduling;

/// The business type of cemetery visits in the scheduling core.
pub const VISIT: &str = "visit";

/// Resource kinds that take tomb visits.
pub const KINDS: [&str; 2] = ["cemetery", "burial_ground"];

/// Persons in one party (the whole party enters on one QR code).
pub const MAX_PARTY: usize = 5;

/// Vehicles per party.
pub const MAX_PLATES: usize = 3;

/// A cemetery (public cemetery or village burial ground), or 404.
pub async fn cemetery(conn: &impl ConnectionTrait, id: &str) -> Result<resource::Model, ApiError> {
    let r = scheduling::resource(conn, id).await?;
    if KINDS.contains(&r.kind.as_str()) {
        Ok(r)
    } else {
        Err(ApiError::new(Code::NotACemetery))
    }
}

pub(super) fn grave_filter(
    cemetery_id: &str,
    grave_key: &str,
    date: NaiveDate,
) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(grave_day::Column::CemeteryId.eq(cemetery_id))
        .add(grave_day::Column::GraveKey.eq(grave_key))
        .add(grave_day::Column::VisitDate.eq(date))
}

/// The party of a visit, in the order it was named.
pub async fn visitors_of(
    conn: &impl ConnectionTrait,
    visit_id: Uuid,
) -> Result<Vec<visitor::Model>, ApiError> {
    Ok(visitor::Entity::find()
        .filter(visitor::Column::VisitId.eq(visit_id))
        .order_by_asc(visitor::Column::Position)
        .all(conn)
        .await?)
}

/// A visit the caller booked, or 404.
pub async fn for_citizen(
    conn: &impl ConnectionTrait,
    citizen: &Citizen,
    id: Uuid,
) -> Result<visit::Model, ApiError> {
    visit::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|v| v.booked_by == citizen.id)
        .ok_or_else(|| ApiError::new(Code::VisitNotFound))
}

pub(super) async fn one(conn: &impl ConnectionTrait, id: Uuid) -> Result<visit::Model, ApiError> {
    find_or::<visit::Entity>(conn, id, Code::VisitNotFound).await
}

/// Whether `staff` works at `cemetery_id` (or is a district admin).
pub fn covers(staff: &Staff, cemetery_id: &str) -> bool {
    staff.works_at(ScopeKind::Cemetery, cemetery_id)
}

/// A visit at one of the clerk's cemeteries, or 404 (another cemetery's looks absent).
pub async fn for_staff(
    conn: &impl ConnectionTrait,
    staff: &Staff,
    id: Uuid,
) -> Result<visit::Model, ApiError> {
    let row = one(conn, id).await?;
    if covers(staff, &row.cemetery_id) {
        Ok(row)
    } else {
        Err(ApiError::new(Code::VisitNotFound))
    }
}

pub(super) fn event(
    actor: Actor,
    action: &'static str,
    row: &visit::Model,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("tomb_visit", row.id), summary, request_id)
}
