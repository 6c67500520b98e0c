//! A family's order: placing it, cancelling it, accepting or disputing the proof.
use chrono::{NaiveDate, Utc};
use entity::sweep_order as order;
use sea_orm::sea_query::Expr;
use sea_orm::{EntityTrait, Set};
use uuid::Uuid;

use super::rules::{event, for_citizen, one, step};
use crate::auth::extract::Citizen;
use crate::error::ApiError;
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;

/// An order as the family places it, parsed.
pub struct NewOrder {
    pub cemetery_id: String,
    pub grave: (String, String),
    pub sweep_date: NaiveDate,
    pub cleaning: bool,
    pub flowers: bool,
    pub message: Option<String>,
}

/// Places an order (verified real name: the family answers for it).
pub async fn order(
    state: &Context,
    citizen: &Citizen,
    new: NewOrder,
) -> Result<order::Model, ApiError> {
    identity::verified_index(&state.db, citizen.id).await?;
    let place = crate::memorial::visits::service::cemetery(&state.db, &new.cemetery_id).await?;
    let now = Utc::now();
    let row = order::ActiveModel {
        id: Set(Uuid::now_v7()),
        citizen_id: Set(citizen.id),
        cemetery_id: Set(place.id.clone()),
        grave_key: Set(new.grave.0),
        grave_label: Set(new.grave.1),
        sweep_date: Set(new.sweep_date),
        cleaning: Set(new.cleaning),
        flowers: Set(new.flowers),
        message_sealed: Set(new.message.map(|m| state.sealer.seal(&m))),
        status: Set("ordered".into()),
        accepted_by: Set(None),
        accepted_at: Set(None),
        done_at: Set(None),
        decided_at: Set(None),
        dispute_sealed: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = state.begin().await?;
    let row = order::Entity::insert(row).exec_with_returning(&txn).await?;
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "sweeping.order",
            &row,
            format!("{} on {}", row.grave_key, row.sweep_date),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The family cancels while no one has accepted the order.
pub async fn cancel(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<order::Model, ApiError> {
    let row = for_citizen(&state.db, citizen, id).await?;
    let txn = state.begin().await?;
    step(&txn, row.id, &["ordered"], "cancelled", vec![]).await?;
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "sweeping.cancel",
            &row,
            String::new(),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    one(&state.db, id).await
}

/// The family accepts the proof (`confirmed`) or disputes it with a reason (`disputed`).
pub async fn decide(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
    dispute: Option<String>,
) -> Result<order::Model, ApiError> {
    let row = for_citizen(&state.db, citizen, id).await?;
    let txn = state.begin().await?;
    let (to, action) = if dispute.is_some() {
        ("disputed", "sweeping.dispute")
    } else {
        ("confirmed", "sweeping.confirm")
    };
    step(
        &txn,
        row.id,
        &["done"],
        to,
        vec![
            (order::Column::DecidedAt, Expr::value(Utc::now())),
            (
                order::Column::DisputeSealed,
                Expr::value(dispute.map(|d| state.sealer.seal(&d))),
            ),
        ],
    )
    .await?;
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            action,
            &row,
            String::new(),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    one(&state.db, id).await
}
