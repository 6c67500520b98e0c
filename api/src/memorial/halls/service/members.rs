//! A hall's family members: invitations, joining by code, removing.
use chrono::{Duration, Utc};
use entity::{memorial, memorial_invitation, memorial_member};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::rules::{Relation, Viewer, event, find, refusal, relation};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::identity::domain::mask_name;
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::crypto::random_bytes;
use crate::platform::db::is_unique_violation;
use crate::platform::rate_limit::{self, Limit};
use crate::platform::rows::transition;

/// Attempts at invitation codes per person in ten minutes (codes are short enough to type).
pub(super) const JOINS_PER_WINDOW: Limit = Limit {
    hits: 10,
    window_secs: 600,
};

/// How long an invitation code stays usable.
pub(super) const INVITATION_DAYS: i64 = 7;

/// Letters of invitation codes: no 0/O, 1/I look-alikes (read aloud over the phone).
pub(super) const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The blind-index purpose of invitation codes.
pub(super) const INVITATION_INDEX: &str = "memorial_invitation";

pub(super) fn invitation_code() -> String {
    random_bytes::<10>()
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(b % 32)] as char)
        .collect()
}

/// A new one-use invitation code (the creator), valid for 7 days.
pub async fn invite(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<(String, chrono::DateTime<Utc>), ApiError> {
    let page = find(&state.db, id).await?;
    let relation = relation(&state.db, &page, &Viewer::Citizen(citizen.id)).await?;
    if relation != Relation::Owner {
        return Err(refusal(&page, relation, Code::MemorialNotOwner));
    }
    let code = invitation_code();
    let now = Utc::now();
    let expires_at = now + Duration::days(INVITATION_DAYS);
    let row = memorial_invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        memorial_id: Set(id),
        code_index: Set(state.sealer.blind_index(INVITATION_INDEX, &code)),
        created_by: Set(citizen.id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_by: Set(None),
        used_at: Set(None),
    };
    let txn = state.begin().await?;
    memorial_invitation::Entity::insert(row).exec(&txn).await?;
    let mut e = event(
        Actor::Citizen(citizen.id),
        "memorial.invite",
        id,
        "created a family invitation".into(),
    );
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    Ok((code, expires_at))
}

/// Joins a page's family with an invitation code: the code is used by one conditional
/// update (one use), the membership is a unique row.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn join(
    state: &Context,
    citizen: &Citizen,
    code: &str,
) -> Result<memorial::Model, ApiError> {
    rate_limit::hit(
        &state.db,
        &format!("memorial_join:{}", citizen.id),
        JOINS_PER_WINDOW,
        Code::RateLimited,
    )
    .await?;
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let index = state.sealer.blind_index(INVITATION_INDEX, &code);
    let now = Utc::now();
    use memorial_invitation::Column as C;
    let txn = state.begin().await?;
    let invitation = memorial_invitation::Entity::find()
        .filter(C::CodeIndex.eq(index.clone()))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::new(Code::MemorialInvitationInvalid))?;
    let page = find(&txn, invitation.memorial_id).await?;
    if page.owner_id == citizen.id {
        return Err(ApiError::new(Code::MemorialAlreadyMember));
    }
    transition(
        &txn,
        memorial_invitation::Entity::update_many()
            .col_expr(C::UsedBy, Expr::value(citizen.id))
            .col_expr(C::UsedAt, Expr::value(now))
            .filter(C::Id.eq(invitation.id))
            .filter(C::UsedBy.is_null())
            .filter(C::ExpiresAt.gt(now)),
        Code::MemorialInvitationInvalid,
    )
    .await?;
    let member = memorial_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        memorial_id: Set(page.id),
        citizen_id: Set(citizen.id),
        joined_at: Set(now),
    };
    match memorial_member::Entity::insert(member).exec(&txn).await {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::new(Code::MemorialAlreadyMember));
        }
        Err(e) => return Err(e.into()),
    }
    let mut e = event(
        Actor::Citizen(citizen.id),
        "memorial.join",
        page.id,
        "joined the family with an invitation".into(),
    );
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    Ok(page)
}

/// The family: the creator and the members, with masked real names (the family only).
pub async fn members(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<Vec<(Uuid, Relation, chrono::DateTime<Utc>, Option<String>)>, ApiError> {
    let page = find(&state.db, id).await?;
    let relation = relation(&state.db, &page, &Viewer::Citizen(citizen.id)).await?;
    if !relation.is_family() {
        return Err(refusal(&page, relation, Code::MemorialNotFamily));
    }
    let mut people = vec![(page.owner_id, Relation::Owner, page.created_at)];
    let rows = memorial_member::Entity::find()
        .filter(memorial_member::Column::MemorialId.eq(id))
        .order_by_asc(memorial_member::Column::JoinedAt)
        .all(&state.db)
        .await?;
    people.extend(
        rows.into_iter()
            .map(|m| (m.citizen_id, Relation::Family, m.joined_at)),
    );
    let mut out = Vec::with_capacity(people.len());
    for (who, r, at) in people {
        let name = match identity::get(state, who).await {
            Ok(row) => Some(mask_name(
                &state
                    .sealer
                    .open(&row.name_sealed)
                    .map_err(ApiError::internal)?,
            )),
            Err(e) if e.code == Code::RealNameNotFound => None,
            Err(e) => return Err(e),
        };
        out.push((who, r, at, name));
    }
    Ok(out)
}

/// Removes a member: the creator removes anyone, a member may leave.
pub async fn remove_member(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
    member: Uuid,
) -> Result<(), ApiError> {
    let page = find(&state.db, id).await?;
    let relation = relation(&state.db, &page, &Viewer::Citizen(citizen.id)).await?;
    let allowed =
        relation == Relation::Owner || (relation == Relation::Family && member == citizen.id);
    if !allowed {
        return Err(refusal(&page, relation, Code::MemorialNotOwner));
    }
    let txn = state.begin().await?;
    let gone = memorial_member::Entity::delete_many()
        .filter(memorial_member::Column::MemorialId.eq(id))
        .filter(memorial_member::Column::CitizenId.eq(member))
        .exec(&txn)
        .await?;
    if gone.rows_affected != 1 {
        return Err(ApiError::new(Code::MemorialMemberNotFound));
    }
    let mut e = event(
        Actor::Citizen(citizen.id),
        "memorial.member.remove",
        id,
        format!("removed family member {member}"),
    );
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    Ok(())
}
