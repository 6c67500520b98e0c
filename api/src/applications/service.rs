//! Applying: a citizen with a verified real name (or a proxy with consent for the service)
//! creates a draft, fills the form, declares the household, attaches materials and
//! submits; every later step goes through [`transition`], which checks the state machine,
//! records the history, releases the household at the end, audits and tells the citizen.
use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use entity::{
    application, application_event as history, application_hold as hold,
    application_material as material, application_member as member,
};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;
use uuid::Uuid;

use super::catalogue::{self, Service};
use super::domain::{self, ACTIVE, FINAL, Party};
use crate::auth::citizen::{Notice, notify};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor, Event};
use crate::platform::clock;
use crate::platform::rows::find_or;
use crate::platform::tx::Tx;
use crate::platform::{context::Context, db::is_unique_violation};
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

    fn actor(&self) -> Actor {
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

fn field_error(code: Code, field: String, reason: &'static str, zh: &str, en: &str) -> ApiError {
    ApiError::new(code).with_field(FieldError {
        field,
        reason,
        message: Message::new(zh.to_owned(), en.to_owned()),
    })
}

fn problems_error(code: Code, problems: Vec<domain::Problem>) -> ApiError {
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

/// Starts a draft for the caller, or for `applicant` whose proxy the caller is.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn create(
    state: &Context,
    caller: &Citizen,
    service_code: &str,
    applicant: Option<Uuid>,
) -> Result<application::Model, ApiError> {
    let service = catalogue::current(&state.db, service_code).await?;
    let applicant = applicant.unwrap_or(caller.id);
    if applicant != caller.id
        && !identity::proxy_allowed(&state.db, caller.id, applicant, service_code).await?
    {
        return Err(ApiError::new(Code::NotAProxy));
    }
    let applicant_index = identity::verified_index(&state.db, applicant).await?;
    let txn = state.begin().await?;
    // An applicant holding this service already is told now, not after filling in the
    // whole form (submission checks again: the hold may be taken meanwhile).
    let held = hold::Entity::find()
        .filter(hold::Column::ServiceCode.eq(service_code))
        .filter(hold::Column::PersonIndex.eq(applicant_index))
        .one(&txn)
        .await?;
    if held.is_some() {
        return Err(ApiError::new(Code::HouseholdHasActiveApplication));
    }
    let draft = application::Entity::find()
        .filter(application::Column::ApplicantId.eq(applicant))
        .filter(application::Column::ServiceCode.eq(service_code))
        .filter(application::Column::Status.eq("draft"))
        .one(&txn)
        .await?;
    if let Some(draft) = draft {
        return Err(ApiError::new(Code::DraftExists).with_detail(Message::new(
            format!("已有草稿 {}，请继续填写", draft.id),
            format!("draft {} exists; continue it", draft.id),
        )));
    }
    let now = Utc::now();
    let row = application::ActiveModel {
        id: Set(Uuid::now_v7()),
        service_code: Set(service.code.clone()),
        service_version: Set(service.version),
        applicant_id: Set(applicant),
        submitted_by: Set(caller.id),
        status: Set("draft".into()),
        street_id: Set(None),
        hukou_street_id: Set(None),
        residence_street_id: Set(None),
        urgent: Set(false),
        form_sealed: Set(state.sealer.seal("{}")),
        submitted_at: Set(None),
        accept_due: Set(None),
        decide_due: Set(None),
        paused_on: Set(None),
        decided_at: Set(None),
        reminded_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        supplement_codes: Set(None),
    };
    // Two creations at once both pass the read above; the partial unique index lets one in.
    let saved = match application::Entity::insert(row)
        .exec_with_returning(&txn)
        .await
    {
        Ok(saved) => saved,
        Err(e) if is_unique_violation(&e) => return Err(ApiError::new(Code::DraftExists)),
        Err(e) => return Err(e.into()),
    };
    record(
        &txn,
        &state.sealer,
        &saved,
        By::citizen(caller),
        "create",
        None,
        "draft",
        None,
        caller.request_id.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
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

async fn draft_for(
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

async fn check_street(
    conn: &impl ConnectionTrait,
    field: &str,
    id: &Option<String>,
) -> Result<(), ApiError> {
    if let Some(id) = id
        && entity::street::Entity::find_by_id(id.clone())
            .one(conn)
            .await?
            .is_none()
    {
        return Err(field_error(
            Code::InvalidBody,
            field.into(),
            "value",
            "不是本区的街道（乡镇）",
            "not a street of the district",
        ));
    }
    Ok(())
}

/// Saves the form of a draft (partial is fine; every value given is checked).
pub async fn save_form(
    state: &Context,
    caller: &Citizen,
    id: Uuid,
    values: BTreeMap<String, Value>,
    hukou_street_id: Option<String>,
    residence_street_id: Option<String>,
    urgent: bool,
) -> Result<application::Model, ApiError> {
    let (app, service) = draft_for(state, caller, id).await?;
    let problems = domain::check_values(&service.def, &values, false);
    if !problems.is_empty() {
        return Err(problems_error(Code::InvalidBody, problems));
    }
    check_street(&state.db, "hukou_street_id", &hukou_street_id).await?;
    check_street(&state.db, "residence_street_id", &residence_street_id).await?;
    if urgent && !service.def.urgent_allowed {
        return Err(field_error(
            Code::InvalidBody,
            "urgent".into(),
            "value",
            "该事项不能申请加急",
            "this service has no urgent applications",
        ));
    }
    let form = serde_json::to_string(&values).map_err(ApiError::internal)?;
    crate::platform::rows::transition(
        &state.db,
        application::Entity::update_many()
            .col_expr(
                application::Column::FormSealed,
                Expr::value(state.sealer.seal(&form)),
            )
            .col_expr(
                application::Column::HukouStreetId,
                Expr::value(hukou_street_id),
            )
            .col_expr(
                application::Column::ResidenceStreetId,
                Expr::value(residence_street_id),
            )
            .col_expr(application::Column::Urgent, Expr::value(urgent))
            .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
            .col_expr(
                application::Column::RemindedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(application::Column::Id.eq(app.id))
            .filter(application::Column::Status.eq("draft")),
        Code::NotEditable,
    )
    .await?;
    for_citizen(&state.db, caller, id).await
}

/// Replaces the household of a draft. Exactly one member is `self`: the applicant, with
/// the ID number of their verified real name.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn save_household(
    state: &Context,
    caller: &Citizen,
    id: Uuid,
    members: Vec<NewMember>,
) -> Result<Vec<member::Model>, ApiError> {
    let (app, _) = draft_for(state, caller, id).await?;
    let applicant_index = identity::verified_index(&state.db, app.applicant_id).await?;
    let selves: Vec<usize> = members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.relation == "self")
        .map(|(i, _)| i)
        .collect();
    let [me] = selves[..] else {
        return Err(field_error(
            Code::InvalidBody,
            "members".into(),
            "self",
            "须有且仅有一名 relation 为 self 的成员（申请人本人）",
            "exactly one member must be `self` (the applicant)",
        ));
    };
    let indexes: Vec<String> = members
        .iter()
        .map(|m| identity::id_index(&state.sealer, &m.id))
        .collect();
    if indexes[me] != applicant_index {
        return Err(field_error(
            Code::InvalidBody,
            format!("members[{me}].id_number"),
            "not_applicant",
            "本人的身份证号码须与实名认证一致",
            "`self` must carry the applicant's verified ID number",
        ));
    }
    for (i, index) in indexes.iter().enumerate() {
        if indexes[..i].contains(index) {
            return Err(field_error(
                Code::InvalidBody,
                format!("members[{i}].id_number"),
                "duplicate",
                "成员重复",
                "a member appears twice",
            ));
        }
    }
    let txn = state.begin().await?;
    lock_draft(&txn, app.id).await?;
    member::Entity::delete_many()
        .filter(member::Column::ApplicationId.eq(app.id))
        .exec(&txn)
        .await?;
    let rows: Vec<member::ActiveModel> = members
        .iter()
        .zip(&indexes)
        .enumerate()
        .map(|(i, (m, index))| member::ActiveModel {
            id: Set(Uuid::now_v7()),
            application_id: Set(app.id),
            position: Set(i as i32 + 1),
            relation: Set(m.relation.clone()),
            name_sealed: Set(state.sealer.seal(&m.name)),
            id_number_sealed: Set(state.sealer.seal(m.id.expose())),
            id_number_index: Set(index.clone()),
            id_number_masked: Set(m.id.masked()),
            income_sealed: Set(state.sealer.seal(&format!("{:.2}", m.monthly_income))),
            disability_grade: Set(m.disability_grade),
        })
        .collect();
    member::Entity::insert_many(rows).exec(&txn).await?;
    txn.commit().await?;
    members_of(&state.db, app.id).await
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
async fn own_media(
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

/// Attaches an uploaded file as a material of a draft.
pub async fn add_material(
    state: &AppState,
    caller: &Citizen,
    id: Uuid,
    code: &str,
    media_id: Uuid,
) -> Result<material::Model, ApiError> {
    let (app, service) = draft_for(state, caller, id).await?;
    if !service.def.materials.iter().any(|m| m.code == code) {
        return Err(field_error(
            Code::InvalidBody,
            "material_code".into(),
            "value",
            "该事项没有这项材料",
            "not a material of this service",
        ));
    }
    own_media(state, caller, &app, media_id, "media_id".into()).await?;
    let row = material::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(app.id),
        material_code: Set(code.into()),
        media_id: Set(media_id),
        supplement: Set(false),
        added_at: Set(Utc::now()),
    };
    let txn = state.begin().await?;
    lock_draft(&txn, app.id).await?;
    let saved = material::Entity::insert(row)
        .exec_with_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Takes a material off a draft.
pub async fn remove_material(
    state: &Context,
    caller: &Citizen,
    id: Uuid,
    material_id: Uuid,
) -> Result<(), ApiError> {
    let (app, _) = draft_for(state, caller, id).await?;
    let txn = state.begin().await?;
    lock_draft(&txn, app.id).await?;
    let gone = material::Entity::delete_many()
        .filter(material::Column::Id.eq(material_id))
        .filter(material::Column::ApplicationId.eq(app.id))
        .exec(&txn)
        .await?;
    if gone.rows_affected == 0 {
        return Err(ApiError::new(Code::MediaNotFound));
    }
    txn.commit().await?;
    Ok(())
}

/// Submits a draft: the form complete (against the catalogue's current version: a draft
/// follows the catalogue until it is submitted), the household declared, every required
/// material there, a responsible street. The applicant is held for the service (a unique
/// constraint: one active application per applicant and service); other household
/// members in another active application of the service are shown to the reviewers
/// (`household_overlap`) rather than refused, so that nobody can block a stranger's
/// application by naming them, or learn from a refusal that they receive assistance.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn submit(
    state: &Context,
    caller: &Citizen,
    id: Uuid,
) -> Result<application::Model, ApiError> {
    let app = for_citizen(&state.db, caller, id).await?;
    if app.status != "draft" {
        return Err(ApiError::new(Code::NotEditable));
    }
    let service = catalogue::current(&state.db, &app.service_code).await?;
    let applicant_index = identity::verified_index(&state.db, app.applicant_id).await?;
    let today = clock::today();
    let working = working_days(state, today).await?;
    let accept_due = domain::add_working_days(today, service.def.accept_days, &working);
    let decide_due = domain::add_working_days(today, service.def.decide_days, &working);
    let txn = state.begin().await?;
    // Under the draft's lock: an edit racing the submission waits, then finds it submitted.
    lock_draft(&txn, app.id).await?;
    let app = find_or::<application::Entity>(&txn, app.id, Code::ApplicationNotFound).await?;
    let mut problems = domain::check_values(&service.def, &form_of(state, &app)?, true);
    if members_of(&txn, app.id).await?.is_empty() {
        problems.push(domain::Problem {
            field: "household".into(),
            reason: "required",
        });
    }
    let materials = materials_of(&txn, app.id).await?;
    for m in service.def.materials.iter().filter(|m| m.required) {
        if !materials.iter().any(|a| a.material_code == m.code) {
            problems.push(domain::Problem {
                field: format!("materials.{}", m.code),
                reason: "required",
            });
        }
    }
    let street = match service.def.routed_by.as_str() {
        "residence" => app.residence_street_id.clone(),
        _ => app.hukou_street_id.clone(),
    };
    if street.is_none() {
        let field = if service.def.routed_by == "residence" {
            "residence_street_id"
        } else {
            "hukou_street_id"
        };
        problems.push(domain::Problem {
            field: field.into(),
            reason: "required",
        });
    }
    if !problems.is_empty() {
        return Err(problems_error(Code::Incomplete, problems));
    }
    let row = hold::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(app.id),
        service_code: Set(app.service_code.clone()),
        person_index: Set(applicant_index),
    };
    match hold::Entity::insert(row).exec(&txn).await {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::new(Code::HouseholdHasActiveApplication));
        }
        Err(e) => return Err(e.into()),
    }
    let extra = vec![
        (
            application::Column::ServiceVersion,
            Expr::value(service.version),
        ),
        (application::Column::StreetId, Expr::value(street)),
        (application::Column::SubmittedAt, Expr::value(Utc::now())),
        (application::Column::AcceptDue, Expr::value(accept_due)),
        (application::Column::DecideDue, Expr::value(decide_due)),
    ];
    let moved = transition(
        &txn,
        state,
        &app,
        &service,
        By::citizen(caller),
        "submit",
        None,
        extra,
        caller.request_id.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}

/// Takes the draft's row lock in the caller's transaction, or `applications.not_editable`
/// when it is no longer a draft: every change to a draft starts with it.
async fn lock_draft(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), ApiError> {
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

/// Active applications of the same service sharing a household member with this one
/// (for reviewers: the household rule beyond the applicant).
pub async fn household_overlap(
    conn: &impl ConnectionTrait,
    app: &application::Model,
) -> Result<Vec<Uuid>, ApiError> {
    let mine: Vec<String> = members_of(conn, app.id)
        .await?
        .into_iter()
        .map(|m| m.id_number_index)
        .collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let others: Vec<Uuid> = member::Entity::find()
        .filter(member::Column::IdNumberIndex.is_in(mine))
        .filter(member::Column::ApplicationId.ne(app.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.application_id)
        .collect();
    if others.is_empty() {
        return Ok(Vec::new());
    }
    Ok(application::Entity::find()
        .filter(application::Column::Id.is_in(others))
        .filter(application::Column::ServiceCode.eq(&app.service_code))
        .filter(application::Column::Status.is_in(ACTIVE))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect())
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

/// The citizen withdraws before a decision.
pub async fn withdraw(
    state: &Context,
    caller: &Citizen,
    id: Uuid,
    reason: Option<String>,
) -> Result<application::Model, ApiError> {
    let app = for_citizen(&state.db, caller, id).await?;
    let service = service_of(&state.db, &app).await?;
    let txn = state.begin().await?;
    let moved = transition(
        &txn,
        state,
        &app,
        &service,
        By::citizen(caller),
        "withdraw",
        reason,
        Vec::new(),
        caller.request_id.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}

/// Deletes the caller's draft (an application never submitted) with its members and
/// files' links; a submitted application is withdrawn instead, never deleted.
pub async fn delete_draft(state: &Context, caller: &Citizen, id: Uuid) -> Result<(), ApiError> {
    let app = for_citizen(&state.db, caller, id).await?;
    if app.status != "draft" {
        return Err(ApiError::new(Code::NotEditable));
    }
    let txn = state.begin().await?;
    entity::application_member::Entity::delete_many()
        .filter(entity::application_member::Column::ApplicationId.eq(id))
        .exec(&txn)
        .await?;
    material::Entity::delete_many()
        .filter(material::Column::ApplicationId.eq(id))
        .exec(&txn)
        .await?;
    entity::application_event::Entity::delete_many()
        .filter(entity::application_event::Column::ApplicationId.eq(id))
        .exec(&txn)
        .await?;
    let gone = application::Entity::delete_many()
        .filter(application::Column::Id.eq(id))
        .filter(application::Column::Status.eq("draft"))
        .exec(&txn)
        .await?;
    if gone.rows_affected != 1 {
        return Err(ApiError::new(Code::NotEditable));
    }
    txn.commit().await?;
    Ok(())
}

/// An answer to a supplement request brings every material it asked for (422 naming
/// the missing ones), and at least one file when it named none.
fn require_asked_for(
    app: &application::Model,
    defs: &[super::domain::MaterialDef],
    files: &[(String, Uuid)],
) -> Result<(), ApiError> {
    let asked: Vec<&str> = app
        .supplement_codes
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|c| !c.is_empty())
        .collect();
    let missing: Vec<&str> = asked
        .iter()
        .copied()
        .filter(|code| !files.iter().any(|(c, _)| c == code))
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing
            .iter()
            .map(|code| {
                defs.iter()
                    .find(|m| m.code == *code)
                    .map_or((*code).to_owned(), |m| m.label.clone())
            })
            .collect();
        return Err(ApiError::new(Code::InvalidBody).with_field(FieldError {
            field: "materials".into(),
            reason: "missing",
            message: Message::new(
                format!("请补正所要求的材料：{}", names.join("、")),
                format!("bring the materials asked for: {}", missing.join(", ")),
            ),
        }));
    }
    if files.is_empty() {
        return Err(ApiError::new(Code::InvalidBody).with_field(FieldError {
            field: "materials".into(),
            reason: "required",
            message: Message::new(
                "补正须上传至少一份材料",
                "a supplement brings at least one file",
            ),
        }));
    }
    Ok(())
}

/// The citizen answers a supplement request with a note and the files asked for; the
/// clock resumes, the decision deadline moving by the working days it stood still.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn answer_supplement(
    state: &AppState,
    caller: &Citizen,
    id: Uuid,
    note: Option<String>,
    files: Vec<(String, Uuid)>,
) -> Result<application::Model, ApiError> {
    let app = for_citizen(&state.db, caller, id).await?;
    let service = service_of(&state.db, &app).await?;
    if app.status == "supplement_requested" {
        require_asked_for(&app, &service.def.materials, &files)?;
    }
    for (i, (code, media_id)) in files.iter().enumerate() {
        if !service.def.materials.iter().any(|m| &m.code == code) {
            return Err(field_error(
                Code::InvalidBody,
                format!("materials[{i}].material_code"),
                "value",
                "该事项没有这项材料",
                "not a material of this service",
            ));
        }
        own_media(
            state,
            caller,
            &app,
            *media_id,
            format!("materials[{i}].media_id"),
        )
        .await?;
    }
    let today = clock::today();
    let paused = match (app.paused_on, app.decide_due) {
        (Some(since), Some(due)) => {
            let working = working_days(state, since).await?;
            let stood = domain::working_days_between(since, today, &working);
            Some(domain::add_working_days(due, stood, &working))
        }
        _ => app.decide_due,
    };
    let txn = state.begin().await?;
    for (code, media_id) in files {
        material::Entity::insert(material::ActiveModel {
            id: Set(Uuid::now_v7()),
            application_id: Set(app.id),
            material_code: Set(code),
            media_id: Set(media_id),
            supplement: Set(true),
            added_at: Set(Utc::now()),
        })
        .exec(&txn)
        .await?;
    }
    let extra = vec![
        (application::Column::DecideDue, Expr::value(paused)),
        (
            application::Column::SupplementCodes,
            Expr::value(Option::<String>::None),
        ),
        (
            application::Column::PausedOn,
            Expr::value(Option::<NaiveDate>::None),
        ),
    ];
    let moved = transition(
        &txn,
        state,
        &app,
        &service,
        By::citizen(caller),
        "answer_supplement",
        note,
        extra,
        caller.request_id.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}

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
async fn record(
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

async fn tell(
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
