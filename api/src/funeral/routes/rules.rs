//! What the funeral routes share: the booking's answer, invalid-value errors, parsed times.
use actix_web::web;
use chrono::{DateTime, Utc};

use crate::error::{ApiError, Code, FieldError, Message};
use crate::funeral::domain::{self, Party};
use crate::funeral::dto::*;
use crate::funeral::service::{self, Full};
use crate::identity::domain::mask_name;
use crate::platform::clock;
use crate::platform::pagination::{PageQuery, slice};
use crate::state::AppState;

pub(super) type State = web::Data<AppState>;

pub(super) fn invalid(
    field: &str,
    reason: &'static str,
    zh: &'static str,
    en: &'static str,
) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: field.into(),
        reason,
        message: Message::new(zh, en),
    })
}

/// Everything about a booking, as `party` sees it.
#[expect(clippy::too_many_lines, reason = "one field of the answer a line")]
pub(super) async fn view(
    state: &AppState,
    (row, lines): Full,
    party: Party,
) -> Result<BookingDto, ApiError> {
    let home = service::home(&state.db, &row.home_id).await?;
    let (farewell, cremation) = service::slots_of(&state.db, &row).await?;
    let open = |sealed: &str| state.sealer.open(sealed).map_err(ApiError::internal);
    // A value not held (never given, or emptied when the booker deleted their account).
    let open_held = |sealed: Option<&str>| sealed.map_or(Ok(String::new()), open);
    let for_home = |text: String| (party == Party::Home).then_some(text);
    let name = open(&row.deceased_name_sealed)?;
    let slot_ref = |s: entity::slot::Model| SlotRefDto {
        slot_id: s.id,
        starts_at: clock::format(s.starts_at),
        ends_at: clock::format(s.ends_at),
    };
    let transport = row.transport_status.clone().map(|status| {
        let address = open_held(row.transport_address_sealed.as_deref())?;
        let contact = open_held(row.transport_contact_name_sealed.as_deref())?;
        let phone = open_held(row.transport_contact_phone_sealed.as_deref())?;
        Ok::<_, ApiError>(TransportDto {
            status,
            address_masked: domain::mask_address(&address),
            contact_name_masked: mask_name(&contact),
            contact_phone_masked: domain::mask_phone(&phone),
            address: for_home(address),
            contact_name: for_home(contact),
            contact_phone: for_home(phone),
            requested_at: row
                .transport_requested_at
                .map(clock::format)
                .unwrap_or_default(),
            proposed_at: row.transport_proposed_at.map(clock::format),
            agreed_at: row.transport_at.map(clock::format),
        })
    });
    let transport = transport.transpose()?;
    Ok(BookingDto {
        allowed_actions: domain::allowed(
            &row.status,
            row.transport_status.as_deref(),
            party,
            clock::today() >= row.service_date,
        )
        .into_iter()
        .map(str::to_owned)
        .collect(),
        id: row.id,
        funeral_home_id: row.home_id,
        funeral_home_name: home.name,
        status: row.status,
        deceased: DeceasedDto {
            name_masked: mask_name(&name),
            name: for_home(name),
            id_number_masked: row.deceased_id_masked,
            date_of_death: row.date_of_death,
            death_certificate_number_masked: row.certificate_number_masked,
            death_certificate_media_id: row.certificate_media_id,
        },
        transport,
        farewell: farewell.map(slot_ref),
        cremation: cremation.map(slot_ref),
        service_date: row.service_date,
        lines: lines
            .into_iter()
            .map(|l| LineDto {
                code: l.code,
                name: l.name,
                kind: l.kind,
                quantity: l.quantity,
                unit_price_fen: l.unit_price_fen,
                free: l.free,
                amount_fen: l.amount_fen,
            })
            .collect(),
        total_fen: row.total_fen,
        created_at: clock::format(row.created_at),
        updated_at: clock::format(row.updated_at),
    })
}

/// One page of bookings as answers show them.
pub(super) async fn views(
    state: &AppState,
    all: Vec<Full>,
    party: Party,
    page: &PageQuery,
) -> Result<BookingListDto, ApiError> {
    let page = slice(all, page, |(b, _)| b.id.to_string())?;
    let mut items = Vec::with_capacity(page.rows.len());
    for full in page.rows {
        items.push(view(state, full, party).await?);
    }
    Ok(BookingListDto {
        items,
        next_cursor: page.next_cursor,
    })
}

pub(super) fn item_dto(i: entity::funeral_service_item::Model) -> ServiceItemDto {
    ServiceItemDto {
        code: i.code,
        name: i.name,
        kind: i.kind,
        price_fen: i.price_fen,
        basic: i.basic,
        active: i.active,
    }
}

pub(super) fn home_dto(r: entity::resource::Model, gaps: domain::Gaps) -> HomeDto {
    HomeDto {
        id: r.id,
        name: r.name,
        address: r.address,
        window_days: r.window_days,
        cutoff_minutes: r.cutoff_minutes,
        cancel_minutes: r.cancel_minutes,
        transport_gap_minutes: gaps.transport,
        farewell_gap_minutes: gaps.farewell,
    }
}

pub(super) fn parse_time(field: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            invalid(
                field,
                "format",
                "时间格式应为 2026-12-01T08:00:00+08:00",
                "an RFC 3339 time with offset, e.g. 2026-12-01T08:00:00+08:00",
            )
        })
}
