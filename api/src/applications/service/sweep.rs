//! Drafts left too long are deleted, with their media.
use std::collections::BTreeMap;

use chrono::Utc;
use entity::{
    application, application_event as history, application_material as material,
    application_member as member,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::rules::{materials_of, service_of};
use crate::auth::citizen::{Notice, notify};
use crate::error::ApiError;
use crate::platform::audit::{self, Actor, Event};
use crate::platform::clock;
use crate::state::AppState;

/// Drafts untouched for `draft_retention_days` are purged; `draft_reminder_days` before,
/// their citizen is reminded once.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn sweep_drafts(state: &AppState) -> Result<usize, ApiError> {
    let now = Utc::now();
    let retention = chrono::Duration::days(state.config.draft_retention_days);
    let remind_at = retention - chrono::Duration::days(state.config.draft_reminder_days);
    let to_remind = application::Entity::find()
        .filter(application::Column::Status.eq("draft"))
        .filter(application::Column::UpdatedAt.lte(now - remind_at))
        .filter(application::Column::UpdatedAt.gt(now - retention))
        .filter(application::Column::RemindedAt.is_null())
        .all(&state.db)
        .await?;
    for app in to_remind {
        let txn = state.begin().await?;
        let claimed = application::Entity::update_many()
            .col_expr(application::Column::RemindedAt, Expr::value(now))
            .filter(application::Column::Id.eq(app.id))
            .filter(application::Column::RemindedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 1 {
            let service = service_of(&txn, &app).await?;
            let purge_on = clock::format_wechat(app.updated_at + retention);
            let notice = Notice {
                purpose: "application_update",
                subject: format!("{}申请草稿即将删除", service.def.name),
                body: format!(
                    "您的「{}」申请草稿尚未提交，将于 {purge_on} 删除。如需继续办理，请在此之前提交。",
                    service.def.name
                ),
                wechat_data: BTreeMap::from([
                    (
                        "thing1".to_owned(),
                        service.def.name.chars().take(20).collect(),
                    ),
                    ("phrase2".to_owned(), "草稿待提交".to_owned()),
                    ("time3".to_owned(), purge_on),
                ]),
                page: Some(format!("pages/applications/detail?id={}", app.id)),
            };
            notify(&txn, state, app.applicant_id, &notice).await?;
        }
        txn.commit().await?;
    }
    let stale = application::Entity::find()
        .filter(application::Column::Status.eq("draft"))
        .filter(application::Column::UpdatedAt.lte(now - retention))
        .all(&state.db)
        .await?;
    let mut purged = 0;
    for app in stale {
        let txn = state.begin().await?;
        let gone = application::Entity::delete_many()
            .filter(application::Column::Id.eq(app.id))
            .filter(application::Column::Status.eq("draft"))
            .filter(application::Column::UpdatedAt.lte(now - retention))
            .exec(&txn)
            .await?;
        if gone.rows_affected == 1 {
            member::Entity::delete_many()
                .filter(member::Column::ApplicationId.eq(app.id))
                .exec(&txn)
                .await?;
            // The files go with the draft: scans of ID cards are not kept without purpose.
            let files = materials_of(&txn, app.id).await?;
            material::Entity::delete_many()
                .filter(material::Column::ApplicationId.eq(app.id))
                .exec(&txn)
                .await?;
            for f in &files {
                crate::media::service::delete(&txn, state, f.media_id).await?;
            }
            history::Entity::delete_many()
                .filter(history::Column::ApplicationId.eq(app.id))
                .exec(&txn)
                .await?;
            audit::record(
                &txn,
                Event {
                    actor: Actor::System,
                    action: "applications.draft.purge",
                    target_kind: "application",
                    target_id: app.id.to_string(),
                    summary: format!(
                        "draft of {} untouched since {}",
                        app.service_code,
                        clock::format(app.updated_at)
                    ),
                    request_id: None,
                },
            )
            .await?;
            purged += 1;
        }
        txn.commit().await?;
    }
    Ok(purged)
}

/// Runs [`sweep_drafts`] every `sweep_interval_secs`.
pub async fn sweeper(state: AppState) {
    let every = std::time::Duration::from_secs(state.config.sweep_interval_secs.max(1));
    loop {
        if let Err(e) = sweep_drafts(&state).await {
            tracing::error!(code = e.code.as_str(), "applications: cannot sweep drafts");
        }
        tokio::time::sleep(every).await;
    }
}
