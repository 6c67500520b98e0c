//! Running a draw: the ranking, the winners booked in rank order, the outcome told.
use std::collections::BTreeMap;

use chrono::Utc;
use entity::{draw, draw_request as request};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::rules::status_label;
use super::winners::{Won, book_winner};
use crate::auth::citizen::{Notice, notify};
use crate::error::{ApiError, Code};
use crate::marriage::domain::BusinessType;
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::crypto::sha256_hex;
use crate::platform::tx::Tx;
use crate::scheduling::draw::{self as lottery, event};
use crate::scheduling::engine as scheduling;

/// Runs every marriage draw whose window has closed (the sweeper calls this).
pub async fn run_due(state: &Context) -> Result<usize, ApiError> {
    let mut ran = 0;
    for d in lottery::due(&state.db, Utc::now()).await? {
        let office = scheduling::resource(&state.db, &d.resource_id).await?;
        if office.kind != "marriage_office" {
            continue;
        }
        match run(state, d.id, Actor::System, None).await {
            Ok(_) => ran += 1,
            // Another instance drew it first.
            Err(e) if e.code == Code::DrawNotClosed => {}
            // One failing draw must not hold up the others.
            Err(e) => {
                tracing::error!(draw = %d.id, code = e.code.as_str(), "marriage: a draw failed")
            }
        }
    }
    Ok(ran)
}

/// Draws: ranks the pending requests, books winners in rank order into the day's slots
/// by time, tells everyone the result. Once per draw, after its window closed.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn run(
    state: &Context,
    id: Uuid,
    actor: Actor,
    request_id: Option<String>,
) -> Result<draw::Model, ApiError> {
    let d = lottery::get(&state.db, id).await?;
    let office = scheduling::resource(&state.db, &d.resource_id).await?;
    let kind = BusinessType::parse(&d.business_type)
        .ok_or_else(|| ApiError::internal("a draw of an unknown business type"))?;
    let cal = scheduling::calendar(&state.db, d.date, d.date).await?;
    // Made before the draw's transaction (an insert that ignores slots made meanwhile).
    scheduling::day_slots(
        &state.db,
        &office,
        kind.as_str(),
        d.date,
        cal.get(&d.date).copied(),
    )
    .await?;
    let now = Utc::now();
    let txn = state.begin().await?;
    let seed = lottery::start_run(&txn, state, &d, now).await?;
    let pending = request::Entity::find()
        .filter(request::Column::DrawId.eq(d.id))
        .filter(request::Column::Status.eq("pending"))
        .all(&txn)
        .await?;
    let ids: Vec<Uuid> = pending.iter().map(|r| r.id).collect();
    let ranked = lottery::order(&seed, &ids);
    let slots = entity::slot::Entity::find()
        .filter(entity::slot::Column::ResourceId.eq(&office.id))
        .filter(entity::slot::Column::BusinessType.eq(kind.as_str()))
        .filter(entity::slot::Column::Date.eq(d.date))
        .order_by_asc(entity::slot::Column::StartsAt)
        .all(&txn)
        .await?;
    let mut winners = 0;
    let mut seats_left = true;
    // A person named in several requests wins one seat.
    let mut won = std::collections::HashSet::new();
    for (rank, request_id) in ranked.iter().enumerate() {
        let Some(r) = pending.iter().find(|r| r.id == *request_id) else {
            continue;
        };
        let outcome = if seats_left {
            match book_winner(&txn, state, &office, kind, &slots, r, &mut won).await? {
                Won::Booked(appointment) => {
                    winners += 1;
                    Outcome::Won(appointment)
                }
                Won::NoSeat => {
                    seats_left = false;
                    Outcome::Lost
                }
                Won::Refused(code) => Outcome::Failed(code),
            }
        } else {
            Outcome::Lost
        };
        settle(&txn, state, &d, &office.name, r, rank, outcome).await?;
    }
    lottery::finish_run(&txn, d.id, ranked.len(), winners).await?;
    let ranking: Vec<String> = ranked.iter().map(Uuid::to_string).collect();
    let summary = format!(
        "drawn: {} requests, {winners} booked; seed {}; ranking SHA-256 {}",
        ranked.len(),
        hex::encode(&seed),
        sha256_hex(ranking.join(",").as_bytes())
    );
    audit::record(
        &txn,
        event(actor, "scheduling.draw.run", d.id, summary, request_id),
    )
    .await?;
    // The draw is over: the day's seats are open to booking again.
    txn.seats_changed(&office.id, kind.as_str(), d.date);
    txn.commit().await?;
    lottery::get(&state.db, id).await
}

pub(super) enum Outcome {
    Won(Uuid),
    Lost,
    Failed(Code),
}

/// Records a request's rank and outcome and tells its requester.
pub(super) async fn settle(
    txn: &Tx,
    state: &Context,
    d: &draw::Model,
    office_name: &str,
    r: &request::Model,
    rank: usize,
    outcome: Outcome,
) -> Result<(), ApiError> {
    let (status, appointment, reason) = match &outcome {
        Outcome::Won(id) => ("won", Some(*id), None),
        Outcome::Lost => ("lost", None, None),
        Outcome::Failed(code) => ("failed", None, Some(code.as_str().to_owned())),
    };
    request::Entity::update_many()
        .col_expr(request::Column::Status, Expr::value(status))
        .col_expr(request::Column::Rank, Expr::value(rank as i32 + 1))
        .col_expr(request::Column::AppointmentId, Expr::value(appointment))
        .col_expr(request::Column::Reason, Expr::value(reason))
        .col_expr(request::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(request::Column::Id.eq(r.id))
        .filter(request::Column::Status.eq("pending"))
        .exec(txn)
        .await?;
    let result = match outcome {
        Outcome::Won(_) => "中签，已为您预约，详见预约记录".to_owned(),
        Outcome::Lost => "未中签".to_owned(),
        Outcome::Failed(code) => format!(
            "中签，但预约未能完成（{}）",
            code.title(crate::platform::lang::Lang::Zh)
        ),
    };
    let notice = Notice {
        purpose: "draw_result",
        subject: format!("{} 摇号结果", d.date),
        body: format!(
            "您在{office_name}的 {} 摇号申请（排位第 {} 位）：{result}。",
            d.date,
            rank + 1
        ),
        wechat_data: BTreeMap::from([
            ("thing1".to_owned(), office_name.chars().take(20).collect()),
            ("date2".to_owned(), d.date.to_string()),
            ("phrase3".to_owned(), status_label(status).into()),
        ]),
        page: Some(format!("pages/marriage/draw?id={}", d.id)),
    };
    notify(txn, state, r.citizen_id, &notice).await?;
    Ok(())
}
