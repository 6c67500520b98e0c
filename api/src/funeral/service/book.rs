//! Booking funeral services: the seats through the booking engine, the booking and its
//! lines in one transaction.
use entity::{funeral_booking as booking, funeral_booking_line as line};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use super::check::{Checked, NewBooking, check};
use super::rules::{Full, field, record};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::funeral::domain;
use crate::funeral::notify::{self, Moment};
use crate::platform::audit::Actor;
use crate::platform::db::is_unique_violation;
use crate::scheduling::engine::{self as scheduling, Hold};
use crate::state::AppState;

/// Books funeral services for the deceased; the caller needs a verified real name.
pub async fn book(state: &AppState, citizen: &Citizen, b: NewBooking) -> Result<Full, ApiError> {
    let Checked {
        home,
        farewell,
        cremation,
        row,
        lines,
    } = check(state, citizen, &b).await?;
    let txn = state.begin().await?;
    // The seats first: they are the contended rows, and a full slot stops here.
    for s in farewell.iter().chain(cremation.iter()) {
        scheduling::hold(&txn, s, Hold::Seats(1)).await?;
    }
    // The deceased's active key next: a second active booking fails here whatever the
    // timing, and the seats taken above roll back with it.
    match booking::Entity::insert(active_model(&row)).exec(&txn).await {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(field(
                Code::FuneralDeceasedHasActiveBooking,
                "deceased.id_number",
                "active_booking",
                "该逝者已有未完成的预约",
                "the deceased already has an active booking",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let line_rows = write_lines(&txn, row.id, lines).await?;
    let summary = format!(
        "booked for {} at {}, total {} fen",
        row.deceased_id_masked, home.id, row.total_fen
    );
    record(
        &txn,
        Actor::Citizen(citizen.id),
        "funeral.booking.book",
        row.id,
        summary,
        citizen.request_id.clone(),
    )
    .await?;
    notify::queue(&txn, state, &row, &home, Moment::Booked).await?;
    txn.commit().await?;
    for _s in farewell.iter().chain(cremation.iter()) {}
    Ok((row, line_rows))
}

pub(super) fn active_model(row: &booking::Model) -> booking::ActiveModel {
    let r = row.clone();
    booking::ActiveModel {
        id: Set(r.id),
        home_id: Set(r.home_id),
        booked_by: Set(r.booked_by),
        status: Set(r.status),
        deceased_name_sealed: Set(r.deceased_name_sealed),
        deceased_id_sealed: Set(r.deceased_id_sealed),
        deceased_id_index: Set(r.deceased_id_index),
        deceased_id_masked: Set(r.deceased_id_masked),
        date_of_death: Set(r.date_of_death),
        certificate_number_sealed: Set(r.certificate_number_sealed),
        certificate_number_masked: Set(r.certificate_number_masked),
        certificate_media_id: Set(r.certificate_media_id),
        transport_status: Set(r.transport_status),
        transport_address_sealed: Set(r.transport_address_sealed),
        transport_contact_name_sealed: Set(r.transport_contact_name_sealed),
        transport_contact_phone_sealed: Set(r.transport_contact_phone_sealed),
        transport_requested_at: Set(r.transport_requested_at),
        transport_proposed_at: Set(r.transport_proposed_at),
        transport_at: Set(r.transport_at),
        farewell_slot_id: Set(r.farewell_slot_id),
        cremation_slot_id: Set(r.cremation_slot_id),
        service_date: Set(r.service_date),
        total_fen: Set(r.total_fen),
        active_key: Set(r.active_key),
        created_at: Set(r.created_at),
        updated_at: Set(r.updated_at),
    }
}

pub(super) async fn write_lines(
    txn: &impl ConnectionTrait,
    booking_id: Uuid,
    lines: Vec<domain::Line>,
) -> Result<Vec<line::Model>, ApiError> {
    let rows: Vec<line::Model> = lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| line::Model {
            id: Uuid::now_v7(),
            booking_id,
            position: i as i32 + 1,
            code: l.code,
            name: l.name,
            kind: l.kind,
            quantity: l.quantity,
            unit_price_fen: l.unit_price_fen,
            free: l.free,
            amount_fen: l.amount_fen,
        })
        .collect();
    let models: Vec<line::ActiveModel> = rows
        .iter()
        .cloned()
        .map(|l| line::ActiveModel {
            id: Set(l.id),
            booking_id: Set(l.booking_id),
            position: Set(l.position),
            code: Set(l.code),
            name: Set(l.name),
            kind: Set(l.kind),
            quantity: Set(l.quantity),
            unit_price_fen: Set(l.unit_price_fen),
            free: Set(l.free),
            amount_fen: Set(l.amount_fen),
        })
        .collect();
    if !models.is_empty() {
        line::Entity::insert_many(models).exec(txn).await?;
    }
    Ok(rows)
}
