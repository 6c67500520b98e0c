//! Rules of online memorial halls: who sees a page, who may change it, tributes counted
//! without lost updates, messages through the filter and the reviews. One transaction
//! per change, each audited.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDate, Utc};
use entity::{memorial, memorial_invitation, memorial_member, memorial_message, sensitive_word};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::filter;
use crate::auth::citizen::{Notice, notify};
use crate::auth::domain::{Role, ScopeKind};
use crate::auth::extract::{Caller, Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::mask_name;
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor, Event};
use crate::platform::crypto::{random_bytes, sha256_hex};
use crate::platform::db::{is_unique_violation, statement};
use crate::platform::rate_limit::{self, Limit};
use crate::platform::rows::{find_or, transition};
use crate::platform::{clock, context::Context};
use crate::state::AppState;

/// Tributes one person may leave on one page in one (Beijing) day.
pub const TRIBUTES_PER_DAY: i32 = 20;
/// Messages one person may post per hour (all pages together).
const MESSAGES_PER_HOUR: Limit = Limit {
    hits: 30,
    window_secs: 3600,
};
/// Attempts at invitation codes per person in ten minutes (codes are short enough to type).
const JOINS_PER_WINDOW: Limit = Limit {
    hits: 10,
    window_secs: 600,
};
/// How long an invitation code stays usable.
const INVITATION_DAYS: i64 = 7;
/// Letters of invitation codes: no 0/O, 1/I look-alikes (read aloud over the phone).
const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// The blind-index purpose of invitation codes.
const INVITATION_INDEX: &str = "memorial_invitation";

pub const VISIBILITIES: &[&str] = &["public", "link", "family"];

/// The caller's relation to one page; decides what they see and may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    Owner,
    Family,
    /// District staff who moderate (admins, reviewers, approvers).
    Staff,
    Visitor,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Owner => "owner",
            Relation::Family => "family",
            Relation::Staff => "staff",
            Relation::Visitor => "visitor",
        }
    }

    /// The family (creator and invited members) and staff moderate messages.
    pub fn moderates(self) -> bool {
        self != Relation::Visitor
    }

    fn is_family(self) -> bool {
        matches!(self, Relation::Owner | Relation::Family)
    }
}

/// Who is looking: nobody signed in, a citizen, or a staff member.
#[derive(Clone, Debug)]
pub enum Viewer {
    Anonymous,
    Citizen(Uuid),
    Staff(Staff),
}

impl Viewer {
    pub fn of(caller: Option<Caller>) -> Viewer {
        match caller {
            None => Viewer::Anonymous,
            Some(Caller::Citizen(c)) => Viewer::Citizen(c.id),
            Some(Caller::Staff(s)) => Viewer::Staff(s),
        }
    }

    fn citizen(&self) -> Option<Uuid> {
        match self {
            Viewer::Citizen(id) => Some(*id),
            _ => None,
        }
    }
}

/// Staff who may moderate memorial halls: district scope, not desk clerks.
pub fn is_moderator(staff: &Staff) -> bool {
    staff.scope.kind == ScopeKind::District
        && matches!(staff.role, Role::Admin | Role::Reviewer | Role::Approver)
}

fn staff_actor(staff: &Staff) -> Actor {
    Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    }
}

fn event(actor: Actor, action: &'static str, target: Uuid, summary: String) -> Event {
    Event::about(actor, action, ("memorial", target), summary, None)
}

fn field(name: &str, reason: &'static str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: name.into(),
        reason,
        message: Message::new(zh, en),
    })
}

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
pub fn details(req: super::dto::MemorialRequest) -> Result<Details, ApiError> {
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
async fn check_portrait(
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

fn new_link_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<16>())
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

/// A page by id, or 404.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<memorial::Model, ApiError> {
    find_or::<memorial::Entity>(conn, id, Code::MemorialNotFound).await
}

/// The viewer's relation to a page.
pub async fn relation(
    conn: &impl ConnectionTrait,
    page: &memorial::Model,
    viewer: &Viewer,
) -> Result<Relation, ApiError> {
    Ok(match viewer {
        Viewer::Anonymous => Relation::Visitor,
        Viewer::Staff(s) if is_moderator(s) => Relation::Staff,
        Viewer::Staff(_) => Relation::Visitor,
        Viewer::Citizen(id) if *id == page.owner_id => Relation::Owner,
        Viewer::Citizen(id) => {
            let member = memorial_member::Entity::find()
                .filter(memorial_member::Column::MemorialId.eq(page.id))
                .filter(memorial_member::Column::CitizenId.eq(*id))
                .one(conn)
                .await?;
            if member.is_some() {
                Relation::Family
            } else {
                Relation::Visitor
            }
        }
    })
}

/// Whether a visitor may see a page: public ones, and link ones with the right token.
fn visible_to_visitor(page: &memorial::Model, token: Option<&str>) -> bool {
    match page.visibility.as_str() {
        "public" => true,
        "link" => token.is_some_and(|t| sha256_hex(t.as_bytes()) == page.link_token_hash),
        _ => false,
    }
}

/// What a visitor who may not act gets: 404 when they cannot even see the page (its
/// existence stays private), else `code`.
fn refusal(page: &memorial::Model, relation: Relation, code: Code) -> ApiError {
    if relation == Relation::Visitor && page.visibility != "public" {
        ApiError::new(Code::MemorialNotFound)
    } else {
        ApiError::new(code)
    }
}

/// Opens a page for reading: 404 when the viewer may not see it, 410 to visitors when
/// taken down (the family and staff still see it, with the reason).
pub async fn open(
    conn: &impl ConnectionTrait,
    id: Uuid,
    viewer: &Viewer,
    token: Option<&str>,
) -> Result<(memorial::Model, Relation), ApiError> {
    let page = find(conn, id).await?;
    let relation = relation(conn, &page, viewer).await?;
    if relation == Relation::Visitor {
        if !visible_to_visitor(&page, token) {
            return Err(ApiError::new(Code::MemorialNotFound));
        }
        if page.status != "active" {
            return Err(ApiError::new(Code::MemorialTakenDown));
        }
    }
    Ok((page, relation))
}

/// Opens a page to leave something on it: it must be active for everyone.
async fn open_active(
    conn: &impl ConnectionTrait,
    id: Uuid,
    viewer: &Viewer,
    token: Option<&str>,
) -> Result<(memorial::Model, Relation), ApiError> {
    let (page, relation) = open(conn, id, viewer, token).await?;
    if page.status != "active" {
        return Err(ApiError::new(Code::MemorialTakenDown));
    }
    Ok((page, relation))
}

/// The share token, for the family.
pub fn share_token(state: &AppState, page: &memorial::Model) -> Result<String, ApiError> {
    state
        .sealer
        .open(&page.link_token_sealed)
        .map_err(ApiError::internal)
}

/// Public, active pages, newest first.
pub async fn list_public(
    db: &DatabaseConnection,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<memorial::Model>, ApiError> {
    let mut q = memorial::Entity::find()
        .filter(memorial::Column::Visibility.eq("public"))
        .filter(memorial::Column::Status.eq("active"));
    if let Some(after) = after {
        q = q.filter(memorial::Column::Id.lt(after));
    }
    Ok(q.order_by_desc(memorial::Column::Id)
        .limit(u64::from(limit) + 1)
        .all(db)
        .await?)
}

/// Pages the citizen created or is family of, newest first, with the relation.
pub async fn list_mine(
    db: &DatabaseConnection,
    citizen: Uuid,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<(memorial::Model, Relation)>, ApiError> {
    let joined: Vec<Uuid> = memorial_member::Entity::find()
        .filter(memorial_member::Column::CitizenId.eq(citizen))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.memorial_id)
        .collect();
    let mut q = memorial::Entity::find().filter(
        Condition::any()
            .add(memorial::Column::OwnerId.eq(citizen))
            .add(memorial::Column::Id.is_in(joined)),
    );
    if let Some(after) = after {
        q = q.filter(memorial::Column::Id.lt(after));
    }
    let rows = q
        .order_by_desc(memorial::Column::Id)
        .limit(u64::from(limit) + 1)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let r = if p.owner_id == citizen {
                Relation::Owner
            } else {
                Relation::Family
            };
            (p, r)
        })
        .collect())
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

/// The counter column of a tribute kind (a fixed name, never the client's text).
pub fn tribute_column(kind: &str) -> Option<&'static str> {
    match kind {
        "flower" => Some("flowers"),
        "candle" => Some("candles"),
        "incense" => Some("incense"),
        _ => None,
    }
}

/// Leaves one tribute: the person's daily count goes up by a conditional upsert (none
/// past the limit), then the page's counter by one atomic `col = col + 1`, in one
/// transaction; answers the new counts. No read-modify-write, so no increment is lost
/// however many arrive at once.
pub async fn tribute(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
    token: Option<&str>,
    column: &'static str,
) -> Result<(i64, i64, i64), ApiError> {
    open_active(&state.db, id, &Viewer::Citizen(citizen.id), token).await?;
    let day = clock::today();
    let txn = state.begin().await?;
    let backend = txn.get_database_backend();
    let counted = statement(
        backend,
        "INSERT INTO memorial_tribute_day (memorial_id, citizen_id, day, given) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (memorial_id, citizen_id, day) DO UPDATE SET given = memorial_tribute_day.given + 1 \
         WHERE memorial_tribute_day.given < $4 RETURNING given",
        vec![
            id.into(),
            citizen.id.into(),
            day.into(),
            TRIBUTES_PER_DAY.into(),
        ],
    );
    if txn.query_one_raw(counted).await?.is_none() {
        return Err(ApiError::new(Code::MemorialTributeLimit));
    }
    let sql = format!(
        "UPDATE memorial SET {column} = {column} + 1 WHERE id = $1 AND status = 'active' \
         RETURNING flowers, candles, incense"
    );
    let row = txn
        .query_one_raw(statement(backend, &sql, vec![id.into()]))
        .await?
        .ok_or_else(|| ApiError::new(Code::MemorialTakenDown))?;
    let counts = (
        row.try_get::<i64>("", "flowers")?,
        row.try_get::<i64>("", "candles")?,
        row.try_get::<i64>("", "incense")?,
    );
    let mut e = event(
        Actor::Citizen(citizen.id),
        "memorial.tribute",
        id,
        format!("left a tribute ({column})"),
    );
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    Ok(counts)
}

async fn sensitive_words(conn: &impl ConnectionTrait) -> Result<Vec<String>, ApiError> {
    Ok(sensitive_word::Entity::find()
        .order_by_asc(sensitive_word::Column::Word)
        .all(conn)
        .await?
        .into_iter()
        .map(|w| w.word)
        .collect())
}

/// What a new message becomes: held for staff on a sensitive word, held for the family
/// on a pre-reviewed page (unless the family writes it), else published.
fn first_state(
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
async fn default_display_name(state: &Context, citizen: Uuid) -> Result<String, ApiError> {
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

fn review_notice(page: &memorial::Model) -> Notice {
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

fn invitation_code() -> String {
    random_bytes::<10>()
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(b % 32)] as char)
        .collect()
}

/// A new one-use invitation code (the creator), valid for 7 days.
pub async fn invite(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<(String, chrono::DateTime<Utc>), ApiError> {
    let page = find(&state.db, id).await?;
    let relation = relation(&state.db, &page, &Viewer::Citizen(citizen.id)).await?;
    if relation != Relation::Owner {
        return Err(refusal(&page, relation, Code::MemorialNotOwner));
    }
    let code = invitation_code();
    let now = Utc::now();
    let expires_at = now + Duration::days(INVITATION_DAYS);
    let row = memorial_invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        memorial_id: Set(id),
        code_index: Set(state.sealer.blind_index(INVITATION_INDEX, &code)),
        created_by: Set(citizen.id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_by: Set(None),
        used_at: Set(None),
    };
    let txn = state.begin().await?;
    memorial_invitation::Entity::insert(row).exec(&txn).await?;
    let mut e = event(
        Actor::Citizen(citizen.id),
        "memorial.invite",
        id,
        "created a family invitation".into(),
    );
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    Ok((code, expires_at))
}

/// Joins a page's family with an invitation code: the code is used by one conditional
/// update (one use), the membership is a unique row.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn join(
    state: &Context,
    citizen: &Citizen,
    code: &str,
) -> Result<memorial::Model, ApiError> {
    rate_limit::hit(
        &state.db,
        &format!("memorial_join:{}", citizen.id),
        JOINS_PER_WINDOW,
        Code::RateLimited,
    )
    .await?;
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let index = state.sealer.blind_index(INVITATION_INDEX, &code);
    let now = Utc::now();
    use memorial_invitation::Column as C;
    let txn = state.begin().await?;
    let invitation = memorial_invitation::Entity::find()
        .filter(C::CodeIndex.eq(index.clone()))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::new(Code::MemorialInvitationInvalid))?;
    let page = find(&txn, invitation.memorial_id).await?;
    if page.owner_id == citizen.id {
        return Err(ApiError::new(Code::MemorialAlreadyMember));
    }
    transition(
        &txn,
        memorial_invitation::Entity::update_many()
            .col_expr(C::UsedBy, Expr::value(citizen.id))
            .col_expr(C::UsedAt, Expr::value(now))
            .filter(C::Id.eq(invitation.id))
            .filter(C::UsedBy.is_null())
            .filter(C::ExpiresAt.gt(now)),
        Code::MemorialInvitationInvalid,
    )
    .await?;
    let member = memorial_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        memorial_id: Set(page.id),
        citizen_id: Set(citizen.id),
        joined_at: Set(now),
    };
    match memorial_member::Entity::insert(member).exec(&txn).await {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::new(Code::MemorialAlreadyMember));
        }
        Err(e) => return Err(e.into()),
    }
    let mut e = event(
        Actor::Citizen(citizen.id),
        "memorial.join",
        page.id,
        "joined the family with an invitation".into(),
    );
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    Ok(page)
}

/// The family: the creator and the members, with masked real names (the family only).
pub async fn members(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<Vec<(Uuid, Relation, chrono::DateTime<Utc>, Option<String>)>, ApiError> {
    let page = find(&state.db, id).await?;
    let relation = relation(&state.db, &page, &Viewer::Citizen(citizen.id)).await?;
    if !relation.is_family() {
        return Err(refusal(&page, relation, Code::MemorialNotFamily));
    }
    let mut people = vec![(page.owner_id, Relation::Owner, page.created_at)];
    let rows = memorial_member::Entity::find()
        .filter(memorial_member::Column::MemorialId.eq(id))
        .order_by_asc(memorial_member::Column::JoinedAt)
        .all(&state.db)
        .await?;
    people.extend(
        rows.into_iter()
            .map(|m| (m.citizen_id, Relation::Family, m.joined_at)),
    );
    let mut out = Vec::with_capacity(people.len());
    for (who, r, at) in people {
        let name = match identity::get(state, who).await {
            Ok(row) => Some(mask_name(
                &state
                    .sealer
                    .open(&row.name_sealed)
                    .map_err(ApiError::internal)?,
            )),
            Err(e) if e.code == Code::RealNameNotFound => None,
            Err(e) => return Err(e),
        };
        out.push((who, r, at, name));
    }
    Ok(out)
}

/// Removes a member: the creator removes anyone, a member may leave.
pub async fn remove_member(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
    member: Uuid,
) -> Result<(), ApiError> {
    let page = find(&state.db, id).await?;
    let relation = relation(&state.db, &page, &Viewer::Citizen(citizen.id)).await?;
    let allowed =
        relation == Relation::Owner || (relation == Relation::Family && member == citizen.id);
    if !allowed {
        return Err(refusal(&page, relation, Code::MemorialNotOwner));
    }
    let txn = state.begin().await?;
    let gone = memorial_member::Entity::delete_many()
        .filter(memorial_member::Column::MemorialId.eq(id))
        .filter(memorial_member::Column::CitizenId.eq(member))
        .exec(&txn)
        .await?;
    if gone.rows_affected != 1 {
        return Err(ApiError::new(Code::MemorialMemberNotFound));
    }
    let mut e = event(
        Actor::Citizen(citizen.id),
        "memorial.member.remove",
        id,
        format!("removed family member {member}"),
    );
    e.request_id = citizen.request_id.clone();
    audit::record(&txn, e).await?;
    txn.commit().await?;
    Ok(())
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

/// The sensitive-word list (district staff).
pub async fn words(state: &Context, staff: &Staff) -> Result<Vec<String>, ApiError> {
    if staff.scope.kind != ScopeKind::District {
        return Err(ApiError::new(Code::Forbidden));
    }
    sensitive_words(&state.db).await
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
