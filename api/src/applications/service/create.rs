//! Starting an application.
use chrono::Utc;
use entity::{application, application_hold as hold};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::rules::By;
use super::transition::record;
use crate::applications::catalogue;
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, Message};
use crate::identity::service as identity;
use crate::platform::{context::Context, db::is_unique_violation};

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
