//! What the memorial hall use cases share: who the caller is to a hall, opening it,
//! refusals, the sensitive words, the audit event.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::{memorial, memorial_member, sensitive_word};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::domain::{Role, ScopeKind};
use crate::auth::extract::{Caller, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::audit::{Actor, Event};
use crate::platform::context::Context;
use crate::platform::crypto::{random_bytes, sha256_hex};
use crate::platform::rows::find_or;

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

    pub(super) fn is_family(self) -> bool {
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

    pub(super) fn citizen(&self) -> Option<Uuid> {
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

pub(super) fn staff_actor(staff: &Staff) -> Actor {
    Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    }
}

pub(super) fn event(actor: Actor, action: &'static str, target: Uuid, summary: String) -> Event {
    Event::about(actor, action, ("memorial", target), summary, None)
}

pub(super) fn field(
    name: &str,
    reason: &'static str,
    zh: &'static str,
    en: &'static str,
) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: name.into(),
        reason,
        message: Message::new(zh, en),
    })
}

pub(super) fn new_link_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<16>())
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
pub(super) fn visible_to_visitor(page: &memorial::Model, token: Option<&str>) -> bool {
    match page.visibility.as_str() {
        "public" => true,
        "link" => token.is_some_and(|t| sha256_hex(t.as_bytes()) == page.link_token_hash),
        _ => false,
    }
}

/// What a visitor who may not act gets: 404 when they cannot even see the page (its
/// existence stays private), else `code`.
pub(super) fn refusal(page: &memorial::Model, relation: Relation, code: Code) -> ApiError {
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
pub(super) async fn open_active(
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

pub(super) async fn sensitive_words(conn: &impl ConnectionTrait) -> Result<Vec<String>, ApiError> {
    Ok(sensitive_word::Entity::find()
        .order_by_asc(sensitive_word::Column::Word)
        .all(conn)
        .await?
        .into_iter()
        .map(|w| w.word)
        .collect())
}

/// The sensitive-word list (district staff).
pub async fn words(state: &Context, staff: &Staff) -> Result<Vec<String>, ApiError> {
    if staff.scope.kind != ScopeKind::District {
        return Err(ApiError::new(Code::Forbidden));
    }
    sensitive_words(&state.db).await
}
