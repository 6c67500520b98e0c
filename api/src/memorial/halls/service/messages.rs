//! Messages left in a hall, held for review when they name a sensitive word.
use chrono::Utc;
use entity::{memorial, memorial_message};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::rules::{Relation, Viewer, event, field, open_active, sensitive_words};
use crate::auth::citizen::{Notice, notify};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::identity::domain::mask_name;
use crate::identity::service as identity;
use crate::memorial::halls::filter;
use crate::platform::audit::{self, Actor};
use crate::platform::rate_limit::{self, Limit};
use crate::platform::{clock, context::Context};

/// Messages one person may post per hour (all pages together).
pub(super) const MESSAGES_PER_HOUR: Limit = Limit {
    hits: 30,
    window_secs: 3600,
};

/// What a new message becomes: held for staff on a sensitive word, held for the family
/// on a pre-reviewed page (unless the family writes it), else published.
pub(super) fn first_state(
    hit: bool,
    pre_review: bool,
    relation: Relation,
) -> (&'static str, Option<&'static str>) {
    if hit {
        ("held", Some("sensitive_word"))
    } else if pre_review && !relation.is_family() {
        ("held", Some("pre_review"))
    } else {
        ("published", None)
    }
}

/// The default display name: the masked real name.
pub(super) async fn default_display_name(
    state: &Context,
    citizen: Uuid,
) -> Result<String, ApiError> {
    let row = identity::get(state, citizen).await?;
    let name = state
        .sealer
        .open(&row.name_sealed)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(mask_name(&name))
}

/// Posts a message (verified real name behind, chosen display name in front).
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn post_message(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
    token: Option<&str>,
    body: String,
    display_name: Option<String>,
) -> Result<(memorial_message::Model, Relation), ApiError> {
    let body = body.trim().to_owned();
    if !(1..=500).contains(&body.chars().count()) {
        return Err(field(
            "body",
            "length",
            "留言须为 1 到 500 字",
            "1 to 500 characters",
        ));
    }
    let display_name = match display_name.map(|n| n.trim().to_owned()) {
        Some(n) if (1..=20).contains(&n.chars().count()) => n,
        Some(_) => {
            return Err(field(
                "display_name",
                "length",
                "署名须为 1 到 20 字",
                "1 to 20 characters",
            ));
        }
        None => String::new(),
    };
    identity::verified_index(&state.db, citizen.id).await?;
    let (page, relation) = open_active(&state.db, id, &Viewer::Citizen(citizen.id), token).await?;
    rate_limit::hit(
        &state.db,
        &format!("memorial_message:{}", citizen.id),
        MESSAGES_PER_HOUR,
        Code::RateLimited,
    )
    .await?;
    let display_name = if display_name.is_empty() {
        default_display_name(state, citizen.id).await?
    } else {
        display_name
    };
    let words = sensitive_words(&state.db).await?;
    let hit = filter::hits(&body, &words) || filter::hits(&display_name, &words);
    let (status, hold_reason) = first_state(hit, page.pre_review, relation);
    let row = memorial_message::ActiveModel {
        id: Set(Uuid::now_v7()),
        memorial_id: Set(id),
        author_id: Set(citizen.id),
        display_name: Set(display_name),
        body: Set(body),
        status: Set(status.into()),
        hold_reason: Set(hold_reason.map(str::to_owned)),
        moderated_by_kind: Set(None),
        moderated_by: Set(None),
        moderated_at: Set(None),
        created_at: Set(Utc::now()),
    };
    let txn = state.begin().await?;
    // The family hears once that messages wait, not once per message on 清明.
    let waiting_before = memorial_message::Entity::find()
        .filter(memorial_message::Column::MemorialId.eq(id))
        .filter(memorial_message::Column::Status.eq("held"))
        .filter(memorial_message::Column::HoldReason.eq("pre_review"))
        .one(&txn)
        .await?
        .is_some();
    let saved = memorial_message::Entity::insert(row)
        .exec_with_returning(&txn)
        .await?;
    let summary = format!(
        "posted message {} ({status}{})",
        saved.id,
        hold_reason.map(|r| format!(", {r}")).unwrap_or_default()
    );
    let mut e = event(
        Actor::Citizen(citizen.id),
        "memorial.message.post",
        id,
        summary,
    );
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    if hold_reason == Some("pre_review") && !waiting_before {
        notify(&txn, state, page.owner_id, &review_notice(&page)).await?;
    }
    txn.commit().await?;
    Ok((saved, relation))
}

pub(super) fn review_notice(page: &memorial::Model) -> Notice {
    let when = clock::format_wechat(Utc::now());
    Notice {
        purpose: "memorial_message",
        subject: "纪念馆有新留言待您审核".into(),
        body: format!(
            "您创建的「{}」纪念馆收到新的留言，审核通过后才会展示。请在小程序中查看并审核。",
            page.deceased_name
        ),
        wechat_data: [
            (
                "thing1".to_owned(),
                format!("{}纪念馆", page.deceased_name)
                    .chars()
                    .take(20)
                    .collect(),
            ),
            ("thing2".to_owned(), "新留言待审核".to_owned()),
            ("time3".to_owned(), when),
        ]
        .into_iter()
        .collect(),
        page: Some(format!("pages/memorial/review?id={}", page.id)),
    }
}

/// The messages a viewer may read, newest first: the family and staff see all (or one
/// state), others the published ones and their own.
pub async fn messages(
    conn: &impl ConnectionTrait,
    page: &memorial::Model,
    relation: Relation,
    viewer: &Viewer,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<memorial_message::Model>, ApiError> {
    use memorial_message::Column as C;
    let mut q = memorial_message::Entity::find().filter(C::MemorialId.eq(page.id));
    if relation.moderates() {
        if let Some(status) = status {
            q = q.filter(C::Status.eq(status));
        }
    } else {
        let mut visible = Condition::any().add(C::Status.eq("published"));
        if let Some(me) = viewer.citizen() {
            visible = visible.add(C::AuthorId.eq(me));
        }
        q = q.filter(visible);
    }
    if let Some(after) = after {
        q = q.filter(C::Id.lt(after));
    }
    Ok(q.order_by_desc(C::Id)
        .limit(u64::from(limit) + 1)
        .all(conn)
        .await?)
}
