//! The checks of a funeral booking before its transaction: the home, the slots, the order
//! of services, the priced lines.
use chrono::{DateTime, NaiveDate, Utc};
use entity::{funeral_booking as booking, resource, slot};
use uuid::Uuid;

use super::rules::{field, first_date, gaps, home, order_refusal};
use super::setup::catalogue;
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::funeral::domain::{self, CREMATION, Choices, FAREWELL, Priced};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::platform::clock;
use crate::platform::context::Context;
use crate::scheduling::engine as scheduling;
use crate::state::AppState;

// ---------------------------------------------------------------- booking

/// The transport part of a booking request, checked.
pub struct NewTransport {
    pub address: String,
    pub requested_at: DateTime<Utc>,
    pub contact_name: String,
    pub contact_phone: String,
}

/// A booking request, its fields checked for form (the rules that need storage are
/// checked in [`book`]).
pub struct NewBooking {
    pub home_id: String,
    pub deceased_name: String,
    pub deceased_id: IdNumber,
    pub date_of_death: NaiveDate,
    pub certificate_number: String,
    pub certificate_media_id: Uuid,
    pub transport: Option<NewTransport>,
    pub farewell_slot_id: Option<Uuid>,
    pub cremation_slot_id: Option<Uuid>,
    /// `(code, quantity)` in the caller's order.
    pub items: Vec<(String, i32)>,
}

/// A booking request that passed every rule needing no seat.
pub(super) struct Checked {
    pub(super) home: resource::Model,
    pub(super) farewell: Option<slot::Model>,
    pub(super) cremation: Option<slot::Model>,
    pub(super) row: booking::Model,
    pub(super) lines: Vec<domain::Line>,
}

/// The rules that need reads but no seat: the caller, the deceased, the certificate
/// photo, the slots, the items and their prices.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub(super) async fn check(
    state: &AppState,
    citizen: &Citizen,
    b: &NewBooking,
) -> Result<Checked, ApiError> {
    let caller_index = identity::verified_index(&state.db, citizen.id).await?;
    let home = home(&state.db, &b.home_id).await?;
    let deceased_index = identity::id_index(&state.sealer, &b.deceased_id);
    if deceased_index == caller_index {
        return Err(field(
            Code::InvalidBody,
            "deceased.id_number",
            "self",
            "不能为本人预约殡葬服务",
            "you cannot book funeral services for yourself",
        ));
    }
    if !domain::date_of_death_ok(b.date_of_death, b.deceased_id.birth_date(), clock::today()) {
        return Err(field(
            Code::FuneralDateOfDeath,
            "deceased.date_of_death",
            "range",
            "死亡日期不能晚于今天，也不能早于出生日期",
            "not after today, not before the birth date",
        ));
    }
    own_media(state, citizen, b.certificate_media_id).await?;
    let now = Utc::now();
    let farewell = chosen_slot(state, &home, b.farewell_slot_id, FAREWELL, now).await?;
    let cremation = chosen_slot(state, &home, b.cremation_slot_id, CREMATION, now).await?;
    check_transport_window(state, &home, b.transport.as_ref(), now).await?;
    let gaps = gaps(&state.db, &home.id).await?;
    domain::check_order(
        gaps,
        b.transport.as_ref().map(|t| t.requested_at),
        farewell.as_ref().map(|s| (s.starts_at, s.ends_at)),
        cremation.as_ref().map(|s| s.starts_at),
    )
    .map_err(|e| order_refusal(gaps, e))?;
    let (lines, total) = priced_lines(state, &home.id, b).await?;
    let service_date = first_date(
        b.transport.as_ref().map(|t| t.requested_at),
        farewell.as_ref(),
        cremation.as_ref(),
    )
    .ok_or_else(|| {
        field(
            Code::InvalidBody,
            "transport",
            "missing",
            "请至少选择遗体接运、告别或火化中的一项",
            "choose at least one of transport, farewell or cremation",
        )
    })?;
    let row = new_row(
        state,
        citizen,
        b,
        &home,
        deceased_index,
        total,
        service_date,
        now,
    );
    Ok(Checked {
        home,
        farewell,
        cremation,
        row,
        lines,
    })
}

/// Transport is booked within the home's window like its slots: a pick-up 30 days ahead
/// at a home that books 7 days ahead is refused, naming `transport.requested_at`.
pub(super) async fn check_transport_window(
    state: &Context,
    home: &resource::Model,
    transport: Option<&NewTransport>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Some(t) = transport else { return Ok(()) };
    let day = t
        .requested_at
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let window = scheduling::window_on(&state.db, home, day).await?;
    if day > window.last_open_date(now) {
        return Err(ApiError::new(Code::NotOpenYet).with_field(FieldError {
            field: "transport.requested_at".into(),
            reason: "window",
            message: Message::new(
                format!("遗体接运只能预约 {} 天内", window.days),
                format!("transport is booked at most {} days ahead", window.days),
            ),
        }));
    }
    Ok(())
}

/// The certificate photo must be a file the caller uploaded.
pub(super) async fn own_media(
    state: &AppState,
    citizen: &Citizen,
    id: Uuid,
) -> Result<(), ApiError> {
    let m = crate::media::service::find(state, id).await.ok();
    if m.is_some_and(|m| m.owner_kind == "citizen" && m.owner_id == citizen.id) {
        Ok(())
    } else {
        Err(field(
            Code::MediaNotFound,
            "deceased.death_certificate_media_id",
            "not_found",
            "文件不存在，请先上传死亡证明照片",
            "no such file of yours: upload the death certificate photo first",
        ))
    }
}

/// The chosen slot of `business_type`, which must be this home's and still bookable.
pub(super) async fn chosen_slot(
    state: &Context,
    home: &resource::Model,
    id: Option<Uuid>,
    business_type: &str,
    now: DateTime<Utc>,
) -> Result<Option<slot::Model>, ApiError> {
    let Some(id) = id else { return Ok(None) };
    let s = scheduling::slot(&state.db, id).await?;
    if s.resource_id != home.id || s.business_type != business_type {
        return Err(ApiError::new(Code::SlotNotFound).with_field(FieldError {
            field: format!("{business_type}_slot_id"),
            reason: "not_found",
            message: Message::new(
                "不是该殡仪馆的此类时段",
                "not a slot of this kind at this home",
            ),
        }));
    }
    // The window of the slot's day (a peak period may change it).
    scheduling::gate(&state.db, home, business_type, &s, now).await?;
    Ok(Some(s))
}

/// Prices the requested items from the home's current catalogue and checks that they
/// fit the transport, farewell and cremation choices.
pub(super) async fn priced_lines(
    state: &Context,
    home_id: &str,
    b: &NewBooking,
) -> Result<(Vec<domain::Line>, i64), ApiError> {
    let offered = catalogue(&state.db, home_id, false).await?;
    let mut chosen = Vec::with_capacity(b.items.len());
    for (i, (code, quantity)) in b.items.iter().enumerate() {
        let Some(it) = offered.iter().find(|it| &it.code == code) else {
            return Err(
                ApiError::new(Code::FuneralUnknownService).with_field(FieldError {
                    field: format!("items[{i}].code"),
                    reason: "unknown",
                    message: Message::new("该殡仪馆没有此项服务", "not offered by this home"),
                }),
            );
        };
        let priced = Priced {
            code: it.code.clone(),
            name: it.name.clone(),
            kind: it.kind.clone(),
            price_fen: it.price_fen,
            basic: it.basic,
        };
        chosen.push((priced, *quantity));
    }
    let kinds: Vec<&str> = chosen.iter().map(|(p, _)| p.kind.as_str()).collect();
    let choices = Choices {
        transport: b.transport.is_some(),
        farewell: b.farewell_slot_id.is_some(),
        cremation: b.cremation_slot_id.is_some(),
    };
    if let Some(kind) = domain::mismatch(&kinds, choices) {
        return Err(
            ApiError::new(Code::FuneralItemsMismatch).with_field(FieldError {
                field: "items".into(),
                reason: kind,
                message: Message::new(
                    "接运、告别、火化须与对应服务项目同时选择",
                    "transport, farewell and cremation go with an item of their kind",
                ),
            }),
        );
    }
    Ok(domain::price(&chosen))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn new_row(
    state: &Context,
    citizen: &Citizen,
    b: &NewBooking,
    home: &resource::Model,
    deceased_index: String,
    total: i64,
    service_date: NaiveDate,
    now: DateTime<Utc>,
) -> booking::Model {
    let seal = |s: &str| state.sealer.seal(s);
    let t = b.transport.as_ref();
    booking::Model {
        id: Uuid::now_v7(),
        home_id: home.id.clone(),
        booked_by: citizen.id,
        status: "pending".into(),
        deceased_name_sealed: seal(&b.deceased_name),
        deceased_id_sealed: seal(b.deceased_id.expose()),
        deceased_id_index: deceased_index.clone(),
        deceased_id_masked: b.deceased_id.masked(),
        date_of_death: b.date_of_death,
        certificate_number_sealed: seal(&b.certificate_number),
        certificate_number_masked: domain::mask_tail(&b.certificate_number),
        certificate_media_id: b.certificate_media_id,
        transport_status: t.map(|_| "requested".to_owned()),
        transport_address_sealed: t.map(|t| seal(&t.address)),
        transport_contact_name_sealed: t.map(|t| seal(&t.contact_name)),
        transport_contact_phone_sealed: t.map(|t| seal(&t.contact_phone)),
        transport_requested_at: t.map(|t| t.requested_at),
        transport_proposed_at: None,
        transport_at: None,
        farewell_slot_id: b.farewell_slot_id,
        cremation_slot_id: b.cremation_slot_id,
        service_date,
        total_fen: total,
        active_key: Some(deceased_index),
        created_at: now,
        updated_at: now,
    }
}
