//! Reserving a tomb visit: the seats through the booking engine, the grave's day, the
//! visitors.
use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use entity::{grave_day, resource, slot, tomb_visit as visit, tomb_visitor as visitor};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::rules::{VISIT, cemetery, event, grave_filter, visitors_of};
use crate::auth::citizen::{Notice, notify};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::platform::audit::{self, Actor};
use crate::platform::booking_code;
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::db::is_unique_violation;
use crate::scheduling::engine::{self as scheduling, Hold};

/// A reservation as a citizen asks for it, already parsed.
pub struct NewVisit {
    pub cemetery_id: String,
    pub slot_id: Uuid,
    pub grave: (String, String),
    pub visitors: Vec<(String, IdNumber)>,
    pub plates: Vec<String>,
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
pub(super) async fn take_grave(
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

/// Writes the party; a person already holding a visit that day makes the unique index
/// refuse the insert (`tomb.visitor_already_booked`), whatever the timing.
pub(super) async fn add_visitors(
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
pub(super) async fn already_booked(
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

pub(super) fn booked_notice(
    row: &visit::Model,
    place: &resource::Model,
    s: &slot::Model,
) -> Notice {
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
