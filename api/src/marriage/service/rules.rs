//! What the marriage use cases share: loading an appointment, its party keys, ending it,
//! the no-show block, the audit event.
use chrono::{Duration, Utc};
use entity::{marriage_appointment as appointment, marriage_party as party};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::auth::domain::ScopeKind;
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::marriage::domain::{self, BusinessType, PartiesError};
use crate::platform::audit::{Actor, Event};
use crate::platform::context::Context;
use crate::platform::rows::find_with_children;
use crate::platform::tx::Tx;
use crate::scheduling::engine as scheduling;

/// Statuses in which an appointment holds its seat and its parties' active keys.
pub const ACTIVE: [&str; 2] = ["pending_confirmation", "confirmed"];

/// One party as the booker names them.
pub struct NewParty {
    pub name: String,
    pub id: IdNumber,
}

/// The blind indexes of the parties' ID numbers, in their order.
pub fn id_indexes(state: &Context, parties: &[NewParty]) -> Vec<String> {
    parties
        .iter()
        .map(|p| identity::id_index(&state.sealer, &p.id))
        .collect()
}

/// The rules on the people that need no seat: the parties fit the business type on
/// `date` (ages, sexes) and the caller is not blocked for no-shows. Another party's
/// record is checked when they confirm, not here: the booker must not learn from a
/// refusal anything about a person they named (see [`confirm`]).
pub async fn check_people(
    state: &Context,
    kind: BusinessType,
    parties: &[NewParty],
    caller_index: &str,
    date: chrono::NaiveDate,
) -> Result<(), ApiError> {
    let ids: Vec<IdNumber> = parties.iter().map(|p| p.id.clone()).collect();
    domain::check_parties(kind, &ids, date).map_err(parties_error)?;
    check_not_blocked(state, caller_index).await
}

pub(super) fn parties_error(e: PartiesError) -> ApiError {
    match e {
        PartiesError::Shape => ApiError::new(Code::MarriageParties),
        PartiesError::UnderAge(i) => ApiError::new(Code::MarriageAge).with_field(FieldError {
            field: format!("parties[{i}].id_number"),
            reason: "age",
            message: Message::new(
                "预约当日未达法定婚龄",
                "under the legal marriage age on the appointment date",
            ),
        }),
    }
}

pub(crate) fn masked(parties: &[party::Model]) -> String {
    parties
        .iter()
        .map(|p| p.id_number_masked.clone())
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Moves an active appointment to a final status, giving its seat and keys back. The
/// status change is conditional, so two enders cannot both release the seat.
pub(crate) async fn end(
    conn: &Tx,
    state: &Context,
    row: &appointment::Model,
    status: &str,
) -> Result<bool, ApiError> {
    let ended = appointment::Entity::update_many()
        .col_expr(appointment::Column::Status, Expr::value(status))
        .col_expr(appointment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(appointment::Column::Id.eq(row.id))
        .filter(appointment::Column::Status.is_in(ACTIVE))
        // The slot read earlier: a reschedule in between must not make us free the old seat.
        .filter(appointment::Column::SlotId.eq(row.slot_id))
        .exec(conn)
        .await?;
    if ended.rows_affected == 0 {
        return Ok(false);
    }
    scheduling::release(conn, state, row.slot_id, 1).await?;
    // A cancelled or lapsed certificate appointment gives the application back its window.
    entity::divorce_application::Entity::update_many()
        .col_expr(
            entity::divorce_application::Column::Status,
            Expr::value("cooling_off"),
        )
        .col_expr(
            entity::divorce_application::Column::AppointmentId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(entity::divorce_application::Column::AppointmentId.eq(row.id))
        .exec(conn)
        .await?;
    party::Entity::update_many()
        .col_expr(
            party::Column::ActiveKey,
            Expr::value(Option::<String>::None),
        )
        .filter(party::Column::AppointmentId.eq(row.id))
        .exec(conn)
        .await?;
    Ok(true)
}

pub(super) async fn set_status(
    conn: &impl ConnectionTrait,
    id: Uuid,
    from: &str,
    to: &str,
) -> Result<bool, ApiError> {
    let done = appointment::Entity::update_many()
        .col_expr(appointment::Column::Status, Expr::value(to))
        .col_expr(appointment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(appointment::Column::Id.eq(id))
        .filter(appointment::Column::Status.eq(from))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

pub(crate) async fn load(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let (parent, order) = (party::Column::AppointmentId, party::Column::Position);
    find_with_children::<appointment::Entity, party::Entity>(
        conn,
        id,
        Code::AppointmentNotFound,
        parent,
        order,
    )
    .await
}

/// An appointment the citizen booked or is a party of; anyone else's is "not found".
pub async fn load_for_citizen(
    conn: &impl ConnectionTrait,
    citizen: &Citizen,
    id: Uuid,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let (row, parties) = load(conn, id).await?;
    let index = identity::verified_index(conn, citizen.id).await.ok();
    let mine = row.booked_by == citizen.id
        || parties.iter().any(|p| {
            p.citizen_id == Some(citizen.id) || Some(&p.id_number_index) == index.as_ref()
        });
    if mine {
        Ok((row, parties))
    } else {
        Err(ApiError::new(Code::AppointmentNotFound))
    }
}

/// Whether a staff member works for this office (or is a district admin).
pub fn covers(staff: &Staff, office_id: &str) -> bool {
    staff.works_at(ScopeKind::Office, office_id)
}

pub(super) async fn free_keys(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), ApiError> {
    party::Entity::update_many()
        .col_expr(
            party::Column::ActiveKey,
            Expr::value(Option::<String>::None),
        )
        .filter(party::Column::AppointmentId.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub(super) fn active(m: &appointment::Model) -> appointment::ActiveModel {
    appointment::ActiveModel {
        id: Set(m.id),
        code: Set(m.code.clone()),
        office_id: Set(m.office_id.clone()),
        business_type: Set(m.business_type.clone()),
        slot_id: Set(m.slot_id),
        date: Set(m.date),
        starts_at: Set(m.starts_at),
        booked_by: Set(m.booked_by),
        status: Set(m.status.clone()),
        confirm_deadline: Set(m.confirm_deadline),
        created_at: Set(m.created_at),
        updated_at: Set(m.updated_at),
        reminded_at: Set(m.reminded_at),
    }
}

pub(super) fn party_active(p: &party::Model) -> party::ActiveModel {
    party::ActiveModel {
        id: Set(p.id),
        appointment_id: Set(p.appointment_id),
        position: Set(p.position),
        name_sealed: Set(p.name_sealed.clone()),
        id_number_sealed: Set(p.id_number_sealed.clone()),
        id_number_index: Set(p.id_number_index.clone()),
        id_number_masked: Set(p.id_number_masked.clone()),
        sex: Set(p.sex.clone()),
        citizen_id: Set(p.citizen_id),
        confirmed_at: Set(p.confirmed_at),
        active_key: Set(p.active_key.clone()),
    }
}

pub(crate) fn event(
    actor: Actor,
    action: &'static str,
    id: Uuid,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(
        actor,
        action,
        ("marriage_appointment", id),
        summary,
        request_id,
    )
}

/// Refuses one person blocked for no-shows (before they join a waitlist).
pub async fn check_not_blocked(state: &Context, index: &str) -> Result<(), ApiError> {
    check_no_shows(state, &[index.to_owned()]).await
}

/// Refuses a booking when a party missed `no_show_limit` appointments within
/// `no_show_window_days`, until `no_show_block_days` after the last one.
pub(super) async fn check_no_shows(state: &Context, indexes: &[String]) -> Result<(), ApiError> {
    let conn = &state.db;
    let config = &state.config;
    let today = crate::platform::clock::today();
    let since = today - Duration::days(config.no_show_window_days);
    for (position, index) in indexes.iter().enumerate() {
        let appointments: Vec<Uuid> = party::Entity::find()
            .filter(party::Column::IdNumberIndex.eq(index))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| p.appointment_id)
            .collect();
        if appointments.is_empty() {
            continue;
        }
        let missed = appointment::Entity::find()
            .filter(appointment::Column::Id.is_in(appointments))
            .filter(appointment::Column::Status.eq("no_show"))
            .filter(appointment::Column::Date.gte(since))
            .order_by_desc(appointment::Column::Date)
            .all(conn)
            .await?;
        let blocked_until = missed
            .first()
            .map(|last| last.date + Duration::days(config.no_show_block_days));
        if missed.len() as u32 >= config.no_show_limit
            && blocked_until.is_some_and(|until| until >= today)
        {
            let until = blocked_until.unwrap_or(today);
            return Err(ApiError::new(Code::BlockedForNoShows)
                .with_detail(Message::new(
                    format!("多次预约未到，{until} 之前不能预约"),
                    format!("too many missed appointments: no booking before {until}"),
                ))
                .with_field(FieldError {
                    field: format!("parties[{position}].id_number"),
                    reason: "no_shows",
                    message: Message::new(
                        "该当事人多次预约未到",
                        "this party missed too many appointments",
                    ),
                }));
        }
    }
    Ok(())
}

pub(super) fn clock_text(t: chrono::DateTime<Utc>) -> String {
    crate::platform::clock::format(t)
}
