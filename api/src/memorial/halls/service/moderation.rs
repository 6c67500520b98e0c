//! Staff moderation: the queue, a message's fate, a hall's status, the sensitive words.
use chrono::Utc;
use entity::{memorial, memorial_message, sensitive_word};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::rules::{
    Relation, Viewer, event, field, find, is_moderator, refusal, relation, staff_actor,
};
use crate::auth::domain::ScopeKind;
use crate::auth::extract::Staff;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::memorial::halls::filter;
use crate::platform::audit::{self, Actor, Event};
use crate::platform::context::Context;
use crate::platform::rows::{find_or, transition};

/// Held messages that wait for staff (sensitive words), oldest first.
pub async fn staff_queue(
    db: &DatabaseConnection,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<memorial_message::Model>, ApiError> {
    use memorial_message::Column as C;
    let mut q = memorial_message::Entity::find()
        .filter(C::Status.eq("held"))
        .filter(C::HoldReason.eq("sensitive_word"));
    if let Some(after) = after {
        q = q.filter(C::Id.gt(after));
    }
    Ok(q.order_by_asc(C::Id)
        .limit(u64::from(limit) + 1)
        .all(db)
        .await?)
}

/// A moderation step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moderation {
    Approve,
    Hide,
}

/// Approves or hides a message. The family moderates their page's messages, except
/// that only staff may approve one held for a sensitive word; staff moderate all. The
/// step is one conditional update from the state read, so two moderators at once cannot
/// both apply theirs.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn moderate(
    state: &Context,
    viewer: &Viewer,
    id: Uuid,
    message_id: Uuid,
    step: Moderation,
) -> Result<(memorial_message::Model, Relation), ApiError> {
    let page = find(&state.db, id).await?;
    let relation = relation(&state.db, &page, viewer).await?;
    if !relation.moderates() {
        return Err(refusal(&page, relation, Code::MemorialNotFamily));
    }
    let message = memorial_message::Entity::find_by_id(message_id)
        .one(&state.db)
        .await?
        .filter(|m| m.memorial_id == id)
        .ok_or_else(|| ApiError::new(Code::MemorialMessageNotFound))?;
    let (to, allowed_from): (&str, &[&str]) = match step {
        Moderation::Approve => ("published", &["held", "hidden"]),
        Moderation::Hide => ("hidden", &["held", "published"]),
    };
    if !allowed_from.contains(&message.status.as_str()) {
        return Err(ApiError::new(Code::MemorialMessageState));
    }
    if step == Moderation::Approve
        && relation.is_family()
        && message.hold_reason.as_deref() == Some("sensitive_word")
    {
        return Err(ApiError::new(Code::MemorialStaffReviewRequired));
    }
    let (kind, actor_id, actor, request_id) = match viewer {
        Viewer::Staff(s) => ("staff", s.id, staff_actor(s), s.request_id.clone()),
        Viewer::Citizen(c) => ("citizen", *c, Actor::Citizen(*c), None),
        Viewer::Anonymous => return Err(ApiError::new(Code::Unauthenticated)),
    };
    use memorial_message::Column as C;
    let txn = state.begin().await?;
    transition(
        &txn,
        memorial_message::Entity::update_many()
            .col_expr(C::Status, Expr::value(to))
            .col_expr(C::ModeratedByKind, Expr::value(kind))
            .col_expr(C::ModeratedBy, Expr::value(actor_id))
            .col_expr(C::ModeratedAt, Expr::value(Utc::now()))
            .filter(C::Id.eq(message_id))
            .filter(C::Status.eq(message.status.clone())),
        Code::MemorialMessageState,
    )
    .await?;
    let action = match step {
        Moderation::Approve => "memorial.message.approve",
        Moderation::Hide => "memorial.message.hide",
    };
    let summary = format!(
        "message {message_id}: {} -> {to} (as {})",
        message.status,
        relation.as_str()
    );
    let mut e = event(actor, action, id, summary);
    e.request_id = request_id;
    audit::record(&txn, e).await?;
    txn.commit().await?;
    let saved =
        find_or::<memorial_message::Entity>(&state.db, message_id, Code::MemorialMessageNotFound)
            .await?;
    Ok((saved, relation))
}

/// Takes a page down (`taken_down`, with the reason) or restores it (`active`): staff.
pub async fn set_status(
    state: &Context,
    staff: &Staff,
    id: Uuid,
    take_down: bool,
    reason: Option<String>,
) -> Result<memorial::Model, ApiError> {
    if !is_moderator(staff) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(field(
            "reason",
            "length",
            "原因不能超过 500 字",
            "at most 500 characters",
        ));
    }
    if take_down && reason.is_none() {
        return Err(field(
            "reason",
            "missing",
            "请填写下线原因",
            "give the reason",
        ));
    }
    let (from, to) = if take_down {
        ("active", "taken_down")
    } else {
        ("taken_down", "active")
    };
    use memorial::Column as C;
    let txn = state.begin().await?;
    let moved = memorial::Entity::update_many()
        .col_expr(C::Status, Expr::value(to))
        .col_expr(
            C::TakedownReason,
            Expr::value(if take_down { reason.clone() } else { None }),
        )
        .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq(from))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        find(&txn, id).await?;
        return Err(ApiError::new(Code::MemorialPageState));
    }
    let action = if take_down {
        "memorial.take_down"
    } else {
        "memorial.restore"
    };
    let summary = format!("{from} -> {to}: {}", reason.unwrap_or_default());
    let mut e = event(staff_actor(staff), action, id, summary);
    e.request_id = staff.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    find(&state.db, id).await
}

/// Replaces the sensitive-word list (district admins); answers it in normal form.
pub async fn save_words(
    state: &Context,
    staff: &Staff,
    words: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    if staff.scope.kind != ScopeKind::District {
        return Err(ApiError::new(Code::Forbidden));
    }
    if words.len() > 500 {
        return Err(field(
            "words",
            "length",
            "最多 500 个词",
            "at most 500 words",
        ));
    }
    let mut normal = std::collections::BTreeSet::new();
    for (i, w) in words.iter().enumerate() {
        let n = filter::normalise(w);
        if !(1..=32).contains(&n.chars().count()) {
            return Err(ApiError::new(Code::InvalidBody).with_field(FieldError {
                field: format!("words[{i}]"),
                reason: "length",
                message: Message::new(
                    "每个词须有 1 到 32 个文字或字母数字",
                    "1 to 32 letters or digits each",
                ),
            }));
        }
        normal.insert(n);
    }
    let txn = state.begin().await?;
    sensitive_word::Entity::delete_many().exec(&txn).await?;
    if !normal.is_empty() {
        sensitive_word::Entity::insert_many(normal.iter().map(|w| sensitive_word::ActiveModel {
            word: Set(w.clone()),
            added_by: Set(Some(staff.id)),
        }))
        .exec(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Event {
            actor: staff_actor(staff),
            action: "memorial.sensitive_words.save",
            target_kind: "sensitive_word",
            target_id: "all".into(),
            summary: format!("saved {} sensitive words", normal.len()),
            request_id: staff.request_id.clone(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(normal.into_iter().collect())
}
