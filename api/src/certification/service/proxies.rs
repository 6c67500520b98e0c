//! A transferee's proxies as staff record them, with masked ID numbers.
use chrono::Utc;
use entity::{real_name, transferee_proxy};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::auth::extract::Staff;
use crate::certification::cycle;
use crate::certification::ways::{in_scope, staff_actor};
use crate::error::{ApiError, Code};
use crate::identity::domain::IdNumber;
use crate::identity::service::id_index;
use crate::platform::audit;
use crate::platform::context::Context;

/// Records a relative (a citizen with a verified real name) who may certify for the
/// transferee, from the signed consent form at the desk.
pub async fn add_proxy(
    state: &Context,
    staff: &Staff,
    id: Uuid,
    proxy_id: &IdNumber,
    proxy_name: &str,
    relation: &str,
) -> Result<transferee_proxy::Model, ApiError> {
    let t = in_scope(state, staff, id).await?;
    let proxy = real_name::Entity::find()
        .filter(real_name::Column::IdNumberIndex.eq(id_index(&state.sealer, proxy_id)))
        .one(&state.db)
        .await?
        .filter(|r| {
            r.status == "verified"
                && state
                    .sealer
                    .open(&r.name_sealed)
                    .is_ok_and(|n| n == proxy_name)
        })
        .ok_or_else(|| ApiError::new(Code::ProxyInvalid))?;
    let txn = state.begin().await?;
    let row = transferee_proxy::ActiveModel {
        id: Set(Uuid::now_v7()),
        transferee_id: Set(t.id),
        citizen_id: Set(proxy.citizen_id),
        relation: Set(relation.into()),
        recorded_by: Set(staff.id),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        cycle::event(
            staff_actor(staff),
            "certification.proxy.add",
            &t,
            format!("{} ({relation})", proxy_id.masked()),
            staff.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The relatives recorded for a transferee, newest first, each with their masked ID number.
pub async fn recorded_proxies(
    state: &Context,
    staff: &Staff,
    id: Uuid,
) -> Result<Vec<(transferee_proxy::Model, String)>, ApiError> {
    let t = in_scope(state, staff, id).await?;
    let rows = transferee_proxy::Entity::find()
        .filter(transferee_proxy::Column::TransfereeId.eq(t.id))
        .order_by_desc(transferee_proxy::Column::CreatedAt)
        .all(&state.db)
        .await?;
    with_masked_numbers(&state.db, rows).await
}

/// Each recorded proxy with the relative's masked ID number, in one query.
pub(super) async fn with_masked_numbers(
    conn: &impl sea_orm::ConnectionTrait,
    rows: Vec<transferee_proxy::Model>,
) -> Result<Vec<(transferee_proxy::Model, String)>, ApiError> {
    let masked: std::collections::HashMap<Uuid, String> = real_name::Entity::find()
        .select_only()
        .column(real_name::Column::CitizenId)
        .column(real_name::Column::IdNumberMasked)
        .filter(real_name::Column::CitizenId.is_in(rows.iter().map(|r| r.citizen_id)))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let number = masked.get(&r.citizen_id).cloned().unwrap_or_default();
            (r, number)
        })
        .collect())
}

/// Revokes a recorded proxy (the relative or the transferee withdrew the signed consent);
/// revoking a revoked one changes nothing.
pub async fn revoke_proxy(
    state: &Context,
    staff: &Staff,
    id: Uuid,
    proxy_id: Uuid,
) -> Result<(transferee_proxy::Model, String), ApiError> {
    let t = in_scope(state, staff, id).await?;
    let txn = state.begin().await?;
    let revoked = transferee_proxy::Entity::update_many()
        .col_expr(transferee_proxy::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(transferee_proxy::Column::Id.eq(proxy_id))
        .filter(transferee_proxy::Column::TransfereeId.eq(t.id))
        .filter(transferee_proxy::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if revoked.rows_affected == 1 {
        let summary = format!("proxy {proxy_id}");
        let event = cycle::event(
            staff_actor(staff),
            "certification.proxy.revoke",
            &t,
            summary,
            staff.request_id.clone(),
        );
        audit::record(&txn, event).await?;
    }
    let row = transferee_proxy::Entity::find_by_id(proxy_id)
        .filter(transferee_proxy::Column::TransfereeId.eq(t.id))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::new(Code::ProxyNotFound))?;
    txn.commit().await?;
    let mut found = with_masked_numbers(&state.db, vec![row]).await?;
    Ok(found.remove(0))
}
