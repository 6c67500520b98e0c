//! A hall's details: creating and updating it, its portrait, its share link.
use chrono::{NaiveDate, Utc};
use entity::memorial;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::rules::{Relation, Viewer, event, field, find, new_link_token, open, refusal, relation};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor};
use crate::platform::crypto::sha256_hex;
use crate::platform::{clock, context::Context};
use crate::state::AppState;

pub const VISIBILITIES: &[&str] = &["public", "link", "family"];

/// A page's details as checked from a request.
#[derive(Clone, Debug)]
pub struct Details {
    pub deceased_name: String,
    pub birth_date: Option<NaiveDate>,
    pub death_date: NaiveDate,
    pub biography: String,
    pub portrait_media_id: Option<Uuid>,
    pub visibility: String,
    pub pre_review: bool,
}

/// Checks a page's details: a real date of death (no memorials for the living), sane
/// dates, the visibility, and pre-review on for public pages.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub fn details(req: crate::memorial::halls::dto::MemorialRequest) -> Result<Details, ApiError> {
    let deceased_name = identity::parse_name("deceased_name", &req.deceased_name)?;
    let today = clock::today();
    let Some(death_date) = req.death_date.filter(|d| *d <= today) else {
        return Err(
            ApiError::new(Code::MemorialLivingPerson).with_field(FieldError {
                field: "death_date".into(),
                reason: if req.death_date.is_some() {
                    "future"
                } else {
                    "missing"
                },
                message: Message::new("逝世日期必填，且不能晚于今天", "required, not after today"),
            }),
        );
    };
    let earliest = NaiveDate::from_ymd_opt(1800, 1, 1).unwrap_or(NaiveDate::MIN);
    if death_date < earliest {
        return Err(field("death_date", "range", "日期过早", "too early"));
    }
    if let Some(birth) = req.birth_date
        && (birth > death_date || birth < earliest)
    {
        return Err(field(
            "birth_date",
            "range",
            "出生日期须早于逝世日期",
            "the birth date must come before the date of death",
        ));
    }
    let biography = req.biography.unwrap_or_default().trim().to_owned();
    if biography.chars().count() > 5000 {
        return Err(field(
            "biography",
            "length",
            "生平简介不能超过 5000 字",
            "at most 5,000 characters",
        ));
    }
    if !VISIBILITIES.contains(&req.visibility.as_str()) {
        return Err(field(
            "visibility",
            "value",
            "public、link 或 family",
            "public, link or family",
        ));
    }
    // RULES: messages shown publicly are reviewed first.
    if req.visibility == "public" && req.pre_review == Some(false) {
        return Err(field(
            "pre_review",
            "value",
            "公开的纪念馆留言须先审核后展示",
            "messages on a public page are always reviewed first",
        ));
    }
    Ok(Details {
        deceased_name,
        birth_date: req.birth_date,
        death_date,
        biography,
        portrait_media_id: req.portrait_media_id,
        visibility: req.visibility,
        pre_review: req.pre_review.unwrap_or(true),
    })
}

/// The portrait must be an image the creator uploaded.
pub(super) async fn check_portrait(
    state: &AppState,
    owner: Uuid,
    media: Option<Uuid>,
) -> Result<(), ApiError> {
    let Some(id) = media else { return Ok(()) };
    let row = crate::media::service::find(state, id).await?;
    if row.owner_kind != "citizen" || row.owner_id != owner {
        return Err(ApiError::new(Code::MediaNotFound));
    }
    if !row.content_type.starts_with("image/") {
        return Err(field(
            "portrait_media_id",
            "type",
            "遗像须为 JPEG 或 PNG 图片",
            "the portrait must be a JPEG or PNG image",
        ));
    }
    Ok(())
}

/// Creates a page for a citizen with a verified real name.
pub async fn create(
    state: &AppState,
    citizen: &Citizen,
    d: Details,
) -> Result<memorial::Model, ApiError> {
    identity::verified_index(&state.db, citizen.id).await?;
    check_portrait(state, citizen.id, d.portrait_media_id).await?;
    let now = Utc::now();
    let token = new_link_token();
    let row = memorial::ActiveModel {
        id: Set(Uuid::now_v7()),
        owner_id: Set(citizen.id),
        deceased_name: Set(d.deceased_name),
        birth_date: Set(d.birth_date),
        death_date: Set(d.death_date),
        portrait_media_id: Set(d.portrait_media_id),
        biography: Set(d.biography),
        visibility: Set(d.visibility.clone()),
        pre_review: Set(d.pre_review),
        link_token_hash: Set(sha256_hex(token.as_bytes())),
        link_token_sealed: Set(state.sealer.seal(&token)),
        status: Set("active".into()),
        takedown_reason: Set(None),
        flowers: Set(0),
        candles: Set(0),
        incense: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = state.begin().await?;
    let saved = memorial::Entity::insert(row)
        .exec_with_returning(&txn)
        .await?;
    let summary = format!(
        "created a memorial ({}, pre-review {})",
        d.visibility, d.pre_review
    );
    let mut e = event(
        Actor::Citizen(citizen.id),
        "memorial.create",
        saved.id,
        summary,
    );
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Replaces a page's details (the creator). The counters are not touched, so tributes
/// arriving meanwhile are kept.
pub async fn update(
    state: &AppState,
    citizen: &Citizen,
    id: Uuid,
    d: Details,
) -> Result<memorial::Model, ApiError> {
    let page = find(&state.db, id).await?;
    let relation = relation(&state.db, &page, &Viewer::Citizen(citizen.id)).await?;
    if relation != Relation::Owner {
        return Err(refusal(&page, relation, Code::MemorialNotOwner));
    }
    check_portrait(state, citizen.id, d.portrait_media_id).await?;
    use memorial::Column as C;
    let txn = state.begin().await?;
    memorial::Entity::update_many()
        .col_expr(C::DeceasedName, Expr::value(d.deceased_name))
        .col_expr(C::BirthDate, Expr::value(d.birth_date))
        .col_expr(C::DeathDate, Expr::value(d.death_date))
        .col_expr(C::Biography, Expr::value(d.biography))
        .col_expr(C::PortraitMediaId, Expr::value(d.portrait_media_id))
        .col_expr(C::Visibility, Expr::value(d.visibility.clone()))
        .col_expr(C::PreReview, Expr::value(d.pre_review))
        .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
        .filter(C::Id.eq(id))
        .exec(&txn)
        .await?;
    let summary = format!(
        "updated the memorial ({}, pre-review {})",
        d.visibility, d.pre_review
    );
    let mut e = event(Actor::Citizen(citizen.id), "memorial.update", id, summary);
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    find(&state.db, id).await
}

/// The share token, for the family.
pub fn share_token(state: &AppState, page: &memorial::Model) -> Result<String, ApiError> {
    state
        .sealer
        .open(&page.link_token_sealed)
        .map_err(ApiError::internal)
}

/// The portrait's file, for a viewer who may see the page.
pub async fn portrait(
    state: &AppState,
    id: Uuid,
    viewer: &Viewer,
    token: Option<&str>,
    thumbnail: bool,
) -> Result<(memorial::Model, String, Vec<u8>), ApiError> {
    let (page, _) = open(&state.db, id, viewer, token).await?;
    let media_id = page
        .portrait_media_id
        .ok_or_else(|| ApiError::new(Code::MediaNotFound))?;
    let row = crate::media::service::find(state, media_id).await?;
    let (content_type, bytes) =
        crate::media::service::read_unchecked(state, &row, thumbnail).await?;
    Ok((page, content_type, bytes))
}

/// Replaces the share-link token (the creator): a link passed too far stops working.
pub async fn rotate_link(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<memorial::Model, ApiError> {
    let page = find(&state.db, id).await?;
    let relation = relation(&state.db, &page, &Viewer::Citizen(citizen.id)).await?;
    if relation != Relation::Owner {
        return Err(refusal(&page, relation, Code::MemorialNotOwner));
    }
    let token = new_link_token();
    use memorial::Column as C;
    let txn = state.begin().await?;
    memorial::Entity::update_many()
        .col_expr(C::LinkTokenHash, Expr::value(sha256_hex(token.as_bytes())))
        .col_expr(C::LinkTokenSealed, Expr::value(state.sealer.seal(&token)))
        .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
        .filter(C::Id.eq(id))
        .exec(&txn)
        .await?;
    let mut e = event(
        Actor::Citizen(citizen.id),
        "memorial.share_link.rotate",
        id,
        "replaced the share link".into(),
    );
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    find(&state.db, id).await
}
