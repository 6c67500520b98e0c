//! The audit trail: append-only events, each chained to the one before by SHA-256, so
//! that an edited, deleted or inserted row breaks the chain where it happened.
//!
//! An event is written in the same transaction as the change it records, into an inbox
//! with a random key: no writer waits for another (chaining inside every transaction
//! made the trail's tail the hottest row of the system, and on PostgreSQL a lock on it
//! taken mid-transaction could deadlock with row locks taken after). A background
//! chainer, one at a time across instances, moves waiting events onto the chain in the
//! order they were recorded (the time of the change, not of its commit: a long
//! transaction's event may follow later ones); the sequence number is the primary key,
//! so the chain never forks.
//! Readers of the trail (`audit-verify`, the audit listing) chain what waits first.
use chrono::{SubsecRound, Utc};
use entity::{audit_event, audit_inbox};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use sha2::{Digest, Sha256};

use crate::platform::db::begin_write;

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

impl Event {
    /// An event about one target, the shape every room records (each room names its
    /// target kind once, in a one-line `event` of its own).
    pub fn about(
        actor: Actor,
        action: &'static str,
        (target_kind, target_id): (&'static str, impl ToString),
        summary: String,
        request_id: Option<String>,
    ) -> Event {
        Event {
            actor,
            action,
            target_kind,
            target_id: target_id.to_string(),
            summary,
            request_id,
        }
    }
}

/// Records an event inside the caller's transaction: it lands in the inbox (a random
/// key, so concurrent writers never wait on each other) and is chained within a moment
/// by [`chain_pending`]. Committed with the change or not at all.
pub async fn record<C>(txn: &C, event: Event) -> Result<(), DbErr>
where
    C: ConnectionTrait,
{
    let (actor_kind, actor_id, actor_role) = match &event.actor {
        Actor::Citizen(id) => ("citizen", Some(id.to_string()), None),
        Actor::Staff { id, role } => ("staff", Some(id.to_string()), Some((*role).to_owned())),
        Actor::System => ("system", None, None),
    };
    let row = audit_inbox::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        // Microseconds: what PostgreSQL keeps, so the hash can be recomputed from the row.
        at: Set(Utc::now().trunc_subsecs(6)),
        actor_kind: Set(actor_kind.to_owned()),
        actor_id: Set(actor_id),
        actor_role: Set(actor_role),
        action: Set(event.action.to_owned()),
        target_kind: Set(event.target_kind.to_owned()),
        target_id: Set(event.target_id),
        summary: Set(event.summary),
        request_id: Set(event
            .request_id
            .or_else(crate::platform::http::current_request_id)),
    };
    audit_inbox::Entity::insert(row).exec(txn).await?;
    Ok(())
}

/// Chains the waiting events, oldest first, onto the end of the trail; returns how many.
/// One chainer at a time (SQLite's write lock, PostgreSQL's advisory lock), so the chain
/// never forks; any instance may run it, and a crash leaves the inbox for the next run.
pub async fn chain_pending(db: &DatabaseConnection) -> Result<usize, DbErr> {
    use sea_orm::QuerySelect;
    let mut total = 0;
    loop {
        if audit_inbox::Entity::find().one(db).await?.is_none() {
            return Ok(total);
        }
        let txn = begin_write(db).await?;
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            txn.execute_unprepared("SELECT pg_advisory_xact_lock(7263001)")
                .await?;
        }
        let waiting = audit_inbox::Entity::find()
            .order_by_asc(audit_inbox::Column::At)
            .order_by_asc(audit_inbox::Column::Id)
            .limit(500)
            .all(&txn)
            .await?;
        let last = audit_event::Entity::find()
            .order_by_desc(audit_event::Column::Seq)
            .one(&txn)
            .await?;
        let (mut seq, mut prev) = last.map_or((1, GENESIS.to_owned()), |e| (e.seq + 1, e.hash));
        let ids: Vec<uuid::Uuid> = waiting.iter().map(|w| w.id).collect();
        let mut rows = Vec::with_capacity(waiting.len());
        for w in waiting {
            let row = chained(w, seq, prev);
            prev = row.hash.clone();
            seq += 1;
            rows.push(row);
        }
        let count = rows.len();
        if count > 0 {
            audit_event::Entity::insert_many(rows.into_iter().map(active))
                .exec(&txn)
                .await?;
            audit_inbox::Entity::delete_many()
                .filter(audit_inbox::Column::Id.is_in(ids))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        total += count;
        if count < 500 {
            return Ok(total);
        }
    }
}

/// Runs [`chain_pending`] several times a second until the process ends.
pub async fn chainer(db: DatabaseConnection) {
    loop {
        if let Err(e) = chain_pending(&db).await {
            tracing::error!(error = %e, "audit: cannot chain waiting events");
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn chained(w: audit_inbox::Model, seq: i64, prev_hash: String) -> audit_event::Model {
    let mut row = audit_event::Model {
        seq,
        id: w.id,
        at: w.at,
        actor_kind: w.actor_kind,
        actor_id: w.actor_id,
        actor_role: w.actor_role,
        action: w.action,
        target_kind: w.target_kind,
        target_id: w.target_id,
        summary: w.summary,
        request_id: w.request_id,
        prev_hash,
        hash: String::new(),
    };
    row.hash = hash_of(&row);
    row
}

fn active(row: audit_event::Model) -> audit_event::ActiveModel {
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
