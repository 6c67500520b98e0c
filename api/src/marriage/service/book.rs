//! Booking an appointment: the seat through the booking engine, the appointment and its
//! parties in one transaction.
use chrono::{Duration, Utc};
use entity::{marriage_appointment as appointment, marriage_party as party};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::divorce::divorce_application_for;
use super::rules::{NewParty, active, check_people, event, id_indexes, masked, party_active};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::Sex;
use crate::identity::service as identity;
use crate::marriage::domain::{self, BusinessType};
use crate::marriage::notify::{self, Moment};
use crate::platform::audit::{self, Actor};
use crate::platform::rows::transition;
use crate::platform::tx::Tx;
use crate::platform::{context::Context, db::is_unique_violation};
use crate::scheduling::engine::{self as scheduling, Hold};
use crate::scheduling::waitlist;

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
