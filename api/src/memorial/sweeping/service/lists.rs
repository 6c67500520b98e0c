//! A family's orders, a cemetery's, the overdue ones.
use chrono::NaiveDate;
use entity::sweep_order as order;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::domain::ScopeKind;
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code};
use crate::platform::clock;

/// The caller's orders, newest first.
pub async fn mine(
    conn: &impl ConnectionTrait,
    citizen: &Citizen,
) -> Result<Vec<order::Model>, ApiError> {
    Ok(order::Entity::find()
        .filter(order::Column::CitizenId.eq(citizen.id))
        .order_by_desc(order::Column::CreatedAt)
        .order_by_desc(order::Column::Id)
        .all(conn)
        .await?)
}

/// Whether an order is overdue: accepted or waiting, and its date has passed without
/// proof. Shown to staff as a flag.
pub fn overdue(row: &order::Model, today: NaiveDate) -> bool {
    matches!(row.status.as_str(), "ordered" | "accepted") && row.sweep_date < today
}

/// A cemetery's orders for its staff, by date; `overdue_only` keeps the flagged ones.
pub async fn for_cemetery(
    conn: &impl ConnectionTrait,
    staff: &Staff,
    cemetery_id: &str,
    status: Option<String>,
    overdue_only: bool,
) -> Result<Vec<order::Model>, ApiError> {
    if !staff.works_at(ScopeKind::Cemetery, cemetery_id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let mut find = order::Entity::find()
        .filter(order::Column::CemeteryId.eq(cemetery_id))
        .order_by_asc(order::Column::SweepDate)
        .order_by_asc(order::Column::CreatedAt)
        .order_by_asc(order::Column::Id);
    if let Some(status) = status {
        find = find.filter(order::Column::Status.eq(status));
    }
    if overdue_only {
        find = find
            .filter(order::Column::Status.is_in(["ordered", "accepted"]))
            .filter(order::Column::SweepDate.lt(clock::today()));
    }
    Ok(find.all(conn).await?)
}
