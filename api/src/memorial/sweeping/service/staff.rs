//! The cemetery's side: accepting an order, attaching the photo proof.
use chrono::Utc;
use entity::{sweep_order as order, sweep_proof as proof};
use sea_orm::sea_query::Expr;
use sea_orm::{EntityTrait, Set};
use uuid::Uuid;

use super::rules::{event, for_staff, notice, one, staff_actor, step};
use crate::auth::citizen::notify;
use crate::auth::extract::Staff;
use crate::error::{ApiError, Code};
use crate::platform::audit;
use crate::platform::{context::Context, db::is_unique_violation};
use crate::state::AppState;

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
