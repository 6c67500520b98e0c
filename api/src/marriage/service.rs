//! Rules of marriage appointments. A booking takes its seat with the scheduling core's
//! conditional update and writes the appointment and its parties in the same
//! transaction; "one active appointment per person" is the unique `active_key`.
use chrono::{Duration, Utc};
use entity::{marriage_appointment as appointment, marriage_party as party};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::domain::{self, BusinessType, PartiesError};
use super::notify::{self, Moment};
use crate::auth::domain::ScopeKind;
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::{IdNumber, Sex};
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor, Event};
use crate::platform::rows::{find_or, transition};
use crate::platform::tx::Tx;
use crate::platform::{context::Context, db::is_unique_violation};
use crate::scheduling::engine::{self as scheduling, Hold};
use crate::scheduling::waitlist;

/// Statuses in which an appointment holds its seat and its parties' active keys.
pub const ACTIVE: [&str; 2] = ["pending_confirmation", "confirmed"];

/// One party as the booker names them.
pub struct NewParty {
    pub name: String,
    pub id: IdNumber,
}

/// Books a slot for the parties; the caller must be one of them, with a verified real
/// name. With `offer`, the caller claims the seat their waitlist entry holds in the slot.
pub async fn book(
    state: &Context,
    citizen: &Citizen,
    office_id: &str,
    kind: BusinessType,
    slot_id: Uuid,
    parties: Vec<NewParty>,
    offer: Option<Uuid>,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let caller_index = identity::verified_index(&state.db, citizen.id).await?;
    let indexes = id_indexes(state, &parties);
    let Some(caller_position) = indexes.iter().position(|i| *i == caller_index) else {
        return Err(ApiError::new(Code::NotAParty));
    };
    let office = scheduling::resource(&state.db, office_id).await?;
    let slot = scheduling::slot(&state.db, slot_id).await?;
    scheduling::gate(&state.db, &office, kind.as_str(), &slot, Utc::now()).await?;
    check_people(state, kind, &parties, &caller_index, slot.date).await?;
    // A divorce appointment needs the joint application, past its cooling-off period.
    let divorce = match kind {
        BusinessType::Divorce => {
            Some(divorce_application_for(&state.db, &office.id, &indexes, slot.date).await?)
        }
        _ => None,
    };
    let txn = state.begin().await?;
    // The seat first: it is the contended row, and a full slot stops here. A waitlist
    // offer already holds one.
    let hold = match offer {
        Some(entry) => Hold::Offer {
            entry,
            citizen: citizen.id,
        },
        None => Hold::Seats(1),
    };
    scheduling::hold(&txn, &slot, hold).await?;
    let booking = Booking {
        booker: citizen.id,
        caller_position,
        request_id: citizen.request_id.clone(),
        office: &office,
        kind,
        slot: &slot,
        parties: &parties,
        indexes: &indexes,
    };
    let answer = write_appointment(&txn, state, booking, divorce.as_ref()).await?;
    txn.commit().await?;
    Ok(answer)
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

/// An appointment about to be written, its seat already taken.
pub struct Booking<'a> {
    pub booker: Uuid,
    /// Which party the booker is (they count as confirmed).
    pub caller_position: usize,
    pub request_id: Option<String>,
    pub office: &'a entity::resource::Model,
    pub kind: BusinessType,
    pub slot: &'a entity::slot::Model,
    pub parties: &'a [NewParty],
    pub indexes: &'a [String],
}

/// Writes the appointment and its parties in the caller's transaction, after its seat was
/// taken: "one active appointment per person" is the unique `active_key`, so a booker
/// with another active appointment fails here whatever the timing. Only the booker's key
/// is taken now: another party's is taken when they confirm, so that naming someone's ID
/// number neither blocks their own booking nor tells the booker whether they hold one.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn write_appointment(
    txn: &Tx,
    state: &Context,
    b: Booking<'_>,
    divorce: Option<&entity::divorce_application::Model>,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let now = Utc::now();
    let all_confirmed = b.parties.len() == 1;
    let row = appointment::Model {
        id: Uuid::now_v7(),
        code: domain::booking_code(),
        office_id: b.office.id.clone(),
        business_type: b.kind.as_str().into(),
        slot_id: b.slot.id,
        date: b.slot.date,
        starts_at: b.slot.starts_at,
        booked_by: b.booker,
        status: if all_confirmed {
            "confirmed"
        } else {
            "pending_confirmation"
        }
        .into(),
        // Never later than the slot itself.
        confirm_deadline: (now + Duration::hours(state.config.marriage_confirm_hours))
            .min(b.slot.starts_at),
        created_at: now,
        updated_at: now,
        reminded_at: None,
    };
    appointment::Entity::insert(active(&row)).exec(txn).await?;
    let mut party_rows = Vec::new();
    for (position, (p, index)) in b.parties.iter().zip(b.indexes).enumerate() {
        let is_caller = position == b.caller_position;
        let party_row = party::Model {
            id: Uuid::now_v7(),
            appointment_id: row.id,
            position: position as i32 + 1,
            name_sealed: state.sealer.seal(&p.name),
            id_number_sealed: state.sealer.seal(p.id.expose()),
            id_number_index: index.clone(),
            id_number_masked: p.id.masked(),
            sex: if p.id.sex() == Sex::Male {
                "male"
            } else {
                "female"
            }
            .into(),
            citizen_id: is_caller.then_some(b.booker),
            confirmed_at: is_caller.then_some(now),
            active_key: is_caller.then(|| index.clone()),
        };
        match party::Entity::insert(party_active(&party_row))
            .exec(txn)
            .await
        {
            Ok(_) => party_rows.push(party_row),
            Err(e) if is_unique_violation(&e) => {
                return Err(
                    ApiError::new(Code::PartyHasActiveBooking).with_field(FieldError {
                        field: format!("parties[{position}].id_number"),
                        reason: "active_booking",
                        message: Message::new(
                            "该当事人已有未完成的预约",
                            "this party already holds an active appointment",
                        ),
                    }),
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    // One active appointment per person: the places the booker holds in line are of no
    // use now (another party's end when they confirm).
    if let Some(index) = b.indexes.get(b.caller_position) {
        waitlist::end_for_person(txn, state, index, &BusinessType::ALL).await?;
    }
    if let Some(application) = divorce {
        // Booked once: the application moves on, so a second booking finds none.
        // Withdrawn or booked by someone else meanwhile: no appointment then.
        transition(
            txn,
            entity::divorce_application::Entity::update_many()
                .col_expr(
                    entity::divorce_application::Column::Status,
                    Expr::value("booked"),
                )
                .col_expr(
                    entity::divorce_application::Column::AppointmentId,
                    Expr::value(row.id),
                )
                .filter(entity::divorce_application::Column::Id.eq(application.id))
                .filter(entity::divorce_application::Column::Status.eq("cooling_off")),
            Code::DivorceApplicationRequired,
        )
        .await?;
    }
    let summary = format!(
        "booked {} on {} for {}",
        b.kind.as_str(),
        b.slot.date,
        masked(&party_rows)
    );
    audit::record(
        txn,
        event(
            Actor::Citizen(b.booker),
            "marriage.appointment.book",
            row.id,
            summary,
            b.request_id,
        ),
    )
    .await?;
    let moment = if all_confirmed {
        Moment::Confirmed
    } else {
        Moment::Booked
    };
    notify::queue(txn, state, &row, &party_rows, b.office, moment).await?;
    Ok((row, party_rows))
}

fn parties_error(e: PartiesError) -> ApiError {
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

pub(super) fn masked(parties: &[party::Model]) -> String {
    parties
        .iter()
        .map(|p| p.id_number_masked.clone())
        .collect::<Vec<_>>()
        .join(" & ")
}

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

/// Cancels an active appointment (a party may), until the office's cancel time before
/// the slot; the seat and the parties' active keys are freed in the same transaction.
pub async fn cancel(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let txn = state.begin().await?;
    let (row, parties) = load_for_citizen(&txn, citizen, id).await?;
    if !ACTIVE.contains(&row.status.as_str()) {
        return Err(ApiError::new(Code::AppointmentState));
    }
    let office = scheduling::resource(&txn, &row.office_id).await?;
    if Utc::now() >= row.starts_at - Duration::minutes(i64::from(office.cancel_minutes)) {
        return Err(ApiError::new(Code::CancelClosed));
    }
    if !end(&txn, state, &row, "cancelled").await? {
        return Err(ApiError::new(Code::AppointmentState));
    }
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "marriage.appointment.cancel",
            id,
            format!("cancelled, {}", masked(&parties)),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    let answer = load(&txn, id).await?;
    txn.commit().await?;
    Ok(answer)
}

/// Moves an active appointment to a final status, giving its seat and keys back. The
/// status change is conditional, so two enders cannot both release the seat.
pub(super) async fn end(
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

async fn set_status(
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

pub(super) async fn load(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let row = find_or::<appointment::Entity>(conn, id, Code::AppointmentNotFound).await?;
    let parties = party::Entity::find()
        .filter(party::Column::AppointmentId.eq(id))
        .order_by_asc(party::Column::Position)
        .all(conn)
        .await?;
    Ok((row, parties))
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

/// The citizen's appointments (booked or as a party), newest first.
pub async fn list_for_citizen(
    state: &Context,
    citizen: &Citizen,
) -> Result<Vec<(appointment::Model, Vec<party::Model>)>, ApiError> {
    let index = identity::verified_index(&state.db, citizen.id).await.ok();
    let mut ids: Vec<Uuid> = appointment::Entity::find()
        .filter(appointment::Column::BookedBy.eq(citizen.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    if let Some(index) = index {
        let as_party = party::Entity::find()
            .filter(party::Column::IdNumberIndex.eq(index))
            .all(&state.db)
            .await?;
        ids.extend(as_party.into_iter().map(|p| p.appointment_id));
    }
    ids.sort();
    ids.dedup();
    ids.reverse();
    let mut out = Vec::new();
    for id in ids {
        out.push(load(&state.db, id).await?);
    }
    Ok(out)
}

/// Whether a staff member works for this office (or is a district admin).
pub fn covers(staff: &Staff, office_id: &str) -> bool {
    staff.works_at(ScopeKind::Office, office_id)
}

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
async fn record_lookup(
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

/// A desk action on an appointment of the clerk's office: `check_in` (confirmed →
/// checked_in), `complete` (checked_in → completed), `no_show` (confirmed → no_show).
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn desk_action(
    state: &Context,
    staff: &Staff,
    id: Uuid,
    action: &str,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let txn = state.begin().await?;
    let (row, _) = load(&txn, id).await?;
    if !covers(staff, &row.office_id) {
        return Err(ApiError::new(Code::AppointmentNotFound));
    }
    let changed = match action {
        "check_in" if row.date != crate::platform::clock::today() => {
            return Err(
                ApiError::new(Code::AppointmentState).with_detail(Message::new(
                    "只能在预约当天签到",
                    "check-in is on the appointment day only",
                )),
            );
        }
        "check_in" => set_status(&txn, id, "confirmed", "checked_in").await?,
        "complete" => {
            let done = set_status(&txn, id, "checked_in", "completed").await?;
            if done {
                free_keys(&txn, id).await?;
                entity::divorce_application::Entity::update_many()
                    .col_expr(
                        entity::divorce_application::Column::Status,
                        Expr::value("completed"),
                    )
                    .filter(entity::divorce_application::Column::AppointmentId.eq(id))
                    .exec(&txn)
                    .await?;
            }
            done
        }
        // A no-show keeps its seat counted (the slot has passed) but frees the people.
        "no_show" if Utc::now() < row.starts_at => {
            return Err(
                ApiError::new(Code::AppointmentState).with_detail(Message::new(
                    "预约时段尚未开始，不能记为未到",
                    "the slot has not started yet",
                )),
            );
        }
        "no_show" => {
            let done = set_status(&txn, id, "confirmed", "no_show").await?;
            if done {
                free_keys(&txn, id).await?;
                // A missed certificate appointment ends the divorce application: counted as withdrawn.
                entity::divorce_application::Entity::update_many()
                    .col_expr(
                        entity::divorce_application::Column::Status,
                        Expr::value("lapsed"),
                    )
                    .filter(entity::divorce_application::Column::AppointmentId.eq(id))
                    .exec(&txn)
                    .await?;
            }
            done
        }
        "undo_no_show" => undo_no_show(&txn, &row).await?,
        _ => false,
    };
    if !changed {
        return Err(ApiError::new(Code::AppointmentState));
    }
    let actor = Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    };
    let action_name = match action {
        "check_in" => "marriage.appointment.check_in",
        "complete" => "marriage.appointment.complete",
        "undo_no_show" => "marriage.appointment.no_show_undone",
        _ => "marriage.appointment.no_show",
    };
    audit::record(
        &txn,
        event(
            actor,
            action_name,
            id,
            format!("{action} at the desk"),
            staff.request_id.clone(),
        ),
    )
    .await?;
    let answer = load(&txn, id).await?;
    txn.commit().await?;
    Ok(answer)
}

/// How long a desk may take back a no-show it recorded: a slip of the hand next to 签到
/// must not count towards a booking block.
pub const NO_SHOW_UNDO_MINUTES: i64 = 10;

/// Takes back a no-show recorded in the last [`NO_SHOW_UNDO_MINUTES`]: the appointment is
/// confirmed again, its parties hold it again (unless one booked another meanwhile:
/// `marriage.party_has_active_booking`) and a divorce application it ended is booked again.
async fn undo_no_show(
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

async fn free_keys(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), ApiError> {
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

fn active(m: &appointment::Model) -> appointment::ActiveModel {
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

fn party_active(p: &party::Model) -> party::ActiveModel {
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

pub(super) fn event(
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

/// Records a joint divorce application handed in at the desk today by both parties:
/// the cooling-off period starts the next day.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn record_divorce_application(
    state: &Context,
    staff: &Staff,
    office_id: &str,
    parties: Vec<NewParty>,
) -> Result<entity::divorce_application::Model, ApiError> {
    use entity::divorce_application as application;
    if !covers(staff, office_id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    scheduling::resource(&state.db, office_id).await?;
    let ids: Vec<IdNumber> = parties.iter().map(|p| p.id.clone()).collect();
    domain::check_parties(BusinessType::Divorce, &ids, crate::platform::clock::today())
        .map_err(parties_error)?;
    let today = crate::platform::clock::today();
    let calendar = scheduling::calendar(&state.db, today, today + Duration::days(120)).await?;
    let working = |date: chrono::NaiveDate| {
        crate::scheduling::domain::is_working_day(date, calendar.get(&date).copied())
    };
    let (cooling_off_ends, certificate_by) = domain::divorce_dates(today, working);
    let now = Utc::now();
    let row = application::ActiveModel {
        id: Set(Uuid::now_v7()),
        office_id: Set(office_id.to_owned()),
        received_on: Set(today),
        cooling_off_ends: Set(cooling_off_ends),
        certificate_by: Set(certificate_by),
        status: Set("cooling_off".into()),
        party1_index: Set(identity::id_index(&state.sealer, &ids[0])),
        party2_index: Set(identity::id_index(&state.sealer, &ids[1])),
        party1_masked: Set(ids[0].masked()),
        party2_masked: Set(ids[1].masked()),
        recorded_by: Set(staff.id),
        appointment_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = state.begin().await?;
    let indexes = [
        identity::id_index(&state.sealer, &ids[0]),
        identity::id_index(&state.sealer, &ids[1]),
    ];
    let active = application::Entity::find()
        .filter(application::Column::Status.is_in(["cooling_off", "booked"]))
        .filter(
            sea_orm::Condition::any()
                .add(application::Column::Party1Index.is_in(indexes.clone()))
                .add(application::Column::Party2Index.is_in(indexes)),
        )
        .one(&txn)
        .await?;
    if active.is_some() {
        return Err(
            ApiError::new(Code::PartyHasActiveBooking).with_detail(Message::new(
                "当事人已有未结束的离婚申请",
                "a party already has an open divorce application",
            )),
        );
    }
    let saved = application::Entity::insert(row)
        .exec_with_returning(&txn)
        .await?;
    let actor = Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    };
    let summary = format!(
        "divorce application of {} & {}; cooling-off until {cooling_off_ends}, certificate by {certificate_by}",
        saved.party1_masked, saved.party2_masked
    );
    audit::record(
        &txn,
        Event {
            actor,
            action: "marriage.divorce.apply",
            target_kind: "divorce_application",
            target_id: saved.id.to_string(),
            summary,
            request_id: staff.request_id.clone(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The divorce applications the caller is a party of.
pub async fn my_divorce_applications(
    state: &Context,
    citizen: &Citizen,
) -> Result<Vec<entity::divorce_application::Model>, ApiError> {
    use entity::divorce_application as application;
    let index = identity::verified_index(&state.db, citizen.id).await?;
    Ok(application::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(application::Column::Party1Index.eq(&index))
                .add(application::Column::Party2Index.eq(&index)),
        )
        .order_by_desc(application::Column::CreatedAt)
        .all(&state.db)
        .await?)
}

/// Either party withdraws during the cooling-off period (until its last day, inclusive).
pub async fn withdraw_divorce_application(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<entity::divorce_application::Model, ApiError> {
    use entity::divorce_application as application;
    let index = identity::verified_index(&state.db, citizen.id).await?;
    let txn = state.begin().await?;
    let row = application::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|a| a.party1_index == index || a.party2_index == index)
        .ok_or_else(|| ApiError::new(Code::DivorceApplicationNotFound))?;
    let open = matches!(row.status.as_str(), "cooling_off" | "booked");
    if !open || crate::platform::clock::today() > row.cooling_off_ends {
        return Err(ApiError::new(Code::AppointmentState));
    }
    // Withdrawing ends a certificate appointment booked early, seat and all.
    if let Some(appointment_id) = row.appointment_id
        && let Some(booked) = appointment::Entity::find_by_id(appointment_id)
            .one(&txn)
            .await?
    {
        end(&txn, state, &booked, "cancelled").await?;
    }
    application::Entity::update_many()
        .col_expr(application::Column::Status, Expr::value("withdrawn"))
        .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(application::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Event {
            actor: Actor::Citizen(citizen.id),
            action: "marriage.divorce.withdraw",
            target_kind: "divorce_application",
            target_id: id.to_string(),
            summary: "withdrawn during the cooling-off period".into(),
            request_id: citizen.request_id.clone(),
        },
    )
    .await?;
    let updated =
        find_or::<application::Entity>(&txn, id, Code::DivorceApplicationNotFound).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The application that allows a divorce appointment for these two people at this office
/// on `date`: after the cooling-off period, within the certificate window.
async fn divorce_application_for(
    conn: &impl ConnectionTrait,
    office_id: &str,
    indexes: &[String],
    date: chrono::NaiveDate,
) -> Result<entity::divorce_application::Model, ApiError> {
    use entity::divorce_application as application;
    let (a, b) = (&indexes[0], &indexes[1]);
    let found = application::Entity::find()
        .filter(application::Column::OfficeId.eq(office_id))
        .filter(application::Column::Status.eq("cooling_off"))
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(application::Column::Party1Index.eq(a))
                        .add(application::Column::Party2Index.eq(b)),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(application::Column::Party1Index.eq(b))
                        .add(application::Column::Party2Index.eq(a)),
                ),
        )
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::new(Code::DivorceApplicationRequired))?;
    if date <= found.cooling_off_ends || date > found.certificate_by {
        return Err(
            ApiError::new(Code::OutsideDivorceWindow).with_detail(Message::new(
                format!(
                    "离婚登记须预约在 {} 之后、{} 之前（含）",
                    found.cooling_off_ends, found.certificate_by
                ),
                format!(
                    "book a day after {} and on or before {}",
                    found.cooling_off_ends, found.certificate_by
                ),
            )),
        );
    }
    Ok(found)
}

/// Applications nobody booked a certificate appointment for in time lapse (count as withdrawn).
pub async fn lapse_divorce_applications(state: &Context) -> Result<u64, ApiError> {
    use entity::divorce_application as application;
    let lapsed = application::Entity::update_many()
        .col_expr(application::Column::Status, Expr::value("lapsed"))
        .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(application::Column::Status.eq("cooling_off"))
        .filter(application::Column::CertificateBy.lt(crate::platform::clock::today()))
        .exec(&state.db)
        .await?;
    Ok(lapsed.rows_affected)
}

/// Refuses one person blocked for no-shows (before they join a waitlist).
pub async fn check_not_blocked(state: &Context, index: &str) -> Result<(), ApiError> {
    check_no_shows(state, &[index.to_owned()]).await
}

/// Refuses a booking when a party missed `no_show_limit` appointments within
/// `no_show_window_days`, until `no_show_block_days` after the last one.
async fn check_no_shows(state: &Context, indexes: &[String]) -> Result<(), ApiError> {
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

/// Moves an active appointment to another slot of the same office and business type, in
/// one transaction: the new seat is taken first (or `scheduling.slot_full`), the old one
/// given back. Allowed until the office's cancel time before the old slot.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn reschedule(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
    slot_id: Uuid,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let (row, parties) = load_for_citizen(&state.db, citizen, id).await?;
    if !ACTIVE.contains(&row.status.as_str()) {
        return Err(ApiError::new(Code::AppointmentState));
    }
    let office = scheduling::resource(&state.db, &row.office_id).await?;
    let now = Utc::now();
    if now >= row.starts_at - Duration::minutes(i64::from(office.cancel_minutes)) {
        return Err(ApiError::new(Code::CancelClosed));
    }
    let slot = scheduling::slot(&state.db, slot_id).await?;
    if slot.id == row.slot_id {
        return Err(ApiError::new(Code::SlotNotFound));
    }
    scheduling::gate(&state.db, &office, &row.business_type, &slot, now).await?;
    let kind = BusinessType::parse(&row.business_type)
        .ok_or_else(|| ApiError::internal("unknown business type"))?;
    if kind == BusinessType::Marriage {
        // The ages are checked again on the new date.
        for (i, p) in parties.iter().enumerate() {
            let id = crate::identity::service::open_id_number(state, &p.id_number_sealed)?;
            let min = if id.sex() == Sex::Male {
                domain::MIN_AGE_MEN
            } else {
                domain::MIN_AGE_WOMEN
            };
            if id.age_on(slot.date) < min {
                return Err(parties_error(PartiesError::UnderAge(i)));
            }
        }
    }
    if kind == BusinessType::Divorce {
        let indexes: Vec<String> = parties.iter().map(|p| p.id_number_index.clone()).collect();
        let application = entity::divorce_application::Entity::find()
            .filter(entity::divorce_application::Column::AppointmentId.eq(row.id))
            .one(&state.db)
            .await?
            .ok_or_else(|| ApiError::new(Code::DivorceApplicationRequired))?;
        if slot.date <= application.cooling_off_ends
            || slot.date > application.certificate_by
            || indexes.len() != 2
        {
            return Err(ApiError::new(Code::OutsideDivorceWindow));
        }
    }
    let txn = state.begin().await?;
    scheduling::hold(&txn, &slot, Hold::Seats(1)).await?;
    // Cancelled, expired or moved meanwhile: the transaction rolls back the new seat.
    transition(
        &txn,
        appointment::Entity::update_many()
            .col_expr(appointment::Column::SlotId, Expr::value(slot.id))
            .col_expr(appointment::Column::Date, Expr::value(slot.date))
            .col_expr(appointment::Column::StartsAt, Expr::value(slot.starts_at))
            .col_expr(
                appointment::Column::RemindedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(appointment::Column::UpdatedAt, Expr::value(now))
            .filter(appointment::Column::Id.eq(id))
            .filter(appointment::Column::SlotId.eq(row.slot_id))
            .filter(appointment::Column::Status.is_in(ACTIVE)),
        Code::AppointmentState,
    )
    .await?;
    scheduling::release(&txn, state, row.slot_id, 1).await?;
    let summary = format!(
        "moved from {} to {}",
        clock_text(row.starts_at),
        clock_text(slot.starts_at)
    );
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "marriage.appointment.reschedule",
            id,
            summary,
            citizen.request_id.clone(),
        ),
    )
    .await?;
    let (updated, parties) = load(&txn, id).await?;
    if updated.status == "confirmed" {
        notify::queue(&txn, state, &updated, &parties, &office, Moment::Confirmed).await?;
    }
    txn.commit().await?;
    Ok((updated, parties))
}

fn clock_text(t: chrono::DateTime<Utc>) -> String {
    crate::platform::clock::format(t)
}
