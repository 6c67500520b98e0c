//! What a desk sees of a transferee's notices: each certification notice queued for
//! them (to their own accounts, or by SMS to the registry's phone), newest first, with
//! the channel that went out and whether it was delivered. Never the message itself.
use entity::outbox_message as message;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::cycle::own_accounts;
use super::ways::in_scope;
use crate::auth::extract::Staff;
use crate::error::ApiError;
use crate::platform::context::Context;

/// How many of the latest notices a desk is shown.
const SHOWN: u64 = 100;

/// The transferee's certification notices, newest first (staff of their street).
pub async fn of_transferee(
    state: &Context,
    staff: &Staff,
    id: Uuid,
) -> Result<Vec<message::Model>, ApiError> {
    let t = in_scope(state, staff, id).await?;
    let mut people = own_accounts(&state.db, &t).await?;
    people.push(t.id);
    Ok(message::Entity::find()
        .filter(message::Column::PersonId.is_in(people))
        .filter(message::Column::Template.eq("certification"))
        .order_by_desc(message::Column::CreatedAt)
        .order_by_desc(message::Column::Id)
        .limit(SHOWN)
        .all(&state.db)
        .await?)
}
