//! The registration desk: the day's sheet, looking an appointment up, checking in,
//! completing, no-shows and their undo.
use chrono::{Duration, Utc};
use entity::{marriage_appointment as appointment, marriage_party as party};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::rules::{covers, event, free_keys, load, set_status};
use crate::auth::extract::Staff;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::service as identity;
use crate::marriage::domain;
use crate::marriage::states::AppointmentStatus;
use crate::marriage::status::{DeskAction, next};
use crate::platform::audit::{self, Actor};
use crate::platform::tx::Tx;
use crate::platform::{context::Context, db::is_unique_violation};

/// The day's appointments of an office for the desk, by slot time.
pub async fn day_sheet(
    state: &Context,
    staff: &Staff,
    office_id: &str,
    date: chrono::NaiveDate,
    status: Option<String>,
    slot_id: Option<Uuid>,
) -> Result<Vec<(appointment::Model, Vec<party::Model>)>, ApiError> {
    if !covers(staff, office_id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let mut find = appointment::Entity::find()
        .filter(appointment::Column::OfficeId.eq(office_id))
        .filter(appointment::Column::Date.eq(date))
        .order_by_asc(appointment::Column::StartsAt)
        .order_by_asc(appointment::Column::Id);
    if let Some(status) = status {
        find = find.filter(appointment::Column::Status.eq(status));
    }
    if let Some(slot_id) = slot_id {
        find = find.filter(appointment::Column::SlotId.eq(slot_id));
    }
    let rows = find.all(&state.db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(load(&state.db, row.id).await?);
    }
    Ok(out)
}

/// Finds appointments by booking code, QR content or a party's ID number, within the
/// clerk's offices.
pub async fn desk_lookup(
    state: &Context,
    staff: &Staff,
    query: &str,
) -> Result<Vec<(appointment::Model, Vec<party::Model>)>, ApiError> {
    let ids: Vec<Uuid> = if let Some(code) = domain::code_from_input(query) {
        appointment::Entity::find()
            .filter(appointment::Column::Code.eq(code))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect()
    } else if let Ok(id) = identity::parse_id_number("q", query) {
        let index = identity::id_index(&state.sealer, &id);
        party::Entity::find()
            .filter(party::Column::IdNumberIndex.eq(index))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|p| p.appointment_id)
            .collect()
    } else {
        return Err(ApiError::new(Code::InvalidQuery).with_field(FieldError {
            field: "q".into(),
            reason: "format",
            message: Message::new(
                "请输入预约码、扫码内容或身份证号码",
                "a booking code, scanned QR content or an ID number",
            ),
        }));
    };
    let mut out = Vec::new();
    for id in ids {
        let (row, parties) = load(&state.db, id).await?;
        if covers(staff, &row.office_id) {
            record_lookup(state, staff, &row, &parties).await?;
            out.push((row, parties));
        }
    }
    Ok(out)
}

/// A desk's look-up shows the parties' names and masked numbers: a read of each party's
/// data, written to the access log.
pub(super) async fn record_lookup(
    state: &Context,
    staff: &Staff,
    row: &appointment::Model,
    parties: &[party::Model],
) -> Result<(), ApiError> {
    use crate::identity::access::{self, AccessKind, Read};
    let target = row.id.to_string();
    let read = Read {
        kind: AccessKind::DeskLookup,
        target_kind: "marriage_appointment",
        target_id: &target,
    };
    let subjects: Vec<String> = parties.iter().map(|p| p.id_number_index.clone()).collect();
    access::record(&state.db, staff, &read, &subjects).await
}

/// A desk step on an appointment of the clerk's office; which status it needs and
/// leaves is `status::next` (check-in: confirmed → checked_in, complete: checked_in →
/// completed, no-show: confirmed → no_show, its undo: no_show → confirmed).
pub async fn desk_action(
    state: &Context,
    staff: &Staff,
    id: Uuid,
    action: DeskAction,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let txn = state.begin().await?;
    let (row, _) = load(&txn, id).await?;
    if !covers(staff, &row.office_id) {
        return Err(ApiError::new(Code::AppointmentNotFound));
    }
    check_desk_moment(&row, action)?;
    let Some(to) = AppointmentStatus::from_stored(&row.status).and_then(|s| next(s, action)) else {
        return Err(ApiError::new(Code::AppointmentState));
    };
    let changed = match action {
        DeskAction::UndoNoShow => undo_no_show(&txn, &row).await?,
        _ => set_status(&txn, id, &row.status, to.as_str()).await?,
    };
    if !changed {
        return Err(ApiError::new(Code::AppointmentState));
    }
    match action {
        DeskAction::Complete => end_at_desk(&txn, id, "completed").await?,
        // A no-show keeps its seat counted (the slot has passed) but frees the people; a
        // missed certificate appointment ends the divorce application, counted as withdrawn.
        DeskAction::NoShow => end_at_desk(&txn, id, "lapsed").await?,
        DeskAction::CheckIn | DeskAction::UndoNoShow => {}
    }
    let actor = Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    };
    let summary = format!("{} at the desk", action.as_str());
    let e = event(
        actor,
        action.audit_action(),
        id,
        summary,
        staff.request_id.clone(),
    );
    audit::record(&txn, e).await?;
    let answer = load(&txn, id).await?;
    txn.commit().await?;
    Ok(answer)
}

/// The moment a step needs: check-in on the appointment's day, a no-show once its slot
/// has begun.
fn check_desk_moment(row: &appointment::Model, action: DeskAction) -> Result<(), ApiError> {
    let refused = |zh: &'static str, en: &'static str| {
        Err(ApiError::new(Code::AppointmentState).with_detail(Message::new(zh, en)))
    };
    match action {
        DeskAction::CheckIn if row.date != crate::platform::clock::today() => refused(
            "只能在预约当天签到",
            "check-in is on the appointment day only",
        ),
        DeskAction::NoShow if Utc::now() < row.starts_at => refused(
            "预约时段尚未开始，不能记为未到",
            "the slot has not started yet",
        ),
        _ => Ok(()),
    }
}

/// An appointment the desk finished (completed, or a no-show): its parties' keys are
/// free, and its divorce application, if any, ends with it (`divorce_status`).
async fn end_at_desk(txn: &Tx, id: Uuid, divorce_status: &str) -> Result<(), ApiError> {
    free_keys(txn, id).await?;
    entity::divorce_application::Entity::update_many()
        .col_expr(
            entity::divorce_application::Column::Status,
            Expr::value(divorce_status),
        )
        .filter(entity::divorce_application::Column::AppointmentId.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// How long a desk may take back a no-show it recorded: a slip of the hand next to 签到
/// must not count towards a booking block.
pub const NO_SHOW_UNDO_MINUTES: i64 = 10;

/// Takes back a no-show recorded in the last [`NO_SHOW_UNDO_MINUTES`]: the appointment is
/// confirmed again, its parties hold it again (unless one booked another meanwhile:
/// `marriage.party_has_active_booking`) and a divorce application it ended is booked again.
pub(super) async fn undo_no_show(
    txn: &impl ConnectionTrait,
    row: &appointment::Model,
) -> Result<bool, ApiError> {
    if row.status == "no_show"
        && Utc::now() - row.updated_at > Duration::minutes(NO_SHOW_UNDO_MINUTES)
    {
        return Err(
            ApiError::new(Code::AppointmentState).with_detail(Message::new(
                format!("只能在记为未到后 {NO_SHOW_UNDO_MINUTES} 分钟内撤销"),
                format!("a no-show can be undone within {NO_SHOW_UNDO_MINUTES} minutes only"),
            )),
        );
    }
    if !set_status(txn, row.id, "no_show", "confirmed").await? {
        return Ok(false);
    }
    let restored = party::Entity::update_many()
        .col_expr(
            party::Column::ActiveKey,
            Expr::col(party::Column::IdNumberIndex),
        )
        .filter(party::Column::AppointmentId.eq(row.id))
        .exec(txn)
        .await;
    match restored {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::new(Code::PartyHasActiveBooking));
        }
        Err(e) => return Err(e.into()),
    }
    entity::divorce_application::Entity::update_many()
        .col_expr(
            entity::divorce_application::Column::Status,
            Expr::value("booked"),
        )
        .filter(entity::divorce_application::Column::AppointmentId.eq(row.id))
        .filter(entity::divorce_application::Column::Status.eq("lapsed"))
        .exec(txn)
        .await?;
    Ok(true)
}
