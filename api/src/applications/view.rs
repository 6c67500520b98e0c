//! An application as each party sees it: masked names, incomes only to those who decide,
//! a home visit's note for staff only.
use super::domain::Party;
use super::dto::*;
use super::{review, service};
use crate::auth::extract::Staff;
use crate::error::ApiError;
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::crypto::Sealer;

/// The household as shown: names masked, incomes only to those who decide (the citizen's
/// answers do not repeat them).
fn member_views(
    sealer: &Sealer,
    members: Vec<entity::application_member::Model>,
    show_incomes: bool,
) -> Result<Vec<MemberDto>, ApiError> {
    let open = |sealed: &str| sealer.open(sealed).map_err(ApiError::internal);
    // An emptied income (the applicant deleted their account) is no longer held.
    let income = |sealed: &str| -> Result<Option<f64>, ApiError> {
        let text = open(sealed)?;
        match text.is_empty() {
            true => Ok(None),
            false => text.parse().map(Some).map_err(ApiError::internal),
        }
    };
    members
        .into_iter()
        .map(|m| {
            Ok(MemberDto {
                position: m.position,
                relation: m.relation,
                name_masked: crate::identity::domain::mask_name(&open(&m.name_sealed)?),
                id_number_masked: m.id_number_masked,
                monthly_income: show_incomes
                    .then(|| income(&m.income_sealed))
                    .transpose()?
                    .flatten(),
                disability_grade: m.disability_grade,
            })
        })
        .collect()
}

/// The history as `party` sees it: a home visit's note is for staff only.
fn step_views(
    sealer: &Sealer,
    history: Vec<entity::application_event::Model>,
    party: Party,
) -> Result<Vec<StepDto>, ApiError> {
    history
        .into_iter()
        .map(|h| {
            let note = h
                .note_sealed
                .filter(|_| party != Party::Citizen || h.action != "record_visit")
                .map(|n| sealer.open(&n).map_err(ApiError::internal))
                .transpose()?;
            Ok(StepDto {
                at: clock::format(h.at),
                note,
                action: h.action,
                from_status: h.from_status,
                to_status: h.to_status,
                actor_kind: h.actor_kind,
            })
        })
        .collect()
}

/// Everything about an application, as `party` sees it; `staff` is the staff member
/// reading it (none for the citizen), who sees the household's incomes only when they
/// decide it (each such read is audited).
pub(super) async fn full(
    state: &Context,
    app: entity::application::Model,
    party: Party,
    staff: Option<&Staff>,
    prefix: &str,
) -> Result<ApplicationDto, ApiError> {
    let service = service::service_of(&state.db, &app).await?;
    let members = service::members_of(&state.db, app.id).await?;
    let show_incomes =
        staff.is_some_and(|s| review::decides(s, &app, service.def.needs_district_approval));
    if let Some(staff) = staff.filter(|_| show_incomes && !members.is_empty()) {
        review::record_income_read(state, staff, &app).await?;
    }
    let materials = service::materials_of(&state.db, app.id).await?;
    let history = service::history_of(&state.db, app.id).await?;
    Ok(ApplicationDto {
        values: service::form_of(state, &app)?,
        members: member_views(&state.sealer, members, show_incomes)?,
        materials: materials
            .into_iter()
            .map(|m| MaterialDto {
                url: format!("/api/v1/{prefix}/{}/materials/{}", app.id, m.id),
                id: m.id,
                material_code: m.material_code,
                media_id: m.media_id,
                supplement: m.supplement,
                added_at: clock::format(m.added_at),
            })
            .collect(),
        history: step_views(&state.sealer, history, party)?,
        household_overlap: if party == Party::Citizen {
            Vec::new()
        } else {
            service::household_overlap(&state.db, &app).await?
        },
        allowed_actions: super::domain::allowed(
            &app.status,
            party,
            service.def.needs_district_approval,
        )
        .into_iter()
        .map(str::to_owned)
        .collect(),
        days_left: review::days_left(&app),
        overdue: review::overdue(&app),
        paused: app.paused_on.is_some(),
        service_name: service.def.name,
        status_label: service::status_label(&app.status).into(),
        id: app.id,
        service_code: app.service_code,
        service_version: app.service_version,
        status: app.status,
        applicant_id: app.applicant_id,
        urgent: app.urgent,
        street_id: app.street_id,
        hukou_street_id: app.hukou_street_id,
        residence_street_id: app.residence_street_id,
        submitted_at: app.submitted_at.map(clock::format),
        accept_due: app.accept_due,
        decide_due: app.decide_due,
        decided_at: app.decided_at.map(clock::format),
        created_at: clock::format(app.created_at),
        updated_at: clock::format(app.updated_at),
    })
}

pub(super) async fn citizen_view(
    state: &Context,
    app: entity::application::Model,
) -> Result<ApplicationDto, ApiError> {
    full(state, app, Party::Citizen, None, "applications").await
}
