//! Handing a request in for a draw, withdrawing it, the caller's requests.
use chrono::Utc;
use entity::{draw_entrant as entrant, draw_request as request};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::rules::{Payload, mine, named_in};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::service as identity;
use crate::marriage::domain::BusinessType;
use crate::marriage::service::{self, NewParty};
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::db::is_unique_violation;
use crate::platform::rows::{find_or, transition};
use crate::scheduling::draw::{self as lottery, event};

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
pub(super) async fn hold_entrants(
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

pub(super) fn already_requested(position: usize) -> ApiError {
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
