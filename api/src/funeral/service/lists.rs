//! A family's bookings and a home's.
use chrono::NaiveDate;
use entity::funeral_booking as booking;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::rules::{Full, covers, with_lines};
use crate::auth::domain::ScopeKind;
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code};
use crate::platform::context::Context;

/// The citizen's bookings, newest first.
pub async fn list_mine(state: &Context, citizen: &Citizen) -> Result<Vec<Full>, ApiError> {
    let rows = booking::Entity::find()
        .filter(booking::Column::BookedBy.eq(citizen.id))
        .order_by_desc(booking::Column::Id)
        .all(&state.db)
        .await?;
    with_lines(&state.db, rows).await
}

/// The home's bookings (default: the clerk's own home; a district admin may leave it out
/// for every home), by first service date, filtered by that date and status.
pub async fn list_for_home(
    state: &Context,
    staff: &Staff,
    home_id: Option<String>,
    date: Option<NaiveDate>,
    status: Option<String>,
) -> Result<Vec<Full>, ApiError> {
    let home_id = home_id.or_else(|| {
        (staff.scope.kind == ScopeKind::FuneralHome)
            .then(|| staff.scope.id.clone())
            .flatten()
    });
    let mut find = booking::Entity::find()
        .order_by_asc(booking::Column::ServiceDate)
        .order_by_asc(booking::Column::Id);
    match &home_id {
        Some(h) if covers(staff, h) => find = find.filter(booking::Column::HomeId.eq(h)),
        None if covers(staff, "") => {}
        _ => return Err(ApiError::new(Code::Forbidden)),
    }
    if let Some(date) = date {
        find = find.filter(booking::Column::ServiceDate.eq(date));
    }
    if let Some(status) = status {
        find = find.filter(booking::Column::Status.eq(status));
    }
    let rows = find.all(&state.db).await?;
    with_lines(&state.db, rows).await
}
