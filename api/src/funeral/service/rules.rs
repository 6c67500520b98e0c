//! What the funeral use cases share: a home, its gaps, loading a booking with its lines,
//! who may see it, ending it, a staff step, the audit event.
use chrono::{DateTime, NaiveDate, Utc};
use entity::{funeral_booking as booking, funeral_booking_line as line, resource, slot};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::domain::{Role, ScopeKind};
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::funeral::domain::{self, HOME_KIND};
use crate::funeral::notify::{self, Moment};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::context::Context;
use crate::platform::rows::find_with_children;
use crate::platform::tx::Tx;
use crate::scheduling::engine as scheduling;

/// A booking with its lines.
pub type Full = (booking::Model, Vec<line::Model>);

pub(super) fn field(
    code: Code,
    field: &str,
    reason: &'static str,
    zh: &'static str,
    en: &'static str,
) -> ApiError {
    ApiError::new(code).with_field(FieldError {
        field: field.into(),
        reason,
        message: Message::new(zh, en),
    })
}

/// A funeral home or 404 (another kind of resource is no funeral home).
pub async fn home(conn: &impl ConnectionTrait, id: &str) -> Result<resource::Model, ApiError> {
    resource::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .filter(|r| r.kind == HOME_KIND)
        .ok_or_else(|| ApiError::new(Code::FuneralHomeNotFound))
}

/// The home's minimum gaps between services (the defaults when it set none).
pub async fn gaps(conn: &impl ConnectionTrait, home_id: &str) -> Result<domain::Gaps, ApiError> {
    Ok(
        entity::funeral_home_rule::Entity::find_by_id(home_id.to_owned())
            .one(conn)
            .await?
            .map_or(domain::DEFAULT_GAPS, |r| domain::Gaps {
                transport: i64::from(r.transport_gap_minutes),
                farewell: i64::from(r.farewell_gap_minutes),
            }),
    )
}

pub(super) async fn booked_slot(
    conn: &impl sea_orm::ConnectionTrait,
    id: Option<Uuid>,
) -> Result<Option<slot::Model>, ApiError> {
    match id {
        Some(id) => Ok(Some(scheduling::slot(conn, id).await?)),
        None => Ok(None),
    }
}

/// The refusal of services in an impossible order, naming both items.
pub(super) fn order_refusal(gaps: domain::Gaps, e: domain::OrderError) -> ApiError {
    let (earlier, later, zh, en) = match e {
        domain::OrderError::TransportAfterFarewell => (
            "transport.requested_at",
            "farewell_slot_id",
            format!("遗体接运须早于告别仪式至少 {} 分钟", gaps.transport),
            format!(
                "transport must come at least {} minutes before the farewell",
                gaps.transport
            ),
        ),
        domain::OrderError::TransportAfterCremation => (
            "transport.requested_at",
            "cremation_slot_id",
            format!("遗体接运须早于火化至少 {} 分钟", gaps.transport),
            format!(
                "transport must come at least {} minutes before the cremation",
                gaps.transport
            ),
        ),
        domain::OrderError::FarewellAfterCremation => (
            "farewell_slot_id",
            "cremation_slot_id",
            format!("告别仪式须在火化开始前至少 {} 分钟结束", gaps.farewell),
            format!(
                "the farewell must end at least {} minutes before the cremation",
                gaps.farewell
            ),
        ),
    };
    [earlier, later]
        .into_iter()
        .fold(ApiError::new(Code::FuneralServiceOrder), |err, field| {
            err.with_field(FieldError {
                field: field.into(),
                reason: "order",
                message: Message::new(zh.clone(), en.clone()),
            })
        })
}

/// The Beijing date of the first service of a booking.
pub(super) fn first_date(
    transport_at: Option<DateTime<Utc>>,
    farewell: Option<&slot::Model>,
    cremation: Option<&slot::Model>,
) -> Option<NaiveDate> {
    let local = |t: DateTime<Utc>| t.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    [
        transport_at.map(local),
        farewell.map(|s| s.date),
        cremation.map(|s| s.date),
    ]
    .into_iter()
    .flatten()
    .min()
}

// ---------------------------------------------------------------- reading

/// A booking and its lines, or 404.
pub async fn load(conn: &impl ConnectionTrait, id: Uuid) -> Result<Full, ApiError> {
    let (parent, order) = (line::Column::BookingId, line::Column::Position);
    find_with_children::<booking::Entity, line::Entity>(
        conn,
        id,
        Code::FuneralBookingNotFound,
        parent,
        order,
    )
    .await
}

/// A booking the citizen made; anyone else's is "not found".
pub async fn for_citizen(
    conn: &impl ConnectionTrait,
    citizen: &Citizen,
    id: Uuid,
) -> Result<Full, ApiError> {
    let full = load(conn, id).await?;
    if full.0.booked_by == citizen.id {
        Ok(full)
    } else {
        Err(ApiError::new(Code::FuneralBookingNotFound))
    }
}

pub(super) async fn with_lines(
    conn: &impl ConnectionTrait,
    rows: Vec<booking::Model>,
) -> Result<Vec<Full>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut lines = line::Entity::find()
        .filter(line::Column::BookingId.is_in(ids))
        .order_by_asc(line::Column::Position)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut lines)
                .into_iter()
                .partition(|l| l.booking_id == r.id);
            lines = rest;
            (r, mine)
        })
        .collect())
}

/// Whether a staff member works for this home: its clerks, or a district admin. (A
/// district reviewer or approver has no business with funeral bookings.)
pub fn covers(staff: &Staff, home_id: &str) -> bool {
    staff.works_at(ScopeKind::FuneralHome, home_id)
}

/// A booking of the staff member's home. Staff of no funeral home are refused outright;
/// a clerk of another home finds nothing (not even whether the booking exists).
pub async fn for_staff(
    conn: &impl ConnectionTrait,
    staff: &Staff,
    id: Uuid,
) -> Result<Full, ApiError> {
    let district_admin = staff.role == Role::Admin && staff.scope.kind == ScopeKind::District;
    if staff.scope.kind != ScopeKind::FuneralHome && !district_admin {
        return Err(ApiError::new(Code::Forbidden));
    }
    let full = load(conn, id).await?;
    if covers(staff, &full.0.home_id) {
        Ok(full)
    } else {
        Err(ApiError::new(Code::FuneralBookingNotFound))
    }
}

/// The slots a booking holds, for answers.
pub async fn slots_of(
    conn: &impl ConnectionTrait,
    row: &booking::Model,
) -> Result<(Option<slot::Model>, Option<slot::Model>), ApiError> {
    let get = |id: Option<Uuid>| async move {
        match id {
            Some(id) => slot::Entity::find_by_id(id).one(conn).await,
            None => Ok(None),
        }
    };
    Ok((
        get(row.farewell_slot_id).await?,
        get(row.cremation_slot_id).await?,
    ))
}

/// Moves an active booking to a final status and frees the deceased's key; conditional on
/// the status read, so two enders cannot both release the seats.
pub(super) async fn end(
    conn: &impl ConnectionTrait,
    row: &booking::Model,
    status: &str,
) -> Result<bool, ApiError> {
    let ended = booking::Entity::update_many()
        .col_expr(booking::Column::Status, Expr::value(status))
        .col_expr(
            booking::Column::ActiveKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(booking::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(booking::Column::Id.eq(row.id))
        .filter(booking::Column::Status.eq(&row.status))
        .exec(conn)
        .await?;
    Ok(ended.rows_affected == 1)
}

/// Audits a clerk's step, tells the family and commits.
pub(super) async fn staff_step(
    txn: Tx,
    state: &Context,
    staff: &Staff,
    row: &booking::Model,
    action: &'static str,
    summary: String,
    moment: Moment,
) -> Result<Full, ApiError> {
    record(
        &txn,
        staff_actor(staff),
        action,
        row.id,
        summary,
        staff.request_id.clone(),
    )
    .await?;
    let answer = load(&txn, row.id).await?;
    let home = home(&txn, &row.home_id).await?;
    notify::queue(&txn, state, &answer.0, &home, moment).await?;
    txn.commit().await?;
    Ok(answer)
}

pub(super) fn staff_actor(staff: &Staff) -> Actor {
    Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    }
}

pub(super) fn event(
    actor: Actor,
    action: &'static str,
    id: Uuid,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("funeral_booking", id), summary, request_id)
}

pub(super) async fn record(
    conn: &impl ConnectionTrait,
    actor: Actor,
    action: &'static str,
    id: Uuid,
    summary: String,
    request_id: Option<String>,
) -> Result<(), ApiError> {
    audit::record(conn, event(actor, action, id, summary, request_id)).await?;
    Ok(())
}
