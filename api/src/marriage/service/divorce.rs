//! Joint divorce applications: recorded at the desk, the cooling-off period, withdrawn or
//! lapsed.
use chrono::{Duration, Utc};
use entity::marriage_appointment as appointment;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::rules::{NewParty, covers, end, parties_error};
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code, Message};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::marriage::domain::{self, BusinessType};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::context::Context;
use crate::platform::rows::find_or;
use crate::scheduling::engine as scheduling;

/// Records a joint divorce application handed in at the desk today by both parties:
/// the cooling-off period starts the next day.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn record_divorce_application(
    state: &Context,
    staff: &Staff,
    office_id: &str,
    parties: Vec<NewParty>,
) -> Result<entity::divorce_application::Model, ApiError> {
    use entity::divorce_application as application;
    if !covers(staff, office_id) {
        return Err(ApiError::new(Code::Forbidden));
    }
    scheduling::resource(&state.db, office_id).await?;
    let ids: Vec<IdNumber> = parties.iter().map(|p| p.id.clone()).collect();
    domain::check_parties(BusinessType::Divorce, &ids, crate::platform::clock::today())
        .map_err(parties_error)?;
    let today = crate::platform::clock::today();
    let calendar = scheduling::calendar(&state.db, today, today + Duration::days(120)).await?;
    let working = |date: chrono::NaiveDate| {
        crate::scheduling::domain::is_working_day(date, calendar.get(&date).copied())
    };
    let (cooling_off_ends, certificate_by) = domain::divorce_dates(today, working);
    let now = Utc::now();
    let row = application::ActiveModel {
        id: Set(Uuid::now_v7()),
        office_id: Set(office_id.to_owned()),
        received_on: Set(today),
        cooling_off_ends: Set(cooling_off_ends),
        certificate_by: Set(certificate_by),
        status: Set("cooling_off".into()),
        party1_index: Set(identity::id_index(&state.sealer, &ids[0])),
        party2_index: Set(identity::id_index(&state.sealer, &ids[1])),
        party1_masked: Set(ids[0].masked()),
        party2_masked: Set(ids[1].masked()),
        recorded_by: Set(staff.id),
        appointment_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = state.begin().await?;
    let indexes = [
        identity::id_index(&state.sealer, &ids[0]),
        identity::id_index(&state.sealer, &ids[1]),
    ];
    let active = application::Entity::find()
        .filter(application::Column::Status.is_in(["cooling_off", "booked"]))
        .filter(
            sea_orm::Condition::any()
                .add(application::Column::Party1Index.is_in(indexes.clone()))
                .add(application::Column::Party2Index.is_in(indexes)),
        )
        .one(&txn)
        .await?;
    if active.is_some() {
        return Err(
            ApiError::new(Code::PartyHasActiveBooking).with_detail(Message::new(
                "当事人已有未结束的离婚申请",
                "a party already has an open divorce application",
            )),
        );
    }
    let saved = application::Entity::insert(row)
        .exec_with_returning(&txn)
        .await?;
    let actor = Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    };
    let summary = format!(
        "divorce application of {} & {}; cooling-off until {cooling_off_ends}, certificate by {certificate_by}",
        saved.party1_masked, saved.party2_masked
    );
    audit::record(
        &txn,
        Event {
            actor,
            action: "marriage.divorce.apply",
            target_kind: "divorce_application",
            target_id: saved.id.to_string(),
            summary,
            request_id: staff.request_id.clone(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The divorce applications the caller is a party of.
pub async fn my_divorce_applications(
    state: &Context,
    citizen: &Citizen,
) -> Result<Vec<entity::divorce_application::Model>, ApiError> {
    use entity::divorce_application as application;
    let index = identity::verified_index(&state.db, citizen.id).await?;
    Ok(application::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(application::Column::Party1Index.eq(&index))
                .add(application::Column::Party2Index.eq(&index)),
        )
        .order_by_desc(application::Column::CreatedAt)
        .all(&state.db)
        .await?)
}

/// Either party withdraws during the cooling-off period (until its last day, inclusive).
pub async fn withdraw_divorce_application(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<entity::divorce_application::Model, ApiError> {
    use entity::divorce_application as application;
    let index = identity::verified_index(&state.db, citizen.id).await?;
    let txn = state.begin().await?;
    let row = application::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|a| a.party1_index == index || a.party2_index == index)
        .ok_or_else(|| ApiError::new(Code::DivorceApplicationNotFound))?;
    let open = matches!(row.status.as_str(), "cooling_off" | "booked");
    if !open || crate::platform::clock::today() > row.cooling_off_ends {
        return Err(ApiError::new(Code::AppointmentState));
    }
    // Withdrawing ends a certificate appointment booked early, seat and all.
    if let Some(appointment_id) = row.appointment_id
        && let Some(booked) = appointment::Entity::find_by_id(appointment_id)
            .one(&txn)
            .await?
    {
        end(&txn, state, &booked, "cancelled").await?;
    }
    application::Entity::update_many()
        .col_expr(application::Column::Status, Expr::value("withdrawn"))
        .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(application::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Event {
            actor: Actor::Citizen(citizen.id),
            action: "marriage.divorce.withdraw",
            target_kind: "divorce_application",
            target_id: id.to_string(),
            summary: "withdrawn during the cooling-off period".into(),
            request_id: citizen.request_id.clone(),
        },
    )
    .await?;
    let updated =
        find_or::<application::Entity>(&txn, id, Code::DivorceApplicationNotFound).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The application that allows a divorce appointment for these two people at this office
/// on `date`: after the cooling-off period, within the certificate window.
pub(super) async fn divorce_application_for(
    conn: &impl ConnectionTrait,
    office_id: &str,
    indexes: &[String],
    date: chrono::NaiveDate,
) -> Result<entity::divorce_application::Model, ApiError> {
    use entity::divorce_application as application;
    let (a, b) = (&indexes[0], &indexes[1]);
    let found = application::Entity::find()
        .filter(application::Column::OfficeId.eq(office_id))
        .filter(application::Column::Status.eq("cooling_off"))
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(application::Column::Party1Index.eq(a))
                        .add(application::Column::Party2Index.eq(b)),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(application::Column::Party1Index.eq(b))
                        .add(application::Column::Party2Index.eq(a)),
                ),
        )
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::new(Code::DivorceApplicationRequired))?;
    if date <= found.cooling_off_ends || date > found.certificate_by {
        return Err(
            ApiError::new(Code::OutsideDivorceWindow).with_detail(Message::new(
                format!(
                    "离婚登记须预约在 {} 之后、{} 之前（含）",
                    found.cooling_off_ends, found.certificate_by
                ),
                format!(
                    "book a day after {} and on or before {}",
                    found.cooling_off_ends, found.certificate_by
                ),
            )),
        );
    }
    Ok(found)
}

/// Applications nobody booked a certificate appointment for in time lapse (count as withdrawn).
pub async fn lapse_divorce_applications(state: &Context) -> Result<u64, ApiError> {
    use entity::divorce_application as application;
    let lapsed = application::Entity::update_many()
        .col_expr(application::Column::Status, Expr::value("lapsed"))
        .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(application::Column::Status.eq("cooling_off"))
        .filter(application::Column::CertificateBy.lt(crate::platform::clock::today()))
        .exec(&state.db)
        .await?;
    Ok(lapsed.rows_affected)
}
