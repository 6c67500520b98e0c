//! The cemetery gate: looking a visit up, checking in, walk-ins.
use chrono::Utc;
use entity::{tomb_visit as visit, tomb_visitor as visitor, walk_in};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::rules::{cemetery, covers, event, for_staff, one};
use crate::auth::extract::Staff;
use crate::error::{ApiError, Code};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor, Event};
use crate::platform::booking_code;
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::rows::transition;

/// Finds today's and later reservations by code, QR content or a visitor's ID number,
/// within the clerk's cemeteries.
pub async fn lookup(
    state: &Context,
    staff: &Staff,
    query: &str,
) -> Result<Vec<visit::Model>, ApiError> {
    let ids: Vec<Uuid> = if let Some(code) = booking_code::code_from_input(query) {
        visit::Entity::find()
            .filter(visit::Column::Code.eq(code))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|v| v.id)
            .collect()
    } else if let Ok(id) = IdNumber::parse(query.trim(), clock::today()) {
        visitor::Entity::find()
            .filter(visitor::Column::IdNumberIndex.eq(identity::id_index(&state.sealer, &id)))
            .filter(visitor::Column::VisitDate.gte(clock::today()))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|v| v.visit_id)
            .collect()
    } else {
        return Err(ApiError::new(Code::InvalidQuery));
    };
    let mut out = Vec::new();
    for id in ids {
        let v = one(&state.db, id).await?;
        if covers(staff, &v.cemetery_id) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Lets a party in at the gate: on the day of the visit, once.
pub async fn check_in(state: &Context, staff: &Staff, id: Uuid) -> Result<visit::Model, ApiError> {
    let row = for_staff(&state.db, staff, id).await?;
    if row.visit_date != clock::today() {
        return Err(ApiError::new(Code::VisitNotToday));
    }
    let txn = state.begin().await?;
    transition(
        &txn,
        visit::Entity::update_many()
            .col_expr(visit::Column::Status, Expr::value("checked_in"))
            .col_expr(visit::Column::CheckedInAt, Expr::value(Utc::now()))
            .col_expr(visit::Column::CheckedInBy, Expr::value(staff.id))
            .col_expr(visit::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(visit::Column::Id.eq(row.id))
            .filter(visit::Column::Status.eq("booked")),
        Code::VisitState,
    )
    .await?;
    audit::record(
        &txn,
        event(
            Actor::Staff {
                id: staff.id,
                role: staff.role.as_str(),
            },
            "tomb.visit.check_in",
            &row,
            format!("{} persons", row.persons),
            staff.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    one(&state.db, row.id).await
}

/// Counts persons who came without a reservation today.
pub async fn record_walk_in(
    state: &Context,
    staff: &Staff,
    cemetery_id: &str,
    persons: i32,
) -> Result<(), ApiError> {
    cemetery(&state.db, cemetery_id).await?;
    if !covers(staff, cemetery_id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let txn = state.begin().await?;
    walk_in::Entity::insert(walk_in::ActiveModel {
        id: Set(Uuid::now_v7()),
        cemetery_id: Set(cemetery_id.to_owned()),
        visit_date: Set(clock::today()),
        persons: Set(persons),
        recorded_by: Set(staff.id),
        recorded_at: Set(Utc::now()),
    })
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Event {
            actor: Actor::Staff {
                id: staff.id,
                role: staff.role.as_str(),
            },
            action: "tomb.walk_in.record",
            target_kind: "resource",
            target_id: cemetery_id.to_owned(),
            summary: format!("{persons} persons without reservation"),
            request_id: staff.request_id.clone(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
