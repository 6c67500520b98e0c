//! Rules of tomb visit reservations, each change in one write transaction: seats of the
//! slot (scheduling core), persons per grave and day (a counter row taken by one
//! conditional update), one active reservation per ID number and day (a partial unique
//! index), then the reservation itself.
use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, Utc};
use entity::{grave_day, resource, slot, tomb_visit as visit, tomb_visitor as visitor, walk_in};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::auth::citizen::{Notice, notify};
use crate::auth::domain::ScopeKind;
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor, Event};
use crate::platform::booking_code;
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::db::is_unique_violation;
use crate::platform::rows::{find_or, transition};
use crate::platform::tx::Tx;
use crate::scheduling::engine::{self as scheduling, Hold};
use crate::scheduling::peak;
use crate::scheduling::setup::{self, ResourceSpec, TemplateSlot};

/// The business type of cemetery visits in the scheduling core.
pub const VISIT: &str = "visit";
/// Resource kinds that take tomb visits.
pub const KINDS: [&str; 2] = ["cemetery", "burial_ground"];
/// Persons in one party (the whole party enters on one QR code).
pub const MAX_PARTY: usize = 5;
/// Vehicles per party.
pub const MAX_PLATES: usize = 3;

/// A reservation as a citizen asks for it, already parsed.
pub struct NewVisit {
    pub cemetery_id: String,
    pub slot_id: Uuid,
    pub grave: (String, String),
    pub visitors: Vec<(String, IdNumber)>,
    pub plates: Vec<String>,
}

/// A cemetery (public cemetery or village burial ground), or 404.
pub async fn cemetery(conn: &impl ConnectionTrait, id: &str) -> Result<resource::Model, ApiError> {
    let r = scheduling::resource(conn, id).await?;
    if KINDS.contains(&r.kind.as_str()) {
        Ok(r)
    } else {
        Err(ApiError::new(Code::NotACemetery))
    }
}

/// Books a visit for the caller's party.
pub async fn book(
    state: &Context,
    citizen: &Citizen,
    new: NewVisit,
) -> Result<(visit::Model, Vec<visitor::Model>), ApiError> {
    // Real name behind: only a verified person books, for themself or their family.
    identity::verified_index(&state.db, citizen.id).await?;
    let place = cemetery(&state.db, &new.cemetery_id).await?;
    let s = scheduling::slot(&state.db, new.slot_id).await?;
    let now = Utc::now();
    scheduling::gate(&state.db, &place, VISIT, &s, now).await?;
    let persons = new.visitors.len() as i32;
    let txn = state.begin().await?;
    // The conditional seat update first: on SQLite it takes the write lock at once.
    scheduling::hold(&txn, &s, Hold::Seats(persons)).await?;
    take_grave(
        &txn,
        &place.id,
        &new.grave.0,
        s.date,
        persons,
        state.config.grave_persons_per_day,
    )
    .await?;
    let row = visit::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(booking_code::booking_code()),
        cemetery_id: Set(place.id.clone()),
        slot_id: Set(s.id),
        visit_date: Set(s.date),
        booked_by: Set(citizen.id),
        grave_key: Set(new.grave.0.clone()),
        grave_label: Set(new.grave.1.clone()),
        persons: Set(persons),
        plates: Set(serde_json::to_string(&new.plates).unwrap_or_else(|_| "[]".into())),
        status: Set("booked".into()),
        checked_in_at: Set(None),
        checked_in_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let row = visit::Entity::insert(row).exec_with_returning(&txn).await?;
    let people = add_visitors(state, &txn, &row, &new.visitors).await?;
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "tomb.visit.book",
            &row,
            format!("{} persons, {}", persons, row.grave_key),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    notify(&txn, state, citizen.id, &booked_notice(&row, &place, &s)).await?;
    txn.commit().await?;
    Ok((row, people))
}

/// Takes `persons` of the grave's daily limit, or answers `tomb.grave_full`.
async fn take_grave(
    txn: &DatabaseTransaction,
    cemetery_id: &str,
    grave_key: &str,
    date: NaiveDate,
    persons: i32,
    limit: i32,
) -> Result<(), ApiError> {
    let empty = grave_day::ActiveModel {
        cemetery_id: Set(cemetery_id.to_owned()),
        grave_key: Set(grave_key.to_owned()),
        visit_date: Set(date),
        persons: Set(0),
    };
    grave_day::Entity::insert(empty)
        .on_conflict_do_nothing()
        .exec_without_returning(txn)
        .await?;
    let taken = grave_day::Entity::update_many()
        .col_expr(
            grave_day::Column::Persons,
            Expr::col(grave_day::Column::Persons).add(persons),
        )
        .filter(grave_filter(cemetery_id, grave_key, date))
        .filter(
            Expr::col(grave_day::Column::Persons)
                .add(persons)
                .lte(limit),
        )
        .exec(txn)
        .await?;
    if taken.rows_affected == 1 {
        Ok(())
    } else {
        Err(ApiError::new(Code::GraveFull))
    }
}

fn grave_filter(cemetery_id: &str, grave_key: &str, date: NaiveDate) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(grave_day::Column::CemeteryId.eq(cemetery_id))
        .add(grave_day::Column::GraveKey.eq(grave_key))
        .add(grave_day::Column::VisitDate.eq(date))
}

/// Writes the party; a person already holding a visit that day makes the unique index
/// refuse the insert (`tomb.visitor_already_booked`), whatever the timing.
async fn add_visitors(
    state: &Context,
    txn: &DatabaseTransaction,
    row: &visit::Model,
    people: &[(String, IdNumber)],
) -> Result<Vec<visitor::Model>, ApiError> {
    let rows: Vec<visitor::ActiveModel> = people
        .iter()
        .enumerate()
        .map(|(i, (name, id))| visitor::ActiveModel {
            id: Set(Uuid::now_v7()),
            visit_id: Set(row.id),
            visit_date: Set(row.visit_date),
            position: Set(i as i32),
            name_sealed: Set(state.sealer.seal(name)),
            id_number_sealed: Set(state.sealer.seal(id.expose())),
            id_number_index: Set(identity::id_index(&state.sealer, id)),
            id_number_masked: Set(id.masked()),
            active: Set(true),
        })
        .collect();
    match visitor::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await
    {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(already_booked(state, row.visit_date, people).await);
        }
        Err(e) => return Err(e.into()),
    }
    visitors_of(txn, row.id).await
}

/// The refusal naming each visitor who holds a visit that day already
/// (`visitors[1].id_number`), so the form can mark them. Read outside the transaction,
/// which PostgreSQL has aborted at the refused insert; it tells the booker only what the
/// index told them already (that this number has a visit that day).
async fn already_booked(
    state: &Context,
    date: NaiveDate,
    people: &[(String, IdNumber)],
) -> ApiError {
    let indexes: Vec<String> = people
        .iter()
        .map(|(_, id)| identity::id_index(&state.sealer, id))
        .collect();
    let taken = visitor::Entity::find()
        .filter(visitor::Column::VisitDate.eq(date))
        .filter(visitor::Column::Active.eq(true))
        .filter(visitor::Column::IdNumberIndex.is_in(indexes.clone()))
        .all(&state.db)
        .await;
    let mut error = ApiError::new(Code::VisitorAlreadyBooked);
    let Ok(taken) = taken else { return error };
    for (i, index) in indexes.iter().enumerate() {
        if taken.iter().any(|v| &v.id_number_index == index) {
            error = error.with_field(FieldError {
                field: format!("visitors[{i}].id_number"),
                reason: "already_booked",
                message: Message::new(
                    "此人当天已有祭扫预约",
                    "this person holds a visit that day already",
                ),
            });
        }
    }
    error
}

/// The party of a visit, in the order it was named.
pub async fn visitors_of(
    conn: &impl ConnectionTrait,
    visit_id: Uuid,
) -> Result<Vec<visitor::Model>, ApiError> {
    Ok(visitor::Entity::find()
        .filter(visitor::Column::VisitId.eq(visit_id))
        .order_by_asc(visitor::Column::Position)
        .all(conn)
        .await?)
}

fn booked_notice(row: &visit::Model, place: &resource::Model, s: &slot::Model) -> Notice {
    let when = clock::format_wechat(s.starts_at);
    Notice {
        purpose: "tomb_visit",
        subject: "祭扫预约成功".into(),
        body: format!(
            "您已预约 {when} 到{}祭扫（{}，{} 人），预约码 {}。请全体同行人凭同一个二维码按时入园。",
            place.name, row.grave_label, row.persons, row.code
        ),
        wechat_data: BTreeMap::from([
            ("thing1".to_owned(), place.name.chars().take(20).collect()),
            ("time2".to_owned(), when),
            ("character_string3".to_owned(), row.code.clone()),
        ]),
        page: Some(format!("pages/tomb-visits/detail?id={}", row.id)),
    }
}

/// A visit the caller booked, or 404.
pub async fn for_citizen(
    conn: &impl ConnectionTrait,
    citizen: &Citizen,
    id: Uuid,
) -> Result<visit::Model, ApiError> {
    visit::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|v| v.booked_by == citizen.id)
        .ok_or_else(|| ApiError::new(Code::VisitNotFound))
}

/// The caller's visits, newest first.
pub async fn mine(
    conn: &impl ConnectionTrait,
    citizen: &Citizen,
) -> Result<Vec<visit::Model>, ApiError> {
    Ok(visit::Entity::find()
        .filter(visit::Column::BookedBy.eq(citizen.id))
        .order_by_desc(visit::Column::VisitDate)
        .order_by_desc(visit::Column::CreatedAt)
        .order_by_desc(visit::Column::Id)
        .all(conn)
        .await?)
}

/// Cancels a visit until `cancel_minutes` before its slot: seats, the grave's persons and
/// the party's day go back in the same transaction.
pub async fn cancel(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<visit::Model, ApiError> {
    let row = for_citizen(&state.db, citizen, id).await?;
    let place = cemetery(&state.db, &row.cemetery_id).await?;
    let s = scheduling::slot(&state.db, row.slot_id).await?;
    if Utc::now() >= s.starts_at - Duration::minutes(i64::from(place.cancel_minutes)) {
        return Err(ApiError::new(Code::VisitCancelClosed));
    }
    let txn = state.begin().await?;
    transition(
        &txn,
        visit::Entity::update_many()
            .col_expr(visit::Column::Status, Expr::value("cancelled"))
            .col_expr(visit::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(visit::Column::Id.eq(row.id))
            .filter(visit::Column::Status.eq("booked")),
        Code::VisitState,
    )
    .await?;
    grave_day::Entity::update_many()
        .col_expr(
            grave_day::Column::Persons,
            Expr::col(grave_day::Column::Persons).sub(row.persons),
        )
        .filter(grave_filter(
            &row.cemetery_id,
            &row.grave_key,
            row.visit_date,
        ))
        .exec(&txn)
        .await?;
    visitor::Entity::update_many()
        .col_expr(visitor::Column::Active, Expr::value(false))
        .filter(visitor::Column::VisitId.eq(row.id))
        .exec(&txn)
        .await?;
    scheduling::release(&txn, state, s.id, row.persons).await?;
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "tomb.visit.cancel",
            &row,
            format!("{} persons freed", row.persons),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    one(&state.db, row.id).await
}

async fn one(conn: &impl ConnectionTrait, id: Uuid) -> Result<visit::Model, ApiError> {
    find_or::<visit::Entity>(conn, id, Code::VisitNotFound).await
}

/// Whether `staff` works at `cemetery_id` (or is a district admin).
pub fn covers(staff: &Staff, cemetery_id: &str) -> bool {
    staff.works_at(ScopeKind::Cemetery, cemetery_id)
}

/// A visit at one of the clerk's cemeteries, or 404 (another cemetery's looks absent).
pub async fn for_staff(
    conn: &impl ConnectionTrait,
    staff: &Staff,
    id: Uuid,
) -> Result<visit::Model, ApiError> {
    let row = one(conn, id).await?;
    if covers(staff, &row.cemetery_id) {
        Ok(row)
    } else {
        Err(ApiError::new(Code::VisitNotFound))
    }
}

/// The day's reservations at a cemetery for the gate, by slot time.
pub async fn day_list(
    conn: &impl ConnectionTrait,
    staff: &Staff,
    cemetery_id: &str,
    date: NaiveDate,
    status: Option<String>,
) -> Result<Vec<visit::Model>, ApiError> {
    if !covers(staff, cemetery_id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let mut find = visit::Entity::find()
        .filter(visit::Column::CemeteryId.eq(cemetery_id))
        .filter(visit::Column::VisitDate.eq(date))
        .order_by_asc(visit::Column::CreatedAt)
        .order_by_asc(visit::Column::Id);
    if let Some(status) = status {
        find = find.filter(visit::Column::Status.eq(status));
    }
    Ok(find.all(conn).await?)
}

/// Finds today's and later reservations by code, QR content or a visitor's ID number,
/// within the clerk's cemeteries.
pub async fn lookup(
    state: &Context,
    staff: &Staff,
    query: &str,
) -> Result<Vec<visit::Model>, ApiError> {
    let ids: Vec<Uuid> = if let Some(code) = booking_code::code_from_input(query) {
        visit::Entity::find()
            .filter(visit::Column::Code.eq(code))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|v| v.id)
            .collect()
    } else if let Ok(id) = IdNumber::parse(query.trim(), clock::today()) {
        visitor::Entity::find()
            .filter(visitor::Column::IdNumberIndex.eq(identity::id_index(&state.sealer, &id)))
            .filter(visitor::Column::VisitDate.gte(clock::today()))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|v| v.visit_id)
            .collect()
    } else {
        return Err(ApiError::new(Code::InvalidQuery));
    };
    let mut out = Vec::new();
    for id in ids {
        let v = one(&state.db, id).await?;
        if covers(staff, &v.cemetery_id) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Lets a party in at the gate: on the day of the visit, once.
pub async fn check_in(state: &Context, staff: &Staff, id: Uuid) -> Result<visit::Model, ApiError> {
    let row = for_staff(&state.db, staff, id).await?;
    if row.visit_date != clock::today() {
        return Err(ApiError::new(Code::VisitNotToday));
    }
    let txn = state.begin().await?;
    transition(
        &txn,
        visit::Entity::update_many()
            .col_expr(visit::Column::Status, Expr::value("checked_in"))
            .col_expr(visit::Column::CheckedInAt, Expr::value(Utc::now()))
            .col_expr(visit::Column::CheckedInBy, Expr::value(staff.id))
            .col_expr(visit::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(visit::Column::Id.eq(row.id))
            .filter(visit::Column::Status.eq("booked")),
        Code::VisitState,
    )
    .await?;
    audit::record(
        &txn,
        event(
            Actor::Staff {
                id: staff.id,
                role: staff.role.as_str(),
            },
            "tomb.visit.check_in",
            &row,
            format!("{} persons", row.persons),
            staff.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    one(&state.db, row.id).await
}

/// Counts persons who came without a reservation today.
pub async fn record_walk_in(
    state: &Context,
    staff: &Staff,
    cemetery_id: &str,
    persons: i32,
) -> Result<(), ApiError> {
    cemetery(&state.db, cemetery_id).await?;
    if !covers(staff, cemetery_id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let txn = state.begin().await?;
    walk_in::Entity::insert(walk_in::ActiveModel {
        id: Set(Uuid::now_v7()),
        cemetery_id: Set(cemetery_id.to_owned()),
        visit_date: Set(clock::today()),
        persons: Set(persons),
        recorded_by: Set(staff.id),
        recorded_at: Set(Utc::now()),
    })
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Event {
            actor: Actor::Staff {
                id: staff.id,
                role: staff.role.as_str(),
            },
            action: "tomb.walk_in.record",
            target_kind: "resource",
            target_id: cemetery_id.to_owned(),
            summary: format!("{persons} persons without reservation"),
            request_id: staff.request_id.clone(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A cemetery's load on one day.
pub struct Load {
    pub capacity: i64,
    pub booked_persons: i64,
    pub checked_in_persons: i64,
    pub walk_in_persons: i64,
}

/// What the gate knows of a day: seats, persons booked and in, walk-ins.
pub async fn load(
    state: &Context,
    staff: &Staff,
    cemetery_id: &str,
    date: NaiveDate,
) -> Result<Load, ApiError> {
    cemetery(&state.db, cemetery_id).await?;
    if !covers(staff, cemetery_id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let slots = slot::Entity::find()
        .filter(slot::Column::ResourceId.eq(cemetery_id))
        .filter(slot::Column::BusinessType.eq(VISIT))
        .filter(slot::Column::Date.eq(date))
        .all(&state.db)
        .await?;
    let checked_in: i64 = visit::Entity::find()
        .filter(visit::Column::CemeteryId.eq(cemetery_id))
        .filter(visit::Column::VisitDate.eq(date))
        .filter(visit::Column::Status.eq("checked_in"))
        .all(&state.db)
        .await?
        .iter()
        .map(|v| i64::from(v.persons))
        .sum();
    let walk_ins: i64 = walk_in::Entity::find()
        .filter(walk_in::Column::CemeteryId.eq(cemetery_id))
        .filter(walk_in::Column::VisitDate.eq(date))
        .all(&state.db)
        .await?
        .iter()
        .map(|w| i64::from(w.persons))
        .sum();
    Ok(Load {
        capacity: slots.iter().map(|s| i64::from(s.capacity)).sum(),
        booked_persons: slots.iter().map(|s| i64::from(s.booked)).sum(),
        checked_in_persons: checked_in,
        walk_in_persons: walk_ins,
    })
}

fn event(
    actor: Actor,
    action: &'static str,
    row: &visit::Model,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("tomb_visit", row.id), summary, request_id)
}

/// Demo cemeteries: a public cemetery and a village burial ground, open every day, with
/// 清明 2027 and 冬至 2026 as peak periods (half-hour slots, earlier opening).
#[expect(
    clippy::too_many_lines,
    reason = "demo cemeteries, written out as data"
)]
pub async fn seed_cemeteries(txn: &Tx) -> Result<(), ApiError> {
    let places = [
        (
            "luhe-cemetery",
            "cemetery",
            "通州区潞河公益性公墓",
            "通州区潞城镇",
            120,
        ),
        (
            "songzhuang-burial",
            "burial_ground",
            "宋庄镇村级公益性埋葬点",
            "通州区宋庄镇",
            40,
        ),
    ];
    for (id, kind, name, address, capacity) in places {
        let spec = ResourceSpec {
            id: id.into(),
            kind: kind.into(),
            name: name.into(),
            address: Some(address.into()),
            window_days: 7,
            window_opens_at: "09:00".into(),
            cutoff_previous_day_at: Some("15:00".into()),
            cutoff_minutes: 0,
            cancel_minutes: 60,
            working_days_only: false,
        };
        setup::save_resource(txn, spec, Actor::System, None).await?;
        let hours = [
            "08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00",
        ];
        let slots = (1..=7)
            .flat_map(|weekday| {
                hours.windows(2).map(move |w| TemplateSlot {
                    weekday,
                    start_time: w[0].into(),
                    end_time: w[1].into(),
                    capacity,
                })
            })
            .collect();
        setup::replace_template(txn, id, VISIT, slots, Actor::System, None).await?;
        for (period, first, last) in [
            ("冬至", (2026, 12, 19), (2026, 12, 23)),
            ("清明", (2027, 3, 27), (2027, 4, 11)),
        ] {
            let date = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d);
            let (Some(first_date), Some(last_date)) = (date(first), date(last)) else {
                continue;
            };
            let halves: Vec<String> = (14..34)
                .map(|h| format!("{:02}:{}", h / 2, if h % 2 == 0 { "00" } else { "30" }))
                .collect();
            let slots = halves
                .windows(2)
                .map(|w| peak::PeakSlot {
                    business_type: VISIT.into(),
                    start_time: w[0].clone(),
                    end_time: w[1].clone(),
                    capacity: capacity * 3 / 4,
                })
                .collect();
            let new = peak::NewPeriod {
                name: period.into(),
                first_date,
                last_date,
                window_days: 14,
                slots,
            };
            peak::create(txn, id, new, Actor::System, None).await?;
        }
    }
    Ok(())
}
