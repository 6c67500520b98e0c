//! "My data" (PIPL art. 45): a copy of everything the service holds about a citizen, as
//! the database holds it, unmasked: each table's rows that name their account, or their
//! bound real name's ID number (records made before they had an account: a marriage
//! party, a household member, a transferee, tomb visitors), with sealed values opened and
//! blind indexes and hashes left out (they are keys, not data). Files (photos, documents)
//! are listed, not included. The download is audited.
use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::access;
use super::service::event;
use crate::auth::extract::Citizen;
use crate::error::ApiError;
use crate::platform::audit::{self, Actor};
use crate::platform::context::Context;
use crate::platform::crypto::Sealer;

/// The copy: when it was made, and each table's rows about the citizen.
pub struct Copy {
    pub generated_at: chrono::DateTime<Utc>,
    pub tables: BTreeMap<&'static str, Vec<Value>>,
}

/// Collects the copy and records its download.
pub async fn download(state: &Context, citizen: &Citizen) -> Result<Copy, ApiError> {
    let index = access::index_of(&state.db, citizen.id).await?;
    let mut tables = by_account(&state.db, citizen.id).await?;
    if let Some(index) = &index {
        for (table, rows) in by_id_number(&state.db, index).await? {
            tables.entry(table).or_default().extend(rows);
        }
    }
    let joint = joint_appointments(&state.db, &tables).await?;
    tables
        .entry("marriage_appointment")
        .or_default()
        .extend(joint);
    for rows in tables.values_mut() {
        dedupe(rows);
        for row in rows.iter_mut() {
            open_sealed(&state.sealer, row)?;
        }
    }
    tables.retain(|_, rows| !rows.is_empty());
    let txn = state.begin().await?;
    let summary = format!("downloaded a copy of their data ({} tables)", tables.len());
    let request_id = citizen.request_id.clone();
    let downloaded = event(
        Actor::Citizen(citizen.id),
        "identity.my_data.download",
        citizen.id,
        summary,
        request_id,
    );
    audit::record(&txn, downloaded).await?;
    txn.commit().await?;
    Ok(Copy {
        generated_at: Utc::now(),
        tables,
    })
}

/// Each named table's rows matching its condition, into the map `$t`.
macro_rules! collect {
    ($conn:expr, $t:expr, $($table:ident: $condition:expr,)+) => {
        $($t.insert(
            stringify!($table),
            rows::<entity::$table::Entity>($conn, $condition).await?,
        );)+
    };
}

/// Every row of `E` matching `condition`, as JSON.
async fn rows<E>(
    conn: &impl ConnectionTrait,
    condition: impl sea_orm::sea_query::IntoCondition,
) -> Result<Vec<Value>, ApiError>
where
    E: EntityTrait,
    E::Model: serde::Serialize,
{
    E::find()
        .filter(condition)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| serde_json::to_value(m).map_err(ApiError::internal))
        .collect()
}

/// The rows that name the account.
async fn by_account(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<BTreeMap<&'static str, Vec<Value>>, ApiError> {
    use entity::*;
    let mut t = BTreeMap::new();
    collect!(conn, t,
        citizen_account: citizen_account::Column::Id.eq(id),
        real_name: real_name::Column::CitizenId.eq(id),
        real_name_face_check: real_name_face_check::Column::CitizenId.eq(id),
        auth_session: auth_session::Column::AccountId.eq(id),
        proxy_consent: proxy_consent::Column::PrincipalId.eq(id).or(proxy_consent::Column::ProxyId.eq(id)),
        marriage_appointment: marriage_appointment::Column::BookedBy.eq(id),
        marriage_party: marriage_party::Column::CitizenId.eq(id),
        draw_request: draw_request::Column::CitizenId.eq(id),
        waitlist_entry: waitlist_entry::Column::CitizenId.eq(id),
        funeral_booking: funeral_booking::Column::BookedBy.eq(id),
        tomb_visit: tomb_visit::Column::BookedBy.eq(id),
        sweep_order: sweep_order::Column::CitizenId.eq(id),
        memorial: memorial::Column::OwnerId.eq(id),
        memorial_member: memorial_member::Column::CitizenId.eq(id),
        memorial_message: memorial_message::Column::AuthorId.eq(id),
        application: application::Column::ApplicantId.eq(id).or(application::Column::SubmittedBy.eq(id)),
        transferee_proxy: transferee_proxy::Column::CitizenId.eq(id),
        survival_certification: survival_certification::Column::ByCitizen.eq(id),
        face_attempt: face_attempt::Column::ByCitizen.eq(id),
        media_object: media_object::Column::OwnerId.eq(id),
        outbox_message: outbox_message::Column::PersonId.eq(id),
    );
    Ok(t)
}

/// The rows that name the citizen's ID number (by its blind index).
async fn by_id_number(
    conn: &impl ConnectionTrait,
    index: &str,
) -> Result<Vec<(&'static str, Vec<Value>)>, ApiError> {
    use entity::*;
    Ok(vec![
        (
            "marriage_party",
            rows::<marriage_party::Entity>(conn, marriage_party::Column::IdNumberIndex.eq(index))
                .await?,
        ),
        (
            "application_member",
            rows::<application_member::Entity>(
                conn,
                application_member::Column::IdNumberIndex.eq(index),
            )
            .await?,
        ),
        (
            "tomb_visitor",
            rows::<tomb_visitor::Entity>(conn, tomb_visitor::Column::IdNumberIndex.eq(index))
                .await?,
        ),
        (
            "transferee",
            rows::<transferee::Entity>(conn, transferee::Column::IdNumberIndex.eq(index)).await?,
        ),
        (
            "divorce_application",
            rows::<divorce_application::Entity>(
                conn,
                divorce_application::Column::Party1Index
                    .eq(index)
                    .or(divorce_application::Column::Party2Index.eq(index)),
            )
            .await?,
        ),
        (
            "access_event",
            rows::<access_event::Entity>(conn, access_event::Column::SubjectIndex.eq(index))
                .await?,
        ),
    ])
}

/// The appointments the citizen is a party of without having booked them (joint data:
/// both parties' copies carry them).
async fn joint_appointments(
    conn: &impl ConnectionTrait,
    tables: &BTreeMap<&'static str, Vec<Value>>,
) -> Result<Vec<Value>, ApiError> {
    use entity::marriage_appointment as appointment;
    let ids: Vec<Uuid> = tables
        .get("marriage_party")
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("appointment_id")?.as_str()?.parse().ok())
        .collect();
    rows::<appointment::Entity>(conn, appointment::Column::Id.is_in(ids)).await
}

/// One row once, when two columns found it.
fn dedupe(rows: &mut Vec<Value>) {
    let mut seen = std::collections::HashSet::new();
    rows.retain(|row| {
        seen.insert(
            row.get("id")
                .map(Value::to_string)
                .unwrap_or_else(|| row.to_string()),
        )
    });
}

/// Whether a column holds a key rather than data: blind indexes, hashes, active keys.
fn is_key(column: &str) -> bool {
    column.ends_with("_index") || column.ends_with("_hash") || column == "active_key"
}

/// Opens every sealed value (`*_sealed`, the outbox's `payload`) under its plain name and
/// drops the keys. A value that does not open is an error, never an empty string.
fn open_sealed(sealer: &Sealer, row: &mut Value) -> Result<(), ApiError> {
    let Some(object) = row.as_object_mut() else {
        return Ok(());
    };
    let mut out = Map::new();
    for (column, value) in std::mem::take(object) {
        if is_key(&column) {
            continue;
        }
        let sealed = column
            .strip_suffix("_sealed")
            .or((column == "payload").then_some("payload"));
        match (sealed, value) {
            (Some(name), Value::String(text)) => {
                let plain = sealer.open(&text).map_err(ApiError::internal)?;
                out.insert(name.to_owned(), Value::String(plain));
            }
            (Some(name), Value::Null) => {
                out.insert(name.to_owned(), Value::Null);
            }
            (_, value) => {
                out.insert(column, value);
            }
        }
    }
    *object = out;
    Ok(())
}
