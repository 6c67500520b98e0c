//! Marriage registration by draw on rush days (5.20, 七夕, 2.14): couples hand in one
//! request for the day during the window; after it closes the draw ranks the requests
//! (`scheduling::draw::order`) and books the winners, in rank order, into the day's slots
//! by time until the seats run out. One transaction does the whole draw, with a savepoint
//! per winner: a winner who no longer qualifies (say, booked elsewhere meanwhile) is
//! recorded as `failed` and the seat goes to the next rank.
use std::collections::BTreeMap;

use chrono::Utc;
use entity::{draw, draw_entrant as entrant, draw_request as request};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::domain::BusinessType;
use super::service::{self, Booking, NewParty};
use crate::auth::citizen::{Notice, notify};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor};
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::crypto::sha256_hex;
use crate::platform::db::is_unique_violation;
use crate::platform::rows::{find_or, transition};
use crate::platform::tx::Tx;
use crate::scheduling::draw::{self as lottery, event};
use crate::scheduling::engine::{self as scheduling, Hold};

/// What a request keeps, sealed: the parties as named, and which one handed it in.
#[derive(Serialize, Deserialize)]
struct Payload {
    caller_position: usize,
    parties: Vec<(String, String)>,
}

/// Hands in a request for a draw: the caller must be a party with a verified real name;
/// the parties must fit the business type on the day; a requester holds one request a
/// day (a unique constraint on the day and the person). The other parties are not held:
/// naming someone must not keep them from handing in their own, nor tell the requester
/// that they did; a person wins at most one seat of a draw (see [`run`]).
pub async fn hand_in(
    state: &Context,
    citizen: &Citizen,
    draw_id: Uuid,
    parties: Vec<NewParty>,
) -> Result<request::Model, ApiError> {
    let d = lottery::get(&state.db, draw_id).await?;
    if lottery::phase(&d, Utc::now()) != "collecting" {
        return Err(ApiError::new(Code::DrawNotOpen));
    }
    let kind = BusinessType::parse(&d.business_type)
        .ok_or_else(|| ApiError::internal("a draw of an unknown business type"))?;
    let caller_index = identity::verified_index(&state.db, citizen.id).await?;
    let indexes = service::id_indexes(state, &parties);
    let Some(caller_position) = indexes.iter().position(|i| *i == caller_index) else {
        return Err(ApiError::new(Code::NotAParty));
    };
    service::check_people(state, kind, &parties, &caller_index, d.date).await?;
    let payload = Payload {
        caller_position,
        parties: parties
            .iter()
            .map(|p| (p.name.clone(), p.id.expose().to_owned()))
            .collect(),
    };
    let now = Utc::now();
    let row = request::ActiveModel {
        id: Set(Uuid::now_v7()),
        draw_id: Set(d.id),
        citizen_id: Set(citizen.id),
        payload_sealed: Set(state
            .sealer
            .seal(&serde_json::to_string(&payload).map_err(ApiError::internal)?)),
        status: Set("pending".into()),
        rank: Set(None),
        appointment_id: Set(None),
        reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = state.begin().await?;
    lottery::lock_collecting(&txn, d.id, Utc::now()).await?;
    let saved = request::Entity::insert(row)
        .exec_with_returning(&txn)
        .await?;
    hold_entrants(&txn, citizen, &saved, d.date, &indexes, caller_position).await?;
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "marriage.draw.request",
            d.id,
            format!("request {} handed in", saved.id),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// One entrant row a person and day. The requester's own is theirs whatever the timing
/// (a second request of theirs is `scheduling.already_requested`); a row that merely
/// names them in someone else's request gives way to it. A named party who is in
/// another request already is left out silently: the requester learns nothing of them.
async fn hold_entrants(
    txn: &sea_orm::DatabaseTransaction,
    citizen: &Citizen,
    saved: &request::Model,
    date: chrono::NaiveDate,
    indexes: &[String],
    caller_position: usize,
) -> Result<(), ApiError> {
    let caller_index = &indexes[caller_position];
    let held = entrant::Entity::find()
        .filter(entrant::Column::Date.eq(date))
        .filter(entrant::Column::SubjectKey.eq(caller_index))
        .one(txn)
        .await?;
    if let Some(held) = held {
        let own = request::Entity::find_by_id(held.request_id)
            .one(txn)
            .await?
            .is_some_and(|r| r.citizen_id == citizen.id);
        if own {
            return Err(already_requested(caller_position));
        }
        entrant::Entity::delete_by_id(held.id).exec(txn).await?;
    }
    for (position, index) in indexes.iter().enumerate() {
        let person = entrant::ActiveModel {
            id: Set(Uuid::now_v7()),
            request_id: Set(saved.id),
            date: Set(date),
            subject_key: Set(index.clone()),
        };
        let insert = entrant::Entity::insert(person);
        if position == caller_position {
            match insert.exec(txn).await {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => return Err(already_requested(position)),
                Err(e) => return Err(e.into()),
            }
        } else {
            insert
                .on_conflict(
                    OnConflict::columns([entrant::Column::Date, entrant::Column::SubjectKey])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
        }
    }
    Ok(())
}

fn already_requested(position: usize) -> ApiError {
    ApiError::new(Code::AlreadyRequested).with_field(FieldError {
        field: format!("parties[{position}].id_number"),
        reason: "already_requested",
        message: Message::new(
            "您当天已有摇号申请",
            "you already hold a draw request for the day",
        ),
    })
}

/// The requester, or anyone named in the request (nobody is held in a draw they did not
/// agree to), withdraws it while the window is open; the people in it may then hand in
/// another.
pub async fn withdraw(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<request::Model, ApiError> {
    let txn = state.begin().await?;
    let r = mine(&txn, citizen, id).await?;
    lottery::lock_collecting(&txn, r.draw_id, Utc::now()).await?;
    let d = lottery::get(&txn, r.draw_id).await?;
    transition(
        &txn,
        request::Entity::update_many()
            .col_expr(request::Column::Status, Expr::value("withdrawn"))
            .col_expr(request::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(request::Column::Id.eq(id))
            .filter(request::Column::Status.eq("pending")),
        Code::DrawNotOpen,
    )
    .await?;
    entrant::Entity::delete_many()
        .filter(entrant::Column::RequestId.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "marriage.draw.withdraw",
            d.id,
            format!("request {id} withdrawn"),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    let saved = find_or::<request::Entity>(&txn, id, Code::DrawRequestNotFound).await?;
    txn.commit().await?;
    Ok(saved)
}

/// A request the caller handed in or is named in, or 404.
pub async fn mine(
    conn: &impl ConnectionTrait,
    citizen: &Citizen,
    id: Uuid,
) -> Result<request::Model, ApiError> {
    let found = find_or::<request::Entity>(conn, id, Code::DrawRequestNotFound).await?;
    if found.citizen_id == citizen.id || named_in(conn, citizen).await?.contains(&found.id) {
        Ok(found)
    } else {
        Err(ApiError::new(Code::DrawRequestNotFound))
    }
}

/// The requests naming the caller (by their verified ID number).
async fn named_in(conn: &impl ConnectionTrait, citizen: &Citizen) -> Result<Vec<Uuid>, ApiError> {
    let Ok(index) = identity::verified_index(conn, citizen.id).await else {
        return Ok(Vec::new());
    };
    Ok(entrant::Entity::find()
        .filter(entrant::Column::SubjectKey.eq(index))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.request_id)
        .collect())
}

/// The requests the caller handed in or is named in, newest first.
pub async fn list_mine(
    state: &Context,
    citizen: &Citizen,
) -> Result<Vec<request::Model>, ApiError> {
    let named = named_in(&state.db, citizen).await?;
    Ok(request::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(request::Column::CitizenId.eq(citizen.id))
                .add(request::Column::Id.is_in(named)),
        )
        .order_by_desc(request::Column::CreatedAt)
        .all(&state.db)
        .await?)
}

/// The published ranking of a drawn draw: request ids in rank order.
pub async fn ranking(conn: &impl ConnectionTrait, d: &draw::Model) -> Result<Vec<Uuid>, ApiError> {
    if d.status != "drawn" {
        return Ok(Vec::new());
    }
    Ok(request::Entity::find()
        .filter(request::Column::DrawId.eq(d.id))
        .filter(request::Column::Rank.is_not_null())
        .order_by_asc(request::Column::Rank)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// Runs every marriage draw whose window has closed (the sweeper calls this).
pub async fn run_due(state: &Context) -> Result<usize, ApiError> {
    let mut ran = 0;
    for d in lottery::due(&state.db, Utc::now()).await? {
        let office = scheduling::resource(&state.db, &d.resource_id).await?;
        if office.kind != "marriage_office" {
            continue;
        }
        match run(state, d.id, Actor::System, None).await {
            Ok(_) => ran += 1,
            // Another instance drew it first.
            Err(e) if e.code == Code::DrawNotClosed => {}
            // One failing draw must not hold up the others.
            Err(e) => {
                tracing::error!(draw = %d.id, code = e.code.as_str(), "marriage: a draw failed")
            }
        }
    }
    Ok(ran)
}

/// Draws: ranks the pending requests, books winners in rank order into the day's slots
/// by time, tells everyone the result. Once per draw, after its window closed.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn run(
    state: &Context,
    id: Uuid,
    actor: Actor,
    request_id: Option<String>,
) -> Result<draw::Model, ApiError> {
    let d = lottery::get(&state.db, id).await?;
    let office = scheduling::resource(&state.db, &d.resource_id).await?;
    let kind = BusinessType::parse(&d.business_type)
        .ok_or_else(|| ApiError::internal("a draw of an unknown business type"))?;
    let cal = scheduling::calendar(&state.db, d.date, d.date).await?;
    // Made before the draw's transaction (an insert that ignores slots made meanwhile).
    scheduling::day_slots(
        &state.db,
        &office,
        kind.as_str(),
        d.date,
        cal.get(&d.date).copied(),
    )
    .await?;
    let now = Utc::now();
    let txn = state.begin().await?;
    let seed = lottery::start_run(&txn, state, &d, now).await?;
    let pending = request::Entity::find()
        .filter(request::Column::DrawId.eq(d.id))
        .filter(request::Column::Status.eq("pending"))
        .all(&txn)
        .await?;
    let ids: Vec<Uuid> = pending.iter().map(|r| r.id).collect();
    let ranked = lottery::order(&seed, &ids);
    let slots = entity::slot::Entity::find()
        .filter(entity::slot::Column::ResourceId.eq(&office.id))
        .filter(entity::slot::Column::BusinessType.eq(kind.as_str()))
        .filter(entity::slot::Column::Date.eq(d.date))
        .order_by_asc(entity::slot::Column::StartsAt)
        .all(&txn)
        .await?;
    let mut winners = 0;
    let mut seats_left = true;
    // A person named in several requests wins one seat.
    let mut won = std::collections::HashSet::new();
    for (rank, request_id) in ranked.iter().enumerate() {
        let Some(r) = pending.iter().find(|r| r.id == *request_id) else {
            continue;
        };
        let outcome = if seats_left {
            match book_winner(&txn, state, &office, kind, &slots, r, &mut won).await? {
                Won::Booked(appointment) => {
                    winners += 1;
                    Outcome::Won(appointment)
                }
                Won::NoSeat => {
                    seats_left = false;
                    Outcome::Lost
                }
                Won::Refused(code) => Outcome::Failed(code),
            }
        } else {
            Outcome::Lost
        };
        settle(&txn, state, &d, &office.name, r, rank, outcome).await?;
    }
    lottery::finish_run(&txn, d.id, ranked.len(), winners).await?;
    let ranking: Vec<String> = ranked.iter().map(Uuid::to_string).collect();
    let summary = format!(
        "drawn: {} requests, {winners} booked; seed {}; ranking SHA-256 {}",
        ranked.len(),
        hex::encode(&seed),
        sha256_hex(ranking.join(",").as_bytes())
    );
    audit::record(
        &txn,
        event(actor, "scheduling.draw.run", d.id, summary, request_id),
    )
    .await?;
    // The draw is over: the day's seats are open to booking again.
    txn.seats_changed(&office.id, kind.as_str(), d.date);
    txn.commit().await?;
    lottery::get(&state.db, id).await
}

enum Won {
    Booked(Uuid),
    /// Every slot of the day is full.
    NoSeat,
    /// The winner no longer qualifies; the code says why.
    Refused(Code),
}

enum Outcome {
    Won(Uuid),
    Lost,
    Failed(Code),
}

/// Books one winner inside a savepoint: the first slot with a free seat, then the
/// appointment. A refusal rolls the savepoint back, seat included.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
async fn book_winner(
    txn: &Tx,
    state: &Context,
    office: &entity::resource::Model,
    kind: BusinessType,
    slots: &[entity::slot::Model],
    r: &request::Model,
    won: &mut std::collections::HashSet<String>,
) -> Result<Won, ApiError> {
    let payload: Payload = serde_json::from_str(
        &state
            .sealer
            .open(&r.payload_sealed)
            .map_err(ApiError::internal)?,
    )
    .map_err(ApiError::internal)?;
    let today = clock::today();
    let caller_position = payload.caller_position;
    let mut parties = Vec::new();
    for (name, id_number) in payload.parties {
        let id = IdNumber::parse(&id_number, today)
            .map_err(|_| ApiError::internal("a stored ID number no longer parses"))?;
        parties.push(NewParty { name, id });
    }
    let indexes = service::id_indexes(state, &parties);
    if let Some(refused) = still_qualifies(
        txn,
        state,
        kind,
        slots,
        r,
        caller_position,
        &parties,
        &indexes,
    )
    .await?
    {
        return Ok(Won::Refused(refused));
    }
    if indexes.iter().any(|i| won.contains(i)) {
        return Ok(Won::Refused(Code::PartyHasActiveBooking));
    }
    let savepoint = txn.savepoint().await?;
    let mut seat = None;
    for s in slots {
        match scheduling::hold(&savepoint, s, Hold::Drawn).await {
            Ok(()) => {
                seat = Some(s);
                break;
            }
            Err(e) if e.code == Code::SlotFull => continue,
            Err(e) => return Err(e),
        }
    }
    let Some(slot) = seat else {
        return Ok(Won::NoSeat);
    };
    let booking = Booking {
        booker: r.citizen_id,
        caller_position: payload.caller_position,
        request_id: None,
        office,
        kind,
        slot,
        parties: &parties,
        indexes: &indexes,
    };
    match service::write_appointment(&savepoint, state, booking, None).await {
        Ok((appointment, _)) => {
            savepoint.commit().await?;
            won.extend(indexes.iter().cloned());
            Ok(Won::Booked(appointment.id))
        }
        Err(e) if e.code.status().is_client_error() => {
            savepoint.rollback().await?;
            Ok(Won::Refused(e.code))
        }
        Err(e) => Err(e),
    }
}

/// Authority is checked again at the moment of effect, not only when the request was
/// handed in: the requester still holds the verified real name of the party they were,
/// and the parties still fit the business (nobody became blocked for no-shows since).
/// The code that refuses the winner, if any.
#[expect(
    clippy::too_many_arguments,
    reason = "the draw's parts, each read once"
)]
async fn still_qualifies(
    txn: &sea_orm::DatabaseTransaction,
    state: &Context,
    kind: BusinessType,
    slots: &[entity::slot::Model],
    r: &request::Model,
    caller_position: usize,
    parties: &[NewParty],
    indexes: &[String],
) -> Result<Option<Code>, ApiError> {
    let requester = identity::verified_index(txn, r.citizen_id).await.ok();
    if requester.is_none() || indexes.get(caller_position) != requester.as_ref() {
        return Ok(Some(Code::NotAParty));
    }
    let Some(date) = slots.first().map(|s| s.date) else {
        return Ok(None);
    };
    match service::check_people(state, kind, parties, &indexes[caller_position], date).await {
        Ok(()) => Ok(None),
        Err(e) if e.code.status().is_client_error() => Ok(Some(e.code)),
        Err(e) => Err(e),
    }
}

/// Records a request's rank and outcome and tells its requester.
async fn settle(
    txn: &Tx,
    state: &Context,
    d: &draw::Model,
    office_name: &str,
    r: &request::Model,
    rank: usize,
    outcome: Outcome,
) -> Result<(), ApiError> {
    let (status, appointment, reason) = match &outcome {
        Outcome::Won(id) => ("won", Some(*id), None),
        Outcome::Lost => ("lost", None, None),
        Outcome::Failed(code) => ("failed", None, Some(code.as_str().to_owned())),
    };
    request::Entity::update_many()
        .col_expr(request::Column::Status, Expr::value(status))
        .col_expr(request::Column::Rank, Expr::value(rank as i32 + 1))
        .col_expr(request::Column::AppointmentId, Expr::value(appointment))
        .col_expr(request::Column::Reason, Expr::value(reason))
        .col_expr(request::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(request::Column::Id.eq(r.id))
        .filter(request::Column::Status.eq("pending"))
        .exec(txn)
        .await?;
    let result = match outcome {
        Outcome::Won(_) => "中签，已为您预约，详见预约记录".to_owned(),
        Outcome::Lost => "未中签".to_owned(),
        Outcome::Failed(code) => format!(
            "中签，但预约未能完成（{}）",
            code.title(crate::platform::lang::Lang::Zh)
        ),
    };
    let notice = Notice {
        purpose: "draw_result",
        subject: format!("{} 摇号结果", d.date),
        body: format!(
            "您在{office_name}的 {} 摇号申请（排位第 {} 位）：{result}。",
            d.date,
            rank + 1
        ),
        wechat_data: BTreeMap::from([
            ("thing1".to_owned(), office_name.chars().take(20).collect()),
            ("date2".to_owned(), d.date.to_string()),
            ("phrase3".to_owned(), status_label(status).into()),
        ]),
        page: Some(format!("pages/marriage/draw?id={}", d.id)),
    };
    notify(txn, state, r.citizen_id, &notice).await?;
    Ok(())
}

fn status_label(status: &str) -> &'static str {
    match status {
        "won" => "中签",
        "lost" => "未中签",
        _ => "未能预约",
    }
}

/// The ID numbers of a request's parties, masked, for its owner's view.
pub fn parties_masked(state: &Context, r: &request::Model) -> Vec<String> {
    let Some(payload) = state
        .sealer
        .open(&r.payload_sealed)
        .ok()
        .and_then(|p| serde_json::from_str::<Payload>(&p).ok())
    else {
        return Vec::new();
    };
    payload
        .parties
        .iter()
        .filter_map(|(_, id)| IdNumber::parse(id, clock::today()).ok())
        .map(|id| id.masked())
        .collect()
}
