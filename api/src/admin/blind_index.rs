//! Rotating the blind-index key (`minzheng rotate-blind-index`). Every stored blind
//! index (ID numbers, and the keys built from them: one active booking per person, draw
//! and waitlist subjects, invitation codes, phone numbers, idempotency fingerprints) is
//! keyed again with the new key, from the stored value itself: no plain value is needed,
//! so records whose ID number is kept only as an index (a divorce application's parties)
//! rotate too. The work goes table by table in committed batches of 500 rows, with its
//! place recorded in the same transaction, so a run stopped part-way (a crash, Ctrl-C)
//! goes on where it stopped when run again.
//!
//! The database records which keys its indexes are under (`app_meta`): a service started
//! with other keys, or while a rotation is under way, refuses to start.
use chrono::Utc;
use entity::app_meta;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryResult, Set, Value};
use serde::{Deserialize, Serialize};

use crate::platform::crypto::{Sealer, index_key_id, rekey};
use crate::platform::db::begin_write;

/// `app_meta` key: the ids of the keys the stored indexes are under.
const KEYS: &str = "blind_index_keys";
/// `app_meta` key: where a rotation under way has got to.
const ROTATION: &str = "blind_index_rotation";
/// Rows per committed batch.
const BATCH: u64 = 500;

/// How a table's rows are told apart.
#[derive(Clone, Copy)]
enum Pk {
    Uuid,
    Text,
}

/// Every table that stores a blind index, with the columns that hold one.
const TABLES: &[(&str, &str, Pk, &[&str])] = &[
    ("real_name", "citizen_id", Pk::Uuid, &["id_number_index"]),
    ("access_event", "id", Pk::Uuid, &["subject_index"]),
    ("citizen_account", "id", Pk::Uuid, &["phone_index"]),
    ("transferee", "id", Pk::Uuid, &["id_number_index"]),
    ("application_member", "id", Pk::Uuid, &["id_number_index"]),
    ("application_hold", "id", Pk::Uuid, &["person_index"]),
    (
        "divorce_application",
        "id",
        Pk::Uuid,
        &["party1_index", "party2_index"],
    ),
    ("draw_entrant", "id", Pk::Uuid, &["subject_key"]),
    (
        "funeral_booking",
        "id",
        Pk::Uuid,
        &["deceased_id_index", "active_key"],
    ),
    (
        "marriage_party",
        "id",
        Pk::Uuid,
        &["id_number_index", "active_key"],
    ),
    ("memorial_invitation", "id", Pk::Uuid, &["code_index"]),
    ("tomb_visitor", "id", Pk::Uuid, &["id_number_index"]),
    (
        "waitlist_entry",
        "id",
        Pk::Uuid,
        &["subject_key", "active_key"],
    ),
    (
        "idempotency_record",
        "key_hash",
        Pk::Text,
        &["request_hash"],
    ),
];

/// Where a rotation has got to: the new key's id, the table, the last row done.
#[derive(Debug, Serialize, Deserialize)]
struct Place {
    next: String,
    table: usize,
    after: Option<String>,
}

/// Why a rotation or a start-up cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{0}")]
    Keys(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// At start-up: the service's keys must be the ones the stored indexes are under (a
/// database that records none takes the service's), and no rotation may be under way.
pub async fn check(db: &DatabaseConnection, sealer: &Sealer) -> Result<(), KeyError> {
    if meta(db, ROTATION).await?.is_some() {
        return Err(KeyError::Keys(
            "a blind-index rotation is under way: finish it with `minzheng rotate-blind-index` before starting the service".into(),
        ));
    }
    let ours = sealer.index_key_ids();
    match meta(db, KEYS).await? {
        None => set_meta(db, KEYS, &ours).await.map_err(KeyError::from),
        Some(stored) if stored == ours => Ok(()),
        Some(stored) => Err(KeyError::Keys(format!(
            "the database's blind indexes are under the keys {stored}, this service has {ours}: \
             set MINZHENG_BLIND_INDEX_KEY_ROTATIONS as `minzheng rotate-blind-index` printed"
        ))),
    }
}

/// Keys every stored index again with `next`, resuming a rotation to the same key that
/// stopped part-way; `progress` hears the rows of each batch. The ids of the keys the
/// indexes are under afterwards.
pub async fn rotate(
    db: &DatabaseConnection,
    sealer: &Sealer,
    next: &[u8; 32],
    mut progress: impl FnMut(u64),
) -> Result<String, KeyError> {
    let next_id = index_key_id(next);
    let target = format!("{}+{next_id}", sealer.index_key_ids());
    let mut place = match meta(db, ROTATION).await? {
        Some(text) => {
            let place: Place = serde_json::from_str(&text)
                .map_err(|e| KeyError::Keys(format!("the rotation's place is unreadable: {e}")))?;
            if place.next != next_id {
                return Err(KeyError::Keys(format!(
                    "a rotation to the key {} is under way: run it again with that key",
                    place.next
                )));
            }
            place
        }
        None => {
            let stored = meta(db, KEYS).await?;
            if stored
                .as_deref()
                .is_some_and(|s| s != sealer.index_key_ids())
            {
                return Err(KeyError::Keys(format!(
                    "the database's blind indexes are under the keys {}, not {}: set MINZHENG_BLIND_INDEX_KEY_ROTATIONS first",
                    stored.unwrap_or_default(),
                    sealer.index_key_ids()
                )));
            }
            let place = Place {
                next: next_id,
                table: 0,
                after: None,
            };
            set_meta(db, ROTATION, &to_json(&place)?).await?;
            place
        }
    };
    while place.table < TABLES.len() {
        let moved = rotate_batch(db, next, &mut place).await?;
        progress(moved);
    }
    let txn = begin_write(db).await?;
    set_meta(&txn, KEYS, &target).await?;
    app_meta::Entity::delete_by_id(ROTATION).exec(&txn).await?;
    // Sign-in codes live 10 minutes and their hashes mix the key with the address: the
    // ones sent before the rotation are dropped rather than keyed again (ask for a new one).
    entity::sign_in_code::Entity::delete_many()
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(target)
}

/// One committed batch of the current table, with the place moved on in the same
/// transaction; the rows it keyed again.
async fn rotate_batch(
    db: &DatabaseConnection,
    next: &[u8; 32],
    place: &mut Place,
) -> Result<u64, KeyError> {
    let (table, pk, kind, columns) = TABLES[place.table];
    let txn = begin_write(db).await?;
    let mut select = Query::select();
    select
        .column(Alias::new(pk))
        .columns(columns.iter().map(|c| Alias::new(*c)))
        .from(Alias::new(table))
        .order_by(Alias::new(pk), Order::Asc)
        .limit(BATCH);
    if let Some(after) = &place.after {
        select.and_where(Expr::col(Alias::new(pk)).gt(pk_value(kind, after)?));
    }
    let rows = txn.query_all(&select).await?;
    for row in &rows {
        let id = read_pk(row, pk, kind)?;
        let mut update = Query::update();
        update.table(Alias::new(table));
        for column in columns {
            let stored: Option<String> = row.try_get("", column)?;
            let rotated = stored.map(|s| rekey_all(next, &s));
            update.value(Alias::new(*column), rotated);
        }
        update.and_where(Expr::col(Alias::new(pk)).eq(pk_value(kind, &id)?));
        txn.execute(&update).await?;
        place.after = Some(id);
    }
    if (rows.len() as u64) < BATCH {
        place.table += 1;
        place.after = None;
    }
    // Past the last table too: a run killed before the end goes straight to finishing,
    // never keying a row twice.
    set_meta(&txn, ROTATION, &to_json(place)?).await?;
    txn.commit().await?;
    Ok(rows.len() as u64)
}

/// Every blind index in a stored value keyed again: a value is an index (64 lower-case
/// hex digits) or holds one among other parts (`<index>|<place>|<business>|<date>`).
fn rekey_all(next: &[u8; 32], stored: &str) -> String {
    let mut out = String::with_capacity(stored.len());
    let mut run = String::new();
    for c in stored.chars().chain(std::iter::once('\u{0}')) {
        if c.is_ascii_digit() || ('a'..='f').contains(&c) {
            run.push(c);
            continue;
        }
        out.push_str(&if run.len() == 64 {
            rekey(next, &run)
        } else {
            run.clone()
        });
        run.clear();
        if c != '\u{0}' {
            out.push(c);
        }
    }
    out
}

fn read_pk(row: &QueryResult, pk: &str, kind: Pk) -> Result<String, DbErr> {
    Ok(match kind {
        Pk::Uuid => row.try_get::<uuid::Uuid>("", pk)?.to_string(),
        Pk::Text => row.try_get::<String>("", pk)?,
    })
}

fn pk_value(kind: Pk, text: &str) -> Result<Value, KeyError> {
    Ok(match kind {
        Pk::Uuid => uuid::Uuid::parse_str(text)
            .map_err(|e| KeyError::Keys(format!("the rotation's place is unreadable: {e}")))?
            .into(),
        Pk::Text => text.to_owned().into(),
    })
}

fn to_json(place: &Place) -> Result<String, KeyError> {
    serde_json::to_string(place).map_err(|e| KeyError::Keys(e.to_string()))
}

async fn meta(conn: &impl ConnectionTrait, key: &str) -> Result<Option<String>, DbErr> {
    Ok(app_meta::Entity::find_by_id(key)
        .one(conn)
        .await?
        .map(|m| m.value))
}

async fn set_meta(conn: &impl ConnectionTrait, key: &str, value: &str) -> Result<(), DbErr> {
    app_meta::Entity::delete_by_id(key).exec(conn).await?;
    app_meta::Entity::insert(app_meta::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
        created_at: Set(Utc::now()),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The `rotate-blind-index` command on a migrated database: the new key from
/// `MINZHENG_BLIND_INDEX_KEY_NEXT`, a progress bar on stderr, and the value of
/// `MINZHENG_BLIND_INDEX_KEY_ROTATIONS` to start the service with on stdout.
#[expect(clippy::expect_used, reason = "a literal progress template")]
pub async fn command(
    db: &DatabaseConnection,
    secrets: &crate::config::Secrets,
) -> Result<(), Box<dyn std::error::Error>> {
    let next = secrets.blind_index_key_next.ok_or(
        "set MINZHENG_BLIND_INDEX_KEY_NEXT to the new key (openssl rand -base64 32); stop the service first",
    )?;
    let sealer = Sealer::new(secrets);
    let bar = indicatif::ProgressBar::new_spinner().with_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} 行 {per_sec}")
            .expect("a valid progress template"),
    );
    let keys = rotate(db, &sealer, &next, |n| bar.inc(n)).await;
    bar.finish_and_clear();
    let keys = keys?;
    // No key is printed: the operator has them, and a terminal's output may be kept.
    println!("blind indexes are now under the keys {keys}");
    println!(
        "start the service with MINZHENG_BLIND_INDEX_KEY unchanged and MINZHENG_BLIND_INDEX_KEY_ROTATIONS \
         set to its earlier value (if any), a comma, and the value of MINZHENG_BLIND_INDEX_KEY_NEXT"
    );
    Ok(())
}
