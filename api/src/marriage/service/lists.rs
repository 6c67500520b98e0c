//! A citizen's appointments.
use entity::{marriage_appointment as appointment, marriage_party as party};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rules::load;
use crate::auth::extract::Citizen;
use crate::error::ApiError;
use crate::identity::service as identity;
use crate::platform::context::Context;

/// The citizen's appointments (booked or as a party), newest first.
pub async fn list_for_citizen(
    state: &Context,
    citizen: &Citizen,
) -> Result<Vec<(appointment::Model, Vec<party::Model>)>, ApiError> {
    let index = identity::verified_index(&state.db, citizen.id).await.ok();
    let mut ids: Vec<Uuid> = appointment::Entity::find()
        .filter(appointment::Column::BookedBy.eq(citizen.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    if let Some(index) = index {
        let as_party = party::Entity::find()
            .filter(party::Column::IdNumberIndex.eq(index))
            .all(&state.db)
            .await?;
        ids.extend(as_party.into_iter().map(|p| p.appointment_id));
    }
    ids.sort();
    ids.dedup();
    ids.reverse();
    let mut out = Vec::new();
    for id in ids {
        out.push(load(&state.db, id).await?);
    }
    Ok(out)
}
