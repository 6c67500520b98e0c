//! Rules of funeral services, one transaction per change. A booking takes its farewell
//! and cremation seats with the scheduling core's conditional update and writes the
//! booking and its priced lines in the same transaction; "one active booking per
//! deceased" is the unique `active_key`.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{
    funeral_booking as booking, funeral_booking_line as line, funeral_service_item as item,
    resource, slot,
};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::domain::{self, ACTIVE, CREMATION, Choices, FAREWELL, HOME_KIND, Priced};
use super::notify::{self, Moment};
use crate::auth::domain::{Role, ScopeKind};
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor, Event};
use crate::platform::clock;
use crate::platform::rows::{find_or, transition};
use crate::platform::tx::Tx;
use crate::platform::{context::Context, db::is_unique_violation};
use crate::scheduling::engine::{self as scheduling, Hold};
use crate::state::AppState;

/// A booking with its lines.
pub type Full = (booking::Model, Vec<line::Model>);

fn field(
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

// ---------------------------------------------------------------- homes and catalogue

/// The funeral homes (resources of kind `funeral_home`), by id.
pub async fn homes(conn: &impl ConnectionTrait) -> Result<Vec<resource::Model>, ApiError> {
    Ok(resource::Entity::find()
        .filter(resource::Column::Kind.eq(HOME_KIND))
        .order_by_asc(resource::Column::Id)
        .all(conn)
        .await?)
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

/// Sets a home's minimum gaps (bookings already made keep their times); audited.
pub async fn save_gaps(
    conn: &(impl ConnectionTrait + sea_orm::TransactionTrait),
    home_id: &str,
    gaps: domain::Gaps,
    actor: Actor,
    request_id: Option<String>,
) -> Result<(), ApiError> {
    use entity::funeral_home_rule as rule;
    home(conn, home_id).await?;
    let row = rule::ActiveModel {
        home_id: Set(home_id.to_owned()),
        transport_gap_minutes: Set(gaps.transport as i32),
        farewell_gap_minutes: Set(gaps.farewell as i32),
        updated_at: Set(Utc::now()),
    };
    let conflict = OnConflict::column(rule::Column::HomeId)
        .update_columns([
            rule::Column::TransportGapMinutes,
            rule::Column::FarewellGapMinutes,
            rule::Column::UpdatedAt,
        ])
        .to_owned();
    rule::Entity::insert(row)
        .on_conflict(conflict)
        .exec(conn)
        .await?;
    audit::record(
        conn,
        Event {
            actor,
            action: "funeral.home.gaps_save",
            target_kind: "resource",
            target_id: home_id.to_owned(),
            summary: format!(
                "transport {} min before the first service, farewell {} min before the cremation",
                gaps.transport, gaps.farewell
            ),
            request_id,
        },
    )
    .await?;
    Ok(())
}

/// The home's catalogue by code; withdrawn items only when `all`.
pub async fn catalogue(
    conn: &impl ConnectionTrait,
    home_id: &str,
    all: bool,
) -> Result<Vec<item::Model>, ApiError> {
    let mut find = item::Entity::find()
        .filter(item::Column::HomeId.eq(home_id))
        .order_by_asc(item::Column::Kind)
        .order_by_asc(item::Column::Code);
    if !all {
        find = find.filter(item::Column::Active.eq(true));
    }
    Ok(find.all(conn).await?)
}

/// A catalogue item as the admin sets it.
pub struct ItemSpec {
    pub name: String,
    pub kind: String,
    pub price_fen: i64,
    pub basic: bool,
    pub active: bool,
}

/// Creates or changes one catalogue item (by home and code). Bookings made before keep
/// the price they were made with.
pub async fn save_item(
    conn: &(impl ConnectionTrait + sea_orm::TransactionTrait),
    home_id: &str,
    code: &str,
    spec: ItemSpec,
    actor: Actor,
    request_id: Option<String>,
) -> Result<item::Model, ApiError> {
    home(conn, home_id).await?;
    let summary = format!(
        "{code}: {} fen, basic {}, active {}",
        spec.price_fen, spec.basic, spec.active
    );
    let row = item::ActiveModel {
        id: Set(Uuid::now_v7()),
        home_id: Set(home_id.to_owned()),
        code: Set(code.to_owned()),
        name: Set(spec.name),
        kind: Set(spec.kind),
        price_fen: Set(spec.price_fen),
        basic: Set(spec.basic),
        active: Set(spec.active),
        updated_at: Set(Utc::now()),
    };
    let conflict = OnConflict::columns([item::Column::HomeId, item::Column::Code])
        .update_columns([
            item::Column::Name,
            item::Column::Kind,
            item::Column::PriceFen,
            item::Column::Basic,
            item::Column::Active,
            item::Column::UpdatedAt,
        ])
        .to_owned();
    item::Entity::insert(row)
        .on_conflict(conflict)
        .exec(conn)
        .await?;
    audit::record(
        conn,
        Event {
            actor,
            action: "funeral.service_item.save",
            target_kind: "resource",
            target_id: home_id.to_owned(),
            summary,
            request_id,
        },
    )
    .await?;
    item::Entity::find()
        .filter(item::Column::HomeId.eq(home_id))
        .filter(item::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("saved catalogue item vanished"))
}

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
struct Checked {
    home: resource::Model,
    farewell: Option<slot::Model>,
    cremation: Option<slot::Model>,
    row: booking::Model,
    lines: Vec<domain::Line>,
}

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

/// The rules that need reads but no seat: the caller, the deceased, the certificate
/// photo, the slots, the items and their prices.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
async fn check(state: &AppState, citizen: &Citizen, b: &NewBooking) -> Result<Checked, ApiError> {
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
async fn check_transport_window(
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

async fn booked_slot(
    conn: &impl sea_orm::ConnectionTrait,
    id: Option<Uuid>,
) -> Result<Option<slot::Model>, ApiError> {
    match id {
        Some(id) => Ok(Some(scheduling::slot(conn, id).await?)),
        None => Ok(None),
    }
}

/// The refusal of services in an impossible order, naming both items.
fn order_refusal(gaps: domain::Gaps, e: domain::OrderError) -> ApiError {
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

/// The certificate photo must be a file the caller uploaded.
async fn own_media(state: &AppState, citizen: &Citizen, id: Uuid) -> Result<(), ApiError> {
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
async fn chosen_slot(
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
async fn priced_lines(
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

/// The Beijing date of the first service of a booking.
fn first_date(
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

#[allow(clippy::too_many_arguments)]
fn new_row(
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

fn active_model(row: &booking::Model) -> booking::ActiveModel {
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

async fn write_lines(
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

// ---------------------------------------------------------------- reading

/// A booking and its lines, or 404.
pub async fn load(conn: &impl ConnectionTrait, id: Uuid) -> Result<Full, ApiError> {
    let row = find_or::<booking::Entity>(conn, id, Code::FuneralBookingNotFound).await?;
    let lines = line::Entity::find()
        .filter(line::Column::BookingId.eq(id))
        .order_by_asc(line::Column::Position)
        .all(conn)
        .await?;
    Ok((row, lines))
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

/// The citizen's bookings, newest first.
pub async fn list_mine(state: &Context, citizen: &Citizen) -> Result<Vec<Full>, ApiError> {
    let rows = booking::Entity::find()
        .filter(booking::Column::BookedBy.eq(citizen.id))
        .order_by_desc(booking::Column::Id)
        .all(&state.db)
        .await?;
    with_lines(&state.db, rows).await
}

async fn with_lines(
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

/// The home's bookings (default: the clerk's own home; a district admin may leave it out
/// for every home), by first service date, filtered by that date and status.
pub async fn list_for_home(
    state: &Context,
    staff: &Staff,
    home_id: Option<String>,
    date: Option<NaiveDate>,
    status: Option<String>,
) -> Result<Vec<Full>, ApiError> {
    let home_id = home_id.or_else(|| {
        (staff.scope.kind == ScopeKind::FuneralHome)
            .then(|| staff.scope.id.clone())
            .flatten()
    });
    let mut find = booking::Entity::find()
        .order_by_asc(booking::Column::ServiceDate)
        .order_by_asc(booking::Column::Id);
    match &home_id {
        Some(h) if covers(staff, h) => find = find.filter(booking::Column::HomeId.eq(h)),
        None if covers(staff, "") => {}
        _ => return Err(ApiError::new(Code::Forbidden)),
    }
    if let Some(date) = date {
        find = find.filter(booking::Column::ServiceDate.eq(date));
    }
    if let Some(status) = status {
        find = find.filter(booking::Column::Status.eq(status));
    }
    let rows = find.all(&state.db).await?;
    with_lines(&state.db, rows).await
}

/// The death certificate photo's row, for the home's clerks after their scope check.
pub async fn certificate(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
) -> Result<entity::media_object::Model, ApiError> {
    let (row, _) = for_staff(&state.db, staff, id).await?;
    let media = crate::media::service::find(state, row.certificate_media_id).await?;
    audit::record(
        &state.db,
        event(
            staff_actor(staff),
            "funeral.booking.view_certificate",
            id,
            "viewed the death certificate photo".into(),
            staff.request_id.clone(),
        ),
    )
    .await?;
    Ok(media)
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

// ---------------------------------------------------------------- changes

/// Cancels an active booking (the family may), until the home's cancel time before its
/// first service; the seats and the deceased's key are freed in the same transaction.
pub async fn cancel(state: &Context, citizen: &Citizen, id: Uuid) -> Result<Full, ApiError> {
    let txn = state.begin().await?;
    let (row, _) = for_citizen(&txn, citizen, id).await?;
    if !ACTIVE.contains(&row.status.as_str()) {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    let home = home(&txn, &row.home_id).await?;
    let (farewell, cremation) = slots_of(&txn, &row).await?;
    let first = [
        row.transport_at.or(row.transport_requested_at),
        farewell.as_ref().map(|s| s.starts_at),
        cremation.as_ref().map(|s| s.starts_at),
    ]
    .into_iter()
    .flatten()
    .min();
    let limit = Duration::minutes(i64::from(home.cancel_minutes));
    if first.is_some_and(|t| Utc::now() >= t - limit) {
        return Err(ApiError::new(Code::FuneralCancelClosed));
    }
    if !end(&txn, &row, "cancelled").await? {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    for s in farewell.iter().chain(cremation.iter()) {
        scheduling::release(&txn, state, s.id, 1).await?;
    }
    record(
        &txn,
        Actor::Citizen(citizen.id),
        "funeral.booking.cancel",
        id,
        format!("cancelled, {}", row.deceased_id_masked),
        citizen.request_id.clone(),
    )
    .await?;
    let answer = load(&txn, id).await?;
    notify::queue(&txn, state, &answer.0, &home, Moment::Cancelled).await?;
    txn.commit().await?;
    for _s in farewell.iter().chain(cremation.iter()) {}
    Ok(answer)
}

/// Lapses the bookings their home did not confirm within `funeral_confirm_minutes` of
/// the last change (a booking waiting on the family, after the home proposed another
/// transport time, does not lapse): the seats come back and the family is told.
pub async fn lapse_unconfirmed(state: &Context) -> Result<u64, ApiError> {
    let cutoff = Utc::now() - Duration::minutes(state.config.funeral_confirm_minutes);
    let stale = booking::Entity::find()
        .filter(booking::Column::Status.eq("pending"))
        .filter(booking::Column::UpdatedAt.lt(cutoff))
        .filter(
            sea_orm::Condition::any()
                .add(booking::Column::TransportStatus.is_null())
                .add(booking::Column::TransportStatus.ne("proposed")),
        )
        .all(&state.db)
        .await?;
    let mut lapsed = 0;
    for row in stale {
        let txn = state.begin().await?;
        if !end(&txn, &row, "lapsed").await? {
            continue;
        }
        let home = home(&txn, &row.home_id).await?;
        let (farewell, cremation) = slots_of(&txn, &row).await?;
        for s in farewell.iter().chain(cremation.iter()) {
            scheduling::release(&txn, state, s.id, 1).await?;
        }
        let summary = format!(
            "lapsed unconfirmed after {} minutes, {}",
            state.config.funeral_confirm_minutes, row.deceased_id_masked
        );
        record(
            &txn,
            Actor::System,
            "funeral.booking.lapse",
            row.id,
            summary,
            None,
        )
        .await?;
        let answer = load(&txn, row.id).await?;
        notify::queue(&txn, state, &answer.0, &home, Moment::Lapsed).await?;
        txn.commit().await?;
        lapsed += 1;
    }
    Ok(lapsed)
}

/// Lapses unconfirmed bookings every `sweep_interval_secs` until the process ends.
pub async fn sweeper(state: AppState) {
    let every = std::time::Duration::from_secs(state.config.sweep_interval_secs.max(1));
    loop {
        if let Err(e) = lapse_unconfirmed(&state).await {
            tracing::error!(
                code = e.code.as_str(),
                "funeral: cannot lapse unconfirmed bookings"
            );
        }
        tokio::time::sleep(every).await;
    }
}

/// Moves an active booking to a final status and frees the deceased's key; conditional on
/// the status read, so two enders cannot both release the seats.
async fn end(
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

/// The family accepts the transport time the home proposed: the transport is agreed and
/// the booking confirmed.
pub async fn accept_transport_time(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<Full, ApiError> {
    let txn = state.begin().await?;
    let (row, _) = for_citizen(&txn, citizen, id).await?;
    let Some(proposed) = row
        .transport_proposed_at
        .filter(|_| row.status == "pending" && row.transport_status.as_deref() == Some("proposed"))
    else {
        return Err(ApiError::new(Code::FuneralWrongState));
    };
    let (farewell, cremation) = slots_of(&txn, &row).await?;
    let service_date = first_date(Some(proposed), farewell.as_ref(), cremation.as_ref())
        .unwrap_or(row.service_date);
    transition(
        &txn,
        booking::Entity::update_many()
            .col_expr(booking::Column::Status, Expr::value("confirmed"))
            .col_expr(booking::Column::TransportStatus, Expr::value("agreed"))
            .col_expr(booking::Column::TransportAt, Expr::value(proposed))
            .col_expr(booking::Column::ServiceDate, Expr::value(service_date))
            .col_expr(booking::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(booking::Column::Id.eq(id))
            .filter(booking::Column::Status.eq("pending"))
            .filter(booking::Column::TransportStatus.eq("proposed"))
            .filter(booking::Column::TransportProposedAt.eq(proposed)),
        Code::FuneralWrongState,
    )
    .await?;
    record(
        &txn,
        Actor::Citizen(citizen.id),
        "funeral.booking.accept_transport_time",
        id,
        format!("accepted transport at {}", clock::format(proposed)),
        citizen.request_id.clone(),
    )
    .await?;
    let answer = load(&txn, id).await?;
    let home = home(&txn, &row.home_id).await?;
    notify::queue(&txn, state, &answer.0, &home, Moment::Confirmed).await?;
    txn.commit().await?;
    Ok(answer)
}

/// The home confirms a pending booking; a requested transport is agreed at the requested
/// time. Refused while the family has not answered a proposed time.
pub async fn confirm(state: &Context, staff: &Staff, id: Uuid) -> Result<Full, ApiError> {
    let txn = state.begin().await?;
    let (row, _) = for_staff(&txn, staff, id).await?;
    if row.status != "pending" || row.transport_status.as_deref() == Some("proposed") {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    let mut update = booking::Entity::update_many()
        .col_expr(booking::Column::Status, Expr::value("confirmed"))
        .col_expr(booking::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(booking::Column::Id.eq(id))
        .filter(booking::Column::Status.eq("pending"));
    if row.transport_status.is_some() {
        update = update
            .col_expr(booking::Column::TransportStatus, Expr::value("agreed"))
            .col_expr(
                booking::Column::TransportAt,
                Expr::value(row.transport_requested_at),
            )
            .filter(booking::Column::TransportStatus.eq("requested"));
    }
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    staff_step(
        txn,
        state,
        staff,
        &row,
        "funeral.booking.confirm",
        "confirmed".into(),
        Moment::Confirmed,
    )
    .await
}

/// The home proposes another transport time; the family accepts it (or cancels).
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn propose_transport_time(
    state: &Context,
    staff: &Staff,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<Full, ApiError> {
    if at <= Utc::now() {
        return Err(field(
            Code::InvalidBody,
            "transport_at",
            "range",
            "提议的接运时间须晚于现在",
            "the proposed time must be in the future",
        ));
    }
    let txn = state.begin().await?;
    let (row, _) = for_staff(&txn, staff, id).await?;
    if !ACTIVE.contains(&row.status.as_str()) || row.transport_status.is_none() {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    // The home's proposal keeps the services' order too.
    let farewell = booked_slot(&txn, row.farewell_slot_id).await?;
    let cremation = booked_slot(&txn, row.cremation_slot_id).await?;
    let gaps = gaps(&txn, &row.home_id).await?;
    domain::check_order(
        gaps,
        Some(at),
        farewell.as_ref().map(|s| (s.starts_at, s.ends_at)),
        cremation.as_ref().map(|s| s.starts_at),
    )
    .map_err(|e| {
        let mut refusal = order_refusal(gaps, e);
        refusal
            .errors
            .retain(|f| f.field != "transport.requested_at");
        refusal.with_field(FieldError {
            field: "transport_at".into(),
            reason: "order",
            message: Message::new(
                "接运时间须早于告别和火化",
                "transport must come before the farewell and the cremation",
            ),
        })
    })?;
    transition(
        &txn,
        booking::Entity::update_many()
            .col_expr(booking::Column::Status, Expr::value("pending"))
            .col_expr(booking::Column::TransportStatus, Expr::value("proposed"))
            .col_expr(booking::Column::TransportProposedAt, Expr::value(at))
            .col_expr(booking::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(booking::Column::Id.eq(id))
            .filter(booking::Column::Status.is_in(ACTIVE)),
        Code::FuneralWrongState,
    )
    .await?;
    let summary = format!("proposed transport at {}", clock::format(at));
    staff_step(
        txn,
        state,
        staff,
        &row,
        "funeral.booking.propose_transport_time",
        summary,
        Moment::Proposed,
    )
    .await
}

/// The home marks a confirmed booking done, from its first service date on: the
/// deceased's key is freed, the seats stay counted (the services took place).
pub async fn mark_done(state: &Context, staff: &Staff, id: Uuid) -> Result<Full, ApiError> {
    let txn = state.begin().await?;
    let (row, _) = for_staff(&txn, staff, id).await?;
    if row.status == "confirmed" && clock::today() < row.service_date {
        return Err(
            ApiError::new(Code::FuneralWrongState).with_detail(Message::new(
                "服务日期未到，不能标记完成",
                "the services have not taken place yet",
            )),
        );
    }
    if row.status != "confirmed" || !end(&txn, &row, "done").await? {
        return Err(ApiError::new(Code::FuneralWrongState));
    }
    staff_step(
        txn,
        state,
        staff,
        &row,
        "funeral.booking.done",
        "done".into(),
        Moment::Done,
    )
    .await
}

/// Audits a clerk's step, tells the family and commits.
async fn staff_step(
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

fn staff_actor(staff: &Staff) -> Actor {
    Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    }
}

fn event(
    actor: Actor,
    action: &'static str,
    id: Uuid,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("funeral_booking", id), summary, request_id)
}

async fn record(
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
