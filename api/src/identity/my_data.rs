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
use crate::platform::crypto::Sealer;
use crate::platform::db::begin_write;
use crate::state::AppState;

/// The copy: when it was made, and each table's rows about the citizen.
pub struct Copy {
    pub generated_at: chrono::DateTime<Utc>,
    pub tables: BTreeMap<&'static str, Vec<Value>>,
}

/// Collects the copy and records its download.
pub async fn download(state: &AppState, citizen: &Citizen) -> Result<Copy, ApiError> {
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
    let txn = begin_write(&state.db).await?;
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
    t.insert(
        "citizen_account",
        rows::<citizen_account::Entity>(conn, citizen_account::Column::Id.eq(id)).await?,
    );
    t.insert(
        "real_name",
        rows::<real_name::Entity>(conn, real_name::Column::CitizenId.eq(id)).await?,
    );
    t.insert(
        "real_name_face_check",
        rows::<real_name_face_check::Entity>(conn, real_name_face_check::Column::CitizenId.eq(id))
            .await?,
    );
    t.insert(
        "auth_session",
        rows::<auth_session::Entity>(conn, auth_session::Column::AccountId.eq(id)).await?,
    );
    let consents = proxy_consent::Column::PrincipalId
        .eq(id)
        .or(proxy_consent::Column::ProxyId.eq(id));
    t.insert(
        "proxy_consent",
        rows::<proxy_consent::Entity>(conn, consents).await?,
    );
    t.insert(
        "marriage_appointment",
        rows::<marriage_appointment::Entity>(conn, marriage_appointment::Column::BookedBy.eq(id))
            .await?,
    );
    t.insert(
        "marriage_party",
        rows::<marriage_party::Entity>(conn, marriage_party::Column::CitizenId.eq(id)).await?,
    );
    t.insert(
        "draw_request",
        rows::<draw_request::Entity>(conn, draw_request::Column::CitizenId.eq(id)).await?,
    );
    t.insert(
        "waitlist_entry",
        rows::<waitlist_entry::Entity>(conn, waitlist_entry::Column::CitizenId.eq(id)).await?,
    );
    t.insert(
        "funeral_booking",
        rows::<funeral_booking::Entity>(conn, funeral_booking::Column::BookedBy.eq(id)).await?,
    );
    t.insert(
        "tomb_visit",
        rows::<tomb_visit::Entity>(conn, tomb_visit::Column::BookedBy.eq(id)).await?,
    );
    t.insert(
        "sweep_order",
        rows::<sweep_order::Entity>(conn, sweep_order::Column::CitizenId.eq(id)).await?,
    );
    t.insert(
        "memorial",
        rows::<memorial::Entity>(conn, memorial::Column::OwnerId.eq(id)).await?,
    );
    t.insert(
        "memorial_member",
        rows::<memorial_member::Entity>(conn, memorial_member::Column::CitizenId.eq(id)).await?,
    );
    t.insert(
        "memorial_message",
        rows::<memorial_message::Entity>(conn, memorial_message::Column::AuthorId.eq(id)).await?,
    );
    let applications = application::Column::ApplicantId
        .eq(id)
        .or(application::Column::SubmittedBy.eq(id));
    t.insert(
        "application",
        rows::<application::Entity>(conn, applications).await?,
    );
    t.insert(
        "transferee_proxy",
        rows::<transferee_proxy::Entity>(conn, transferee_proxy::Column::CitizenId.eq(id)).await?,
    );
    t.insert(
        "survival_certification",
        rows::<survival_certification::Entity>(
            conn,
            survival_certification::Column::ByCitizen.eq(id),
        )
        .await?,
    );
    t.insert(
        "face_attempt",
        rows::<face_attempt::Entity>(conn, face_attempt::Column::ByCitizen.eq(id)).await?,
    );
    t.insert(
        "media_object",
        rows::<media_object::Entity>(conn, media_object::Column::OwnerId.eq(id)).await?,
    );
    t.insert(
        "outbox_message",
        rows::<outbox_message::Entity>(conn, outbox_message::Column::PersonId.eq(id)).await?,
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
