//! Reviewing: a street's reviewers see and act on their street's applications only;
//! district approvers decide those forwarded to them; district admins and approvers read
//! the statistics. Drafts are never shown to staff.
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use entity::application;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::domain::{ACTIVE, Party};
use super::service::{self, By};
use crate::auth::domain::{Role, ScopeKind};
use crate::auth::extract::Staff;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::clock;
use crate::platform::context::Context;

/// The caller's part in the workflow: reviewers of a street, district approvers.
pub fn party_of(staff: &Staff) -> Option<Party> {
    match (staff.role, staff.scope.kind) {
        (Role::Reviewer, ScopeKind::Street) => Some(Party::Reviewer),
        (Role::Approver, ScopeKind::District) => Some(Party::Approver),
        _ => None,
    }
}

/// Whether `staff` decides this application, and so sees its household's incomes: the
/// street's reviewer, or a district approver where the service needs the district's
/// approval. District admins read the rest of an application, not its incomes.
pub fn decides(staff: &Staff, app: &application::Model, needs_district_approval: bool) -> bool {
    match party_of(staff) {
        Some(Party::Reviewer) => sees(staff, app),
        Some(Party::Approver) => needs_district_approval && sees(staff, app),
        _ => false,
    }
}

/// Records that `staff` read the household incomes of `app` (an access event in the
/// audit chain: who, which application, never the figures).
pub async fn record_income_read(
    state: &Context,
    staff: &Staff,
    app: &application::Model,
) -> Result<(), ApiError> {
    let event = crate::platform::audit::Event {
        actor: crate::platform::audit::Actor::Staff {
            id: staff.id,
            role: staff.role.as_str(),
        },
        action: "applications.incomes_read",
        target_kind: "application",
        target_id: app.id.to_string(),
        summary: format!("household incomes read ({})", app.service_code),
        request_id: staff.request_id.clone(),
    };
    crate::platform::audit::record(&state.db, event).await?;
    Ok(())
}

/// Whether the staff member may see this (submitted) application.
fn sees(staff: &Staff, app: &application::Model) -> bool {
    if app.status == "draft" {
        return false;
    }
    match party_of(staff) {
        Some(Party::Reviewer) => app.street_id.as_deref() == staff.scope.id.as_deref(),
        Some(Party::Approver) => true,
        _ => staff.role == Role::Admin && staff.scope.kind == ScopeKind::District,
    }
}

/// An application the caller may see, or 404 (another street's looks like none); staff
/// with no part in reviewing get 403.
pub async fn visible(
    state: &Context,
    staff: &Staff,
    id: Uuid,
) -> Result<application::Model, ApiError> {
    let district_admin = staff.role == Role::Admin && staff.scope.kind == ScopeKind::District;
    if party_of(staff).is_none() && !district_admin {
        return Err(ApiError::new(Code::Forbidden));
    }
    application::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|a| sees(staff, a))
        .ok_or_else(|| ApiError::new(Code::ApplicationNotFound))
}

/// Opens an application for a reviewer: [`visible`], and the read written to the access
/// log for the applicant and every household member (their incomes are in it).
pub async fn open(
    state: &Context,
    staff: &Staff,
    id: Uuid,
) -> Result<application::Model, ApiError> {
    use crate::identity::access::{self, AccessKind, Read};
    let app = visible(state, staff, id).await?;
    let mut subjects: Vec<String> = entity::application_member::Entity::find()
        .filter(entity::application_member::Column::ApplicationId.eq(app.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.id_number_index)
        .collect();
    subjects.extend(access::index_of(&state.db, app.applicant_id).await?);
    let target = app.id.to_string();
    let read = Read {
        kind: AccessKind::ApplicationOpened,
        target_kind: "application",
        target_id: &target,
    };
    access::record(&state.db, staff, &read, &subjects).await?;
    Ok(app)
}

/// Queue filters.
pub struct Filter {
    pub status: Option<String>,
    pub service: Option<String>,
    pub overdue_only: bool,
}

/// The deadline that runs now (acceptance, then decision), unless the clock is paused.
pub fn running_deadline(app: &application::Model) -> Option<NaiveDate> {
    match app.status.as_str() {
        "submitted" => app.accept_due,
        "under_review" | "awaiting_approval" => app.decide_due,
        _ => None,
    }
}

/// The caller's queue: a reviewer's street, an approver's forwarded applications (by
/// default), everything for district admins; urgent first, then by deadline.
pub async fn queue(
    state: &Context,
    staff: &Staff,
    filter: Filter,
) -> Result<Vec<application::Model>, ApiError> {
    let mut find = application::Entity::find().filter(application::Column::Status.ne("draft"));
    match party_of(staff) {
        Some(Party::Reviewer) => {
            find = find.filter(
                application::Column::StreetId.eq(staff.scope.id.clone().unwrap_or_default()),
            );
        }
        Some(Party::Approver) if filter.status.is_none() => {
            find = find.filter(application::Column::Status.eq("awaiting_approval"));
        }
        Some(_) => {}
        None if staff.role == Role::Admin && staff.scope.kind == ScopeKind::District => {}
        None => return Err(ApiError::new(Code::Forbidden)),
    }
    if let Some(status) = &filter.status {
        find = find.filter(application::Column::Status.eq(status.clone()));
    } else if party_of(staff) == Some(Party::Reviewer) {
        find = find.filter(application::Column::Status.is_in(ACTIVE));
    }
    if let Some(code) = &filter.service {
        find = find.filter(application::Column::ServiceCode.eq(code.clone()));
    }
    let mut rows = find
        .order_by_asc(application::Column::SubmittedAt)
        .all(&state.db)
        .await?;
    let today = clock::today();
    if filter.overdue_only {
        rows.retain(|a| running_deadline(a).is_some_and(|d| d < today));
    }
    // Urgent first, then by deadline; the id keeps the order stable for paging.
    rows.sort_by_key(|a| {
        (
            !a.urgent,
            running_deadline(a).unwrap_or(NaiveDate::MAX),
            a.id,
        )
    });
    Ok(rows)
}

/// A staff action on an application: the state machine decides. Decisions, returns and
/// supplement requests carry a reason, a home visit a note.
pub async fn act(
    state: &Context,
    staff: &Staff,
    id: Uuid,
    action: &str,
    note: Option<String>,
    materials: Vec<String>,
) -> Result<application::Model, ApiError> {
    let app = visible(state, staff, id).await?;
    let party = party_of(staff).ok_or_else(|| ApiError::new(Code::Forbidden))?;
    let action = known_action(action)?;
    let note = note_for(action, note)?;
    let service = service::service_of(&state.db, &app).await?;
    let by = By {
        party,
        actor_kind: "staff",
        actor_id: staff.id,
        role: staff.role.as_str(),
    };
    let mut extra = Vec::new();
    if action == "request_supplement" {
        extra.push((application::Column::PausedOn, Expr::value(clock::today())));
        let codes = asked_materials(&service.def, &materials)?;
        extra.push((application::Column::SupplementCodes, Expr::value(codes)));
    }
    let txn = state.begin().await?;
    let moved = service::transition(
        &txn,
        state,
        &app,
        &service,
        by,
        action,
        note,
        extra,
        staff.request_id.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}

/// The action named, as the state machine spells it.
fn known_action(action: &str) -> Result<&'static str, ApiError> {
    super::domain::TRANSITIONS
        .iter()
        .map(|(_, a, _, _)| *a)
        .find(|a| *a == action)
        .ok_or_else(|| {
            ApiError::new(Code::InvalidBody).with_field(FieldError {
                field: "action".into(),
                reason: "value",
                message: Message::new("未知的操作", "unknown action"),
            })
        })
}

/// The note, blank taken as none; decisions, returns, supplement requests and home
/// visits must have one.
fn note_for(action: &str, note: Option<String>) -> Result<Option<String>, ApiError> {
    let needs_note = matches!(
        action,
        "approve" | "reject" | "return_incomplete" | "request_supplement" | "record_visit"
    );
    let note = note.filter(|n| !n.trim().is_empty());
    if needs_note && note.is_none() {
        return Err(ApiError::new(Code::InvalidBody).with_field(FieldError {
            field: "reason".into(),
            reason: "required",
            message: Message::new("请填写理由或说明", "give the reason or the note"),
        }));
    }
    Ok(note)
}

/// What a supplement request asks for, each a material of the service (the answer must
/// bring each of these), stored comma-separated; none named is none stored.
fn asked_materials(
    def: &super::domain::ServiceDef,
    materials: &[String],
) -> Result<Option<String>, ApiError> {
    for (i, code) in materials.iter().enumerate() {
        if !def.materials.iter().any(|m| &m.code == code) {
            return Err(ApiError::new(Code::InvalidBody).with_field(FieldError {
                field: format!("materials[{i}]"),
                reason: "value",
                message: Message::new("该事项没有这项材料", "not a material of this service"),
            }));
        }
    }
    Ok((!materials.is_empty()).then(|| materials.join(",")))
}

/// One row of the statistics.
pub struct Count {
    pub service_code: String,
    pub street_id: String,
    pub status: String,
    /// `YYYY-MM` of submission.
    pub month: String,
    pub count: u64,
}

/// Counts by service, street, status and month of submission, and the median
/// processing time (submission to decision, calendar days) per service, for
/// applications submitted in `[from, to]`. District admins and approvers only.
pub async fn statistics(
    state: &Context,
    staff: &Staff,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Vec<Count>, BTreeMap<String, f64>), ApiError> {
    let district = staff.scope.kind == ScopeKind::District
        && matches!(staff.role, Role::Admin | Role::Approver);
    if !district {
        return Err(ApiError::new(Code::Forbidden));
    }
    let rows = application::Entity::find()
        .filter(
            application::Column::SubmittedAt
                .gte(crate::scheduling::domain::at(from, chrono::NaiveTime::MIN)),
        )
        .filter(
            application::Column::SubmittedAt.lt(crate::scheduling::domain::at(
                to + chrono::Duration::days(1),
                chrono::NaiveTime::MIN,
            )),
        )
        .all(&state.db)
        .await?;
    let mut counts: BTreeMap<(String, String, String, String), u64> = BTreeMap::new();
    let mut durations: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for a in &rows {
        let Some(submitted) = a.submitted_at else {
            continue;
        };
        let local = submitted.with_timezone(&chrono_tz::Asia::Shanghai);
        let month = format!("{:04}-{:02}", local.year(), local.month());
        *counts
            .entry((
                a.service_code.clone(),
                a.street_id.clone().unwrap_or_default(),
                a.status.clone(),
                month,
            ))
            .or_default() += 1;
        if let Some(decided) = a.decided_at {
            let days = (decided - submitted).num_seconds() as f64 / 86_400.0;
            durations
                .entry(a.service_code.clone())
                .or_default()
                .push(days);
        }
    }
    let medians = durations
        .into_iter()
        .map(|(code, days)| (code, median_days(days)))
        .collect();
    let counts = counts
        .into_iter()
        .map(|((service_code, street_id, status, month), count)| Count {
            service_code,
            street_id,
            status,
            month,
            count,
        })
        .collect();
    Ok((counts, medians))
}

/// The median of processing times in days, to a tenth of a day.
fn median_days(mut days: Vec<f64>) -> f64 {
    days.sort_by(|a, b| a.total_cmp(b));
    let n = days.len();
    let median = if n % 2 == 1 {
        days[n / 2]
    } else {
        (days[n / 2 - 1] + days[n / 2]) / 2.0
    };
    (median * 10.0).round() / 10.0
}

/// The statistics as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read
/// the Chinese right).
pub fn csv(counts: &[Count], medians: &BTreeMap<String, f64>) -> String {
    let mut out =
        String::from("\u{feff}service_code,street_id,status,month,count,median_processing_days\n");
    for c in counts {
        let median = medians
            .get(&c.service_code)
            .map(|m| m.to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            c.service_code, c.street_id, c.status, c.month, c.count, median
        ));
    }
    out
}

/// Days until the running deadline (negative when overdue).
pub fn days_left(app: &application::Model) -> Option<i64> {
    running_deadline(app).map(|d| (d - clock::today()).num_days())
}

/// Whether its running deadline has passed.
pub fn overdue(app: &application::Model) -> bool {
    running_deadline(app).is_some_and(|d| d < clock::today())
}
