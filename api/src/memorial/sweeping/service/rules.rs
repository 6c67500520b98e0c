//! What the proxy sweeping use cases share: loading an order, who may see it, a step, the
//! notice, the audit event.
use std::collections::BTreeMap;

use chrono::Utc;
use entity::{sweep_order as order, sweep_proof as proof};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::citizen::Notice;
use crate::auth::domain::ScopeKind;
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code};
use crate::platform::audit::{Actor, Event};
use crate::platform::clock;
use crate::platform::rows::find_or;

/// Photos per attachment.
pub const MAX_PHOTOS: usize = 9;

pub(super) async fn one(conn: &impl ConnectionTrait, id: Uuid) -> Result<order::Model, ApiError> {
    find_or::<order::Entity>(conn, id, Code::SweepNotFound).await
}

/// The caller's order, or 404.
pub async fn for_citizen(
    conn: &impl ConnectionTrait,
    citizen: &Citizen,
    id: Uuid,
) -> Result<order::Model, ApiError> {
    let row = one(conn, id).await?;
    if row.citizen_id == citizen.id {
        Ok(row)
    } else {
        Err(ApiError::new(Code::SweepNotFound))
    }
}

/// An order at one of the staff member's cemeteries, or 404.
pub async fn for_staff(
    conn: &impl ConnectionTrait,
    staff: &Staff,
    id: Uuid,
) -> Result<order::Model, ApiError> {
    let row = one(conn, id).await?;
    if staff.works_at(ScopeKind::Cemetery, &row.cemetery_id) {
        Ok(row)
    } else {
        Err(ApiError::new(Code::SweepNotFound))
    }
}

/// Moves `id` from one of `from` to `to` with the extra columns, or answers
/// `sweeping.wrong_state` (someone else moved it first).
pub(super) async fn step(
    conn: &impl ConnectionTrait,
    id: Uuid,
    from: &[&str],
    to: &str,
    extra: Vec<(order::Column, SimpleExpr)>,
) -> Result<(), ApiError> {
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to))
        .col_expr(order::Column::UpdatedAt, Expr::value(Utc::now()));
    for (col, value) in extra {
        update = update.col_expr(col, value);
    }
    let changed = update
        .filter(order::Column::Id.eq(id))
        .filter(order::Column::Status.is_in(from.iter().copied()))
        .exec(conn)
        .await?;
    if changed.rows_affected == 1 {
        Ok(())
    } else {
        Err(ApiError::new(Code::SweepState))
    }
}

/// An order's proof, in the order it was attached.
pub async fn proofs_of(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<proof::Model>, ApiError> {
    Ok(proof::Entity::find()
        .filter(proof::Column::OrderId.eq(order_id))
        .order_by_asc(proof::Column::AttachedAt)
        .order_by_asc(proof::Column::Id)
        .all(conn)
        .await?)
}

/// One proof photo of an order, or 404.
pub async fn proof_of(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
    proof_id: Uuid,
) -> Result<proof::Model, ApiError> {
    proof::Entity::find_by_id(proof_id)
        .one(conn)
        .await?
        .filter(|p| p.order_id == order_id)
        .ok_or_else(|| ApiError::new(Code::ProofNotFound))
}

pub(super) fn notice(row: &order::Model, phrase: &str, text: &str) -> Notice {
    Notice {
        purpose: "proxy_sweep",
        subject: format!("代祭扫{phrase}"),
        body: format!("{}（{}，{}）", text, row.grave_label, row.sweep_date),
        wechat_data: BTreeMap::from([
            (
                "thing1".to_owned(),
                row.grave_label.chars().take(20).collect(),
            ),
            ("phrase2".to_owned(), phrase.chars().take(5).collect()),
            ("time3".to_owned(), clock::format_wechat(Utc::now())),
        ]),
        page: Some(format!("pages/proxy-sweeps/detail?id={}", row.id)),
    }
}

pub(super) fn staff_actor(staff: &Staff) -> Actor {
    Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    }
}

pub(super) fn event(
    actor: Actor,
    action: &'static str,
    row: &order::Model,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("sweep_order", row.id), summary, request_id)
}
