//! Filling a draft in: the form, the household, the materials; deleting it.
use std::collections::BTreeMap;

use chrono::Utc;
use entity::{application, application_material as material, application_member as member};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use uuid::Uuid;

use super::rules::{
    NewMember, draft_for, field_error, for_citizen, lock_draft, members_of, own_media,
    problems_error,
};
use crate::applications::domain;
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::identity::service as identity;
use crate::platform::context::Context;
use crate::state::AppState;

pub(super) async fn check_street(
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
