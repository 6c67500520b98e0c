//! Handing an application in, and withdrawing it.
use chrono::Utc;
use entity::{application, application_hold as hold, application_member as member};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::rules::{
    By, for_citizen, form_of, lock_draft, materials_of, members_of, problems_error, service_of,
    working_days,
};
use super::transition::transition;
use crate::applications::catalogue;
use crate::applications::domain::{self, ACTIVE};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::identity::service as identity;
use crate::platform::clock;
use crate::platform::rows::find_or;
use crate::platform::{context::Context, db::is_unique_violation};

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
