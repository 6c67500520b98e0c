//! Another party confirms an appointment; appointments not confirmed in time are released.
use chrono::Utc;
use entity::{marriage_appointment as appointment, marriage_party as party};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rules::{check_not_blocked, end, event, load, set_status};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::identity::service as identity;
use crate::marriage::domain::BusinessType;
use crate::marriage::notify::{self, Moment};
use crate::platform::audit::{self, Actor};
use crate::platform::{context::Context, db::is_unique_violation};
use crate::scheduling::engine as scheduling;
use crate::scheduling::waitlist;

/// The other party confirms from their own account (verified real name).
pub async fn confirm(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let index = identity::verified_index(&state.db, citizen.id).await?;
    let txn = state.begin().await?;
    let (row, parties) = load(&txn, id).await?;
    let Some(me) = parties.iter().find(|p| p.id_number_index == index) else {
        return Err(ApiError::new(Code::AppointmentNotFound));
    };
    let now = Utc::now();
    if row.status != "pending_confirmation" {
        return Err(ApiError::new(Code::AppointmentState));
    }
    if row.confirm_deadline <= now {
        return Err(ApiError::new(Code::ConfirmExpired));
    }
    // The confirming party's own rules, told to them alone: not blocked for no-shows,
    // and no other active appointment (their key is taken now, whatever the timing).
    check_not_blocked(state, &index).await?;
    let confirmed = party::Entity::update_many()
        .col_expr(party::Column::CitizenId, Expr::value(citizen.id))
        .col_expr(party::Column::ConfirmedAt, Expr::value(now))
        .col_expr(party::Column::ActiveKey, Expr::value(index.clone()))
        .filter(party::Column::Id.eq(me.id))
        .exec(&txn)
        .await;
    match confirmed {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::new(Code::PartyHasActiveBooking));
        }
        Err(e) => return Err(e.into()),
    }
    waitlist::end_for_person(&txn, state, &index, &BusinessType::ALL).await?;
    let others_confirmed = parties
        .iter()
        .filter(|p| p.id != me.id)
        .all(|p| p.confirmed_at.is_some());
    if others_confirmed && set_status(&txn, id, "pending_confirmation", "confirmed").await? {
        let (row, parties) = load(&txn, id).await?;
        let office = scheduling::resource(&txn, &row.office_id).await?;
        notify::queue(&txn, state, &row, &parties, &office, Moment::Confirmed).await?;
    }
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "marriage.appointment.confirm",
            id,
            format!("{} confirmed", me.id_number_masked),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    let answer = load(&txn, id).await?;
    txn.commit().await?;
    Ok(answer)
}

/// Releases appointments whose second party did not confirm in time. Runs in every
/// instance; the conditional status change makes each release happen once.
pub async fn expire_unconfirmed(state: &Context) -> Result<usize, ApiError> {
    let due = appointment::Entity::find()
        .filter(appointment::Column::Status.eq("pending_confirmation"))
        .filter(appointment::Column::ConfirmDeadline.lte(Utc::now()))
        .all(&state.db)
        .await?;
    let mut released = 0;
    for row in due {
        let txn = state.begin().await?;
        if end(&txn, state, &row, "expired").await? {
            let (row, parties) = load(&txn, row.id).await?;
            let office = scheduling::resource(&txn, &row.office_id).await?;
            notify::queue(&txn, state, &row, &parties, &office, Moment::Lapsed).await?;
            audit::record(
                &txn,
                event(
                    Actor::System,
                    "marriage.appointment.expire",
                    row.id,
                    "not confirmed in time: seat released".into(),
                    None,
                ),
            )
            .await?;
            released += 1;
        }
        txn.commit().await?;
    }
    Ok(released)
}
