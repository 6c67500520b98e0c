//! The audit trail: append-only events, each chained to the one before by SHA-256, so
//! that an edited, deleted or inserted row breaks the chain where it happened.
//!
//! An event is written in the same transaction as the change it records. The sequence
//! number is the primary key: two writers that both read "last is N" cannot both write
//! N+1; the loser retries on top of the winner, so the chain never forks. On PostgreSQL
//! appenders also queue on a transaction-scoped advisory lock first: with hundreds of
//! transactions in flight, retrying alone could lose the race 50 times in a row (seen at
//! 250 concurrent real-name binds). SQLite's write transactions are serial already.
use chrono::{DateTime, SubsecRound, Utc};
use entity::audit_event;
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, QueryOrder, Set, TransactionSession, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::platform::db::is_unique_violation;

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did it.
#[derive(Clone, Debug)]
pub enum Actor {
    Citizen(uuid::Uuid),
    Staff {
        id: uuid::Uuid,
        role: &'static str,
    },
    /// The service itself (workers, start-up).
    System,
}

/// One thing that happened, before it is chained.
#[derive(Clone, Debug)]
pub struct Event {
    pub actor: Actor,
    /// Dotted like error codes: `identity.real_name.bind`, `auth.staff.disable`, ...
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: String,
    /// Short and free of personal data in clear (masked ID numbers only).
    pub summary: String,
    pub request_id: Option<String>,
}

/// Appends an event inside the caller's transaction.
pub async fn record<C>(txn: &C, event: Event) -> Result<(), DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let event = Event {
        request_id: event
            .request_id
            .or_else(crate::platform::http::current_request_id),
        ..event
    };
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Held until the caller's transaction ends; the chain is sequential by nature.
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(7263001)")
            .await?;
    }
    for _ in 0..50 {
        let last = audit_event::Entity::find()
            .order_by_desc(audit_event::Column::Seq)
            .one(txn)
            .await?;
        let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |e| (e.seq + 1, e.hash));
        let row = chained(&event, seq, prev, Utc::now());
        // A savepoint, so that losing the race does not abort the caller's transaction.
        let savepoint = txn.begin().await?;
        match audit_event::Entity::insert(row).exec(&savepoint).await {
            Ok(_) => return savepoint.commit().await,
            Err(e) if is_unique_violation(&e) => savepoint.rollback().await?,
            Err(e) => return Err(e),
        }
    }
    Err(DbErr::Custom(
        "the audit chain stayed contended for 50 attempts".into(),
    ))
}

fn chained(
    event: &Event,
    seq: i64,
    prev_hash: String,
    now: DateTime<Utc>,
) -> audit_event::ActiveModel {
    let (actor_kind, actor_id, actor_role) = match &event.actor {
        Actor::Citizen(id) => ("citizen", Some(id.to_string()), None),
        Actor::Staff { id, role } => ("staff", Some(id.to_string()), Some((*role).to_owned())),
        Actor::System => ("system", None, None),
    };
    let mut row = audit_event::Model {
        seq,
        id: uuid::Uuid::now_v7(),
        // Microseconds: what PostgreSQL keeps, so the hash can be recomputed from the row.
        at: now.trunc_subsecs(6),
        actor_kind: actor_kind.to_owned(),
        actor_id,
        actor_role,
        action: event.action.to_owned(),
        target_kind: event.target_kind.to_owned(),
        target_id: event.target_id.clone(),
        summary: event.summary.clone(),
        request_id: event.request_id.clone(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = hash_of(&row);
    audit_event::ActiveModel {
        seq: Set(row.seq),
        id: Set(row.id),
        at: Set(row.at),
        actor_kind: Set(row.actor_kind),
        actor_id: Set(row.actor_id),
        actor_role: Set(row.actor_role),
        action: Set(row.action),
        target_kind: Set(row.target_kind),
        target_id: Set(row.target_id),
        summary: Set(row.summary),
        request_id: Set(row.request_id),
        prev_hash: Set(row.prev_hash),
        hash: Set(row.hash),
    }
}

/// The hash of a row: every field but the hash itself, separated so fields cannot shift.
pub fn hash_of(e: &audit_event::Model) -> String {
    let fields = [
        e.prev_hash.clone(),
        e.seq.to_string(),
        e.id.to_string(),
        e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.actor_kind.clone(),
        e.actor_id.clone().unwrap_or_default(),
        e.actor_role.clone().unwrap_or_default(),
        e.action.clone(),
        e.target_kind.clone(),
        e.target_id.clone(),
        e.summary.clone(),
        e.request_id.clone().unwrap_or_default(),
    ];
    hex::encode(Sha256::digest(fields.join("\u{1f}").as_bytes()))
}

/// What `minzheng audit-verify` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every link holds; the number of events.
    Intact(u64),
    /// The first event whose link does not hold, and why.
    Broken { seq: i64, reason: &'static str },
}

/// Walks the chain from the start, in pages, and reports the first broken link.
pub async fn verify(db: &impl ConnectionTrait) -> Result<Verdict, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    let (mut expected_seq, mut prev) = (1_i64, GENESIS.to_owned());
    loop {
        let page = audit_event::Entity::find()
            .filter(audit_event::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_event::Column::Seq)
            .limit(1000)
            .all(db)
            .await?;
        if page.is_empty() {
            return Ok(Verdict::Intact((expected_seq - 1) as u64));
        }
        for event in page {
            if event.seq != expected_seq {
                return Ok(Verdict::Broken {
                    seq: expected_seq,
                    reason: "missing event",
                });
            }
            if event.prev_hash != prev {
                return Ok(Verdict::Broken {
                    seq: event.seq,
                    reason: "does not follow the previous event",
                });
            }
            if hash_of(&event) != event.hash {
                return Ok(Verdict::Broken {
                    seq: event.seq,
                    reason: "altered after it was written",
                });
            }
            prev = event.hash;
            expected_seq += 1;
        }
    }
}
