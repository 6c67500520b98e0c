//! What the application use cases share: who acts, loading an application and its parts,
//! the draft lock, working days.
use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use entity::{
    application, application_event as history, application_material as material,
    application_member as member,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use crate::applications::catalogue::{self, Service};
use crate::applications::domain::{self, Party};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::platform::audit::Actor;
use crate::platform::context::Context;
use crate::platform::rows::find_or;
use crate::state::AppState;

/// Who acts: a citizen (the applicant or their proxy) or staff.
#[derive(Clone, Copy)]
pub struct By {
    pub party: Party,
    pub actor_kind: &'static str,
    pub actor_id: Uuid,
    pub role: &'static str,
}

impl By {
    pub fn citizen(c: &Citizen) -> By {
        By {
            party: Party::Citizen,
            actor_kind: "citizen",
            actor_id: c.id,
            role: "citizen",
        }
    }

    pub(super) fn actor(&self) -> Actor {
        match self.party {
            Party::Citizen => Actor::Citizen(self.actor_id),
            _ => Actor::Staff {
                id: self.actor_id,
                role: self.role,
            },
        }
    }
}

/// A household member as declared.
pub struct NewMember {
    pub relation: String,
    pub name: String,
    pub id: IdNumber,
    pub monthly_income: f64,
    pub disability_grade: Option<i32>,
}

pub const RELATIONS: [&str; 8] = [
    "self",
    "spouse",
    "child",
    "parent",
    "sibling",
    "grandparent",
    "grandchild",
    "other",
];

pub(super) fn field_error(
    code: Code,
    field: String,
    reason: &'static str,
    zh: &str,
    en: &str,
) -> ApiError {
    ApiError::new(code).with_field(FieldError {
        field,
        reason,
        message: Message::new(zh.to_owned(), en.to_owned()),
    })
}

pub(super) fn problems_error(code: Code, problems: Vec<domain::Problem>) -> ApiError {
    let mut error = ApiError::new(code);
    for p in problems {
        let (zh, en) = match p.reason {
            "required" => ("必填", "required"),
            "unknown" => ("表单中没有此项", "not a field of this form"),
            "type" => ("类型不对", "wrong type"),
            "range" => ("超出允许范围", "out of range"),
            "format" => ("格式不对", "wrong format"),
            "length" => ("太长", "too long"),
            _ => ("不是允许的取值", "not an allowed value"),
        };
        error = error.with_field(FieldError {
            field: p.field,
            reason: p.reason,
            message: Message::new(zh, en),
        });
    }
    error
}

/// The application if the caller is its applicant or a proxy the applicant still
/// consents to for this service; anything else is "not found".
pub async fn for_citizen(
    conn: &impl ConnectionTrait,
    caller: &Citizen,
    id: Uuid,
) -> Result<application::Model, ApiError> {
    let row = find_or::<application::Entity>(conn, id, Code::ApplicationNotFound).await?;
    let allowed = row.applicant_id == caller.id
        || identity::proxy_allowed(conn, caller.id, row.applicant_id, &row.service_code).await?;
    if allowed {
        Ok(row)
    } else {
        Err(ApiError::new(Code::ApplicationNotFound))
    }
}

/// The service version an application was made with.
pub async fn service_of(
    conn: &impl ConnectionTrait,
    app: &application::Model,
) -> Result<Service, ApiError> {
    catalogue::at_version(conn, &app.service_code, app.service_version).await
}

/// The form as saved (opened).
pub fn form_of(
    state: &Context,
    app: &application::Model,
) -> Result<BTreeMap<String, Value>, ApiError> {
    let text = state
        .sealer
        .open(&app.form_sealed)
        .map_err(ApiError::internal)?;
    serde_json::from_str(&text).map_err(ApiError::internal)
}

pub(super) async fn draft_for(
    state: &Context,
    caller: &Citizen,
    id: Uuid,
) -> Result<(application::Model, Service), ApiError> {
    let app = for_citizen(&state.db, caller, id).await?;
    if app.status != "draft" {
        return Err(ApiError::new(Code::NotEditable));
    }
    // A draft follows the catalogue until it is submitted.
    let service = catalogue::current(&state.db, &app.service_code).await?;
    Ok((app, service))
}

pub async fn members_of(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<member::Model>, ApiError> {
    Ok(member::Entity::find()
        .filter(member::Column::ApplicationId.eq(id))
        .order_by_asc(member::Column::Position)
        .all(conn)
        .await?)
}

pub async fn materials_of(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<material::Model>, ApiError> {
    Ok(material::Entity::find()
        .filter(material::Column::ApplicationId.eq(id))
        .order_by_asc(material::Column::AddedAt)
        .all(conn)
        .await?)
}

pub async fn history_of(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<history::Model>, ApiError> {
    Ok(history::Entity::find()
        .filter(history::Column::ApplicationId.eq(id))
        .order_by_asc(history::Column::At)
        .all(conn)
        .await?)
}

/// Checks that `media_id` is a file the caller (or the applicant) uploaded.
pub(super) async fn own_media(
    state: &AppState,
    caller: &Citizen,
    app: &application::Model,
    media_id: Uuid,
    field: String,
) -> Result<(), ApiError> {
    let m = crate::media::service::find(state, media_id).await.ok();
    let ok = m.is_some_and(|m| {
        m.owner_kind == "citizen" && (m.owner_id == caller.id || m.owner_id == app.applicant_id)
    });
    if ok {
        Ok(())
    } else {
        Err(field_error(
            Code::MediaNotFound,
            field,
            "not_found",
            "文件不存在，请先上传",
            "no such file of yours: upload it first",
        ))
    }
}

/// Takes the draft's row lock in the caller's transaction, or `applications.not_editable`
/// when it is no longer a draft: every change to a draft starts with it.
pub(super) async fn lock_draft(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), ApiError> {
    let locked = application::Entity::update_many()
        .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(
            application::Column::RemindedAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(application::Column::Id.eq(id))
        .filter(application::Column::Status.eq("draft"))
        .exec(conn)
        .await?;
    if locked.rows_affected == 1 {
        Ok(())
    } else {
        Err(ApiError::new(Code::NotEditable))
    }
}

/// Working days by the national calendar, from `from` on (500 days: deadlines and
/// their extensions fall inside).
pub async fn working_days(
    state: &Context,
    from: NaiveDate,
) -> Result<impl Fn(NaiveDate) -> bool + use<>, ApiError> {
    let calendar =
        crate::scheduling::engine::calendar(&state.db, from, from + chrono::Duration::days(500))
            .await?;
    Ok(move |d: NaiveDate| crate::scheduling::domain::is_working_day(d, calendar.get(&d).copied()))
}

/// The caller's applications (as applicant or proxy), newest first.
pub async fn list_mine(
    state: &Context,
    caller: &Citizen,
) -> Result<Vec<application::Model>, ApiError> {
    let rows = application::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(application::Column::ApplicantId.eq(caller.id))
                .add(application::Column::SubmittedBy.eq(caller.id)),
        )
        .order_by_desc(application::Column::CreatedAt)
        .order_by_desc(application::Column::Id)
        .all(&state.db)
        .await?;
    let mut out = Vec::new();
    for app in rows {
        // A proxy whose consent was revoked no longer sees what they started.
        let allowed = app.applicant_id == caller.id
            || identity::proxy_allowed(&state.db, caller.id, app.applicant_id, &app.service_code)
                .await?;
        if allowed {
            out.push(app);
        }
    }
    Ok(out)
}
