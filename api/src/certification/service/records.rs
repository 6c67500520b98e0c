//! What staff read of one transferee: the contact and the history.
use entity::survival_certification;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::extract::Staff;
use crate::certification::cycle;
use crate::certification::ways::in_scope;
use crate::error::ApiError;
use crate::identity::access;
use crate::platform::context::Context;

/// How to reach a transferee: the phone (opened) and the linked accounts.
pub async fn contact(
    state: &Context,
    staff: &Staff,
    id: Uuid,
) -> Result<(Option<String>, Vec<(Uuid, &'static str)>), ApiError> {
    let t = in_scope(state, staff, id).await?;
    let phone = t
        .phone_sealed
        .as_deref()
        .map(|p| state.sealer.open(p))
        .transpose()
        .map_err(ApiError::internal)?;
    let mut accounts: Vec<(Uuid, &'static str)> = cycle::claimants(&state.db, &t)
        .await?
        .into_iter()
        .map(|(account, verified)| (account, if verified { "own" } else { "own_unverified" }))
        .collect();
    for proxy in cycle::proxies(&state.db, &t).await? {
        accounts.push((proxy, "proxy"));
    }
    let target = t.id.to_string();
    let read = access::Read {
        kind: access::AccessKind::ContactRead,
        target_kind: "transferee",
        target_id: &target,
    };
    access::record(&state.db, staff, &read, &[t.id_number_index]).await?;
    Ok((phone, accounts))
}

/// A transferee's certifications, newest first: how, when and by whom, with back pay.
pub async fn history(
    state: &Context,
    staff: &Staff,
    id: Uuid,
) -> Result<Vec<survival_certification::Model>, ApiError> {
    let t = in_scope(state, staff, id).await?;
    Ok(survival_certification::Entity::find()
        .filter(survival_certification::Column::TransfereeId.eq(t.id))
        .order_by_desc(survival_certification::Column::CertifiedAt)
        .all(&state.db)
        .await?)
}
