//! Answering a reviewer's request for more materials.
use chrono::{NaiveDate, Utc};
use entity::{application, application_material as material};
use sea_orm::sea_query::Expr;
use sea_orm::{EntityTrait, Set};
use uuid::Uuid;

use super::rules::{By, field_error, for_citizen, own_media, service_of, working_days};
use super::transition::transition;
use crate::applications::domain;
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::clock;
use crate::state::AppState;

/// An answer to a supplement request brings every material it asked for (422 naming
/// the missing ones), and at least one file when it named none.
pub(super) fn require_asked_for(
    app: &application::Model,
    defs: &[crate::applications::domain::MaterialDef],
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
