//! Rules of proxy sweeping. One state machine, each step a conditional update on the
//! order's status (two clerks or a clerk and the family acting at once cannot both win):
//!
//! ordered → accepted (staff) → done (staff attach photo proof) → confirmed | disputed
//! (family); a disputed order takes more proof (→ done again). The family cancels only
//! while `ordered`. Proof rows are append-only and keep the stored photo's SHA-256 and the
//! server time, so a photo cannot be swapped afterwards unnoticed.
use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use entity::{sweep_order as order, sweep_proof as proof};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::auth::citizen::{Notice, notify};
use crate::auth::domain::ScopeKind;
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code};
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor, Event};
use crate::platform::clock;
use crate::platform::rows::find_or;
use crate::platform::{context::Context, db::is_unique_violation};
use crate::state::AppState;

/// Photos per attachment.
pub const MAX_PHOTOS: usize = 9;

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
    let place = super::super::visits::service::cemetery(&state.db, &new.cemetery_id).await?;
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

async fn one(conn: &impl ConnectionTrait, id: Uuid) -> Result<order::Model, ApiError> {
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

/// Moves `id` from one of `from` to `to` with the extra columns, or answers
/// `sweeping.wrong_state` (someone else moved it first).
async fn step(
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

/// Cemetery staff take the order on.
pub async fn accept(state: &Context, staff: &Staff, id: Uuid) -> Result<order::Model, ApiError> {
    let row = for_staff(&state.db, staff, id).await?;
    let txn = state.begin().await?;
    step(
        &txn,
        row.id,
        &["ordered"],
        "accepted",
        vec![
            (order::Column::AcceptedBy, Expr::value(staff.id)),
            (order::Column::AcceptedAt, Expr::value(Utc::now())),
        ],
    )
    .await?;
    audit::record(
        &txn,
        event(
            staff_actor(staff),
            "sweeping.accept",
            &row,
            String::new(),
            staff.request_id.clone(),
        ),
    )
    .await?;
    notify(
        &txn,
        state,
        row.citizen_id,
        &notice(
            &row,
            "已受理",
            "墓园已受理您的代祭扫订单，将在约定日期完成并上传照片。",
        ),
    )
    .await?;
    txn.commit().await?;
    one(&state.db, id).await
}

/// Staff attach photos they uploaded (`POST /api/v1/media`) as proof; the order is done
/// and the family is told to look. Each photo is bound by its stored SHA-256 and the
/// server time; a photo serves one order only (unique).
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn attach_proof(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    media_ids: &[Uuid],
) -> Result<order::Model, ApiError> {
    let row = for_staff(&state.db, staff, id).await?;
    let mut photos = Vec::with_capacity(media_ids.len());
    for media_id in media_ids {
        let m = crate::media::service::find(state, *media_id).await.ok();
        let photo = m.filter(|m| {
            m.owner_kind == "staff"
                && m.owner_id == staff.id
                && m.content_type.starts_with("image/")
        });
        photos.push(photo.ok_or_else(|| ApiError::new(Code::ProofNotAPhoto))?);
    }
    let now = Utc::now();
    let txn = state.begin().await?;
    step(
        &txn,
        row.id,
        &["accepted", "disputed"],
        "done",
        vec![(order::Column::DoneAt, Expr::value(now))],
    )
    .await?;
    let rows: Vec<proof::ActiveModel> = photos
        .iter()
        .map(|m| proof::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(row.id),
            media_id: Set(m.id),
            sha256: Set(m.sha256.clone()),
            uploaded_by: Set(staff.id),
            attached_at: Set(now),
        })
        .collect();
    match proof::Entity::insert_many(rows)
        .exec_without_returning(&txn)
        .await
    {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(ApiError::new(Code::ProofNotAPhoto)),
        Err(e) => return Err(e.into()),
    }
    let hashes: Vec<&str> = photos.iter().map(|m| &m.sha256[..12]).collect();
    audit::record(
        &txn,
        event(
            staff_actor(staff),
            "sweeping.proof",
            &row,
            format!("{} photos: {}", photos.len(), hashes.join(",")),
            staff.request_id.clone(),
        ),
    )
    .await?;
    notify(
        &txn,
        state,
        row.citizen_id,
        &notice(
            &row,
            "已完成",
            "代祭扫已完成，请查看照片并确认；如有疑问可提出异议。",
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

fn notice(row: &order::Model, phrase: &str, text: &str) -> Notice {
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

fn staff_actor(staff: &Staff) -> Actor {
    Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    }
}

fn event(
    actor: Actor,
    action: &'static str,
    row: &order::Model,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("sweep_order", row.id), summary, request_id)
}
