//! Booking one winner inside a savepoint, after their request is checked again.
use entity::draw_request as request;
use uuid::Uuid;

use super::rules::Payload;
use crate::error::{ApiError, Code};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::marriage::domain::BusinessType;
use crate::marriage::service::{self, Booking, NewParty};
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::tx::Tx;
use crate::scheduling::engine::{self as scheduling, Hold};

/// Books one winner inside a savepoint: the first slot with a free seat, then the
/// appointment. A refusal rolls the savepoint back, seat included.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub(super) async fn book_winner(
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
pub(super) async fn still_qualifies(
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

pub(super) enum Won {
    Booked(Uuid),
    /// Every slot of the day is full.
    NoSeat,
    /// The winner no longer qualifies; the code says why.
    Refused(Code),
}
