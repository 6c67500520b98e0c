//! A status change of an application: the conditional update, its history row, its audit
//! event and the notice to the applicant.
use std::collections::BTreeMap;

use chrono::Utc;
use entity::{application, application_event as history, application_hold as hold};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::rules::By;
use crate::applications::catalogue::Service;
use crate::applications::domain::{self, FINAL, Party};
use crate::auth::citizen::{Notice, notify};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::service as identity;
use crate::platform::audit::{self, Event};
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::rows::find_or;
use crate::platform::tx::Tx;

/// Moves an application by `action` if the state machine allows it for `by`, in the
/// caller's transaction: the conditional status change (so two actors cannot both move
/// it), `extra` columns, the history entry, the end of the household hold on a final
/// status, the audit event and the citizen's notice.
#[allow(clippy::too_many_arguments)]
pub async fn transition(
    txn: &Tx,
    state: &Context,
    app: &application::Model,
    service: &Service,
    by: By,
    action: &'static str,
    note: Option<String>,
    extra: Vec<(application::Column, SimpleExpr)>,
    request_id: Option<String>,
) -> Result<application::Model, ApiError> {
    let needs_approval = service.def.needs_district_approval;
    let Some(to) = domain::next(&app.status, action, by.party, needs_approval) else {
        return Err(illegal(&app.status, by.party, needs_approval));
    };
    let mut update = application::Entity::update_many()
        .col_expr(application::Column::Status, Expr::value(to))
        .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()));
    for (column, value) in extra {
        update = update.col_expr(column, value);
    }
    if matches!(to, "approved" | "rejected") {
        update = update.col_expr(application::Column::DecidedAt, Expr::value(Utc::now()));
    }
    // Moved by someone else meanwhile.
    crate::platform::rows::transition(
        txn,
        update
            .filter(application::Column::Id.eq(app.id))
            .filter(application::Column::Status.eq(&app.status)),
        Code::IllegalTransition,
    )
    .await?;
    if FINAL.contains(&to) {
        hold::Entity::delete_many()
            .filter(hold::Column::ApplicationId.eq(app.id))
            .exec(txn)
            .await?;
    }
    record(
        txn,
        &state.sealer,
        app,
        by,
        action,
        Some(&app.status),
        to,
        note.clone(),
        request_id,
    )
    .await?;
    let updated = find_or::<application::Entity>(txn, app.id, Code::ApplicationNotFound).await?;
    if to != app.status {
        tell(txn, state, &updated, service, note.as_deref()).await?;
    }
    Ok(updated)
}

/// `applications.illegal_transition`, listing what is allowed (each also in `errors[]`).
pub fn illegal(status: &str, party: Party, needs_approval: bool) -> ApiError {
    let allowed = domain::allowed(status, party, needs_approval);
    let list = if allowed.is_empty() {
        "（无）".to_owned()
    } else {
        allowed.join(", ")
    };
    let mut error = ApiError::new(Code::IllegalTransition).with_detail(Message::new(
        format!("当前状态 {status} 下可进行的操作：{list}"),
        format!(
            "from {status} you may: {}",
            if allowed.is_empty() { "nothing" } else { &list }
        ),
    ));
    for action in allowed {
        error = error.with_field(FieldError {
            field: "action".into(),
            reason: action,
            message: Message::new("允许的操作", "an allowed action"),
        });
    }
    error
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn record(
    txn: &impl ConnectionTrait,
    sealer: &crate::platform::crypto::Sealer,
    app: &application::Model,
    by: By,
    action: &'static str,
    from: Option<&str>,
    to: &str,
    note: Option<String>,
    request_id: Option<String>,
) -> Result<(), ApiError> {
    history::Entity::insert(history::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(app.id),
        at: Set(Utc::now()),
        actor_kind: Set(by.actor_kind.into()),
        actor_id: Set(Some(by.actor_id)),
        action: Set(action.into()),
        from_status: Set(from.map(str::to_owned)),
        to_status: Set(to.into()),
        note_sealed: Set(note.map(|n| sealer.seal(&n))),
    })
    .exec(txn)
    .await?;
    audit::record(
        txn,
        Event {
            actor: by.actor(),
            action: "applications.transition",
            target_kind: "application",
            target_id: app.id.to_string(),
            summary: format!(
                "{action}: {} -> {to} ({})",
                from.unwrap_or("-"),
                app.service_code
            ),
            request_id,
        },
    )
    .await?;
    Ok(())
}

/// Chinese labels of statuses, for messages.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "draft" => "草稿",
        "submitted" => "已提交，待受理",
        "under_review" => "审核中",
        "supplement_requested" => "需补正材料",
        "awaiting_approval" => "待区级审批",
        "approved" => "已批准",
        "rejected" => "未批准",
        "returned" => "已退回",
        _ => "已撤回",
    }
}

pub(super) async fn tell(
    conn: &Tx,
    state: &Context,
    app: &application::Model,
    service: &Service,
    note: Option<&str>,
) -> Result<(), ApiError> {
    let label = status_label(&app.status);
    let mut body = format!("您的「{}」申请状态：{label}。", service.def.name);
    if let (Some(note), true) = (
        note,
        matches!(
            app.status.as_str(),
            "supplement_requested" | "returned" | "approved" | "rejected"
        ),
    ) {
        body.push_str(&format!("说明：{note}"));
    }
    let notice = Notice {
        purpose: "application_update",
        subject: format!("{}申请：{label}", service.def.name),
        body,
        wechat_data: BTreeMap::from([
            (
                "thing1".to_owned(),
                service.def.name.chars().take(20).collect(),
            ),
            ("phrase2".to_owned(), label.chars().take(5).collect()),
            ("time3".to_owned(), clock::format_wechat(app.updated_at)),
        ]),
        page: Some(format!("pages/applications/detail?id={}", app.id)),
    };
    let mut people = vec![app.applicant_id];
    if app.submitted_by != app.applicant_id
        && identity::proxy_allowed(conn, app.submitted_by, app.applicant_id, &app.service_code)
            .await?
    {
        people.push(app.submitted_by);
    }
    for person in people {
        notify(conn, state, person, &notice).await?;
    }
    Ok(())
}
