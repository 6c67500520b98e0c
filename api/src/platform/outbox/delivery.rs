//! One delivery's bookkeeping: claiming due messages, recording what an attempt came to,
//! giving up after `MAX_ATTEMPTS` and queueing the fallback.

use chrono::{Duration, Utc};
use entity::outbox_message;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, Statement,
};

use uuid::Uuid;

use crate::platform::crypto::Sealer;
use crate::platform::tx::Tx;

use super::queue::{Fallback, enqueue_email, enqueue_sms};

/// How long a claimed message is reserved for its worker before others may take it: a
/// batch is sent at once and each send is cut at `SEND_LIMIT`, so a live worker always
/// records its outcome in time. After a crash, the claimed messages wait this long.
const CLAIM: Duration = Duration::seconds(60);
/// After this many failed attempts a message is given up (status `failed`).
pub const MAX_ATTEMPTS: i32 = 10;
const BATCH: i64 = 10;

/// What one delivery attempt came to.
pub(super) enum Delivery {
    Sent,
    Retry(String),
    GiveUp(String),
    /// WeChat refused on the user's behalf: given up, and the fallback queued.
    Refused(String, Option<Fallback>),
}

/// Reserves up to a batch of due messages for this worker. On PostgreSQL rows locked by
/// another worker are skipped; SQLite has one writer, so the update is the reservation.
pub(super) async fn claim(db: &DatabaseConnection) -> Result<Vec<outbox_message::Model>, DbErr> {
    let backend = db.get_database_backend();
    let skip_locked = if backend == DbBackend::Postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let (p1, p2, p3) = if backend == DbBackend::Postgres {
        ("$1", "$2", "$3")
    } else {
        ("?1", "?2", "?3")
    };
    let sql = format!(
        "UPDATE outbox_message SET locked_until = {p1} WHERE id IN (SELECT id FROM outbox_message \
         WHERE status = 'pending' AND next_attempt_at <= {p2} AND (locked_until IS NULL OR locked_until < {p2}) \
         ORDER BY next_attempt_at LIMIT {p3} {skip_locked}) RETURNING *"
    );
    let now = Utc::now();
    let values = vec![(now + CLAIM).into(), now.into(), BATCH.into()];
    outbox_message::Model::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await
}

pub(super) async fn record(
    db: &DatabaseConnection,
    sealer: &Sealer,
    message: &outbox_message::Model,
    outcome: Delivery,
) -> Result<(), DbErr> {
    let Delivery::Refused(error, fallback) = outcome else {
        return settle(db, message, outcome).await.map(drop);
    };
    // The refusal and the next channel's message in one transaction: neither is lost,
    // and a worker whose claim lapsed queues nothing. No wake-up is needed: a worker
    // that delivered something looks again at once.
    let txn = crate::platform::tx::AfterCommit::none().begin(db).await?;
    let settled = settle(&txn, message, Delivery::GiveUp(error)).await?;
    match fallback {
        Some(next) if settled => enqueue_fallback(&txn, sealer, message.person_id, &next).await?,
        _ => {}
    }
    txn.commit().await
}

/// Queues a refused WeChat notice's fallback for the same person.
async fn enqueue_fallback(
    conn: &Tx,
    sealer: &Sealer,
    person: Option<Uuid>,
    fallback: &Fallback,
) -> Result<(), DbErr> {
    match (fallback, person) {
        (Fallback::Sms(sms), Some(person)) => enqueue_sms(conn, sealer, person, sms).await,
        (
            Fallback::Email {
                to,
                template,
                email,
            },
            person,
        ) => enqueue_email(conn, sealer, (person, to), template, email).await,
        (Fallback::Sms(_), None) => Ok(()),
    }
}

/// Writes a delivery's outcome onto its row, only while the claim is still ours (if it
/// lapsed and another worker took the row, that worker records the outcome); answers
/// whether it did.
async fn settle(
    conn: &impl ConnectionTrait,
    message: &outbox_message::Model,
    outcome: Delivery,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let update = outbox_message::Entity::update_many()
        .filter(outbox_message::Column::Id.eq(message.id))
        .filter(outbox_message::Column::LockedUntil.eq(message.locked_until));
    let update = match outcome {
        Delivery::Sent => update
            .col_expr(outbox_message::Column::Status, Expr::value("sent"))
            .col_expr(outbox_message::Column::SentAt, Expr::value(now)),
        Delivery::GiveUp(error) | Delivery::Refused(error, _) => {
            tracing::warn!(id = %message.id, error = %error, "outbox: message cannot be delivered; given up");
            update
                .col_expr(outbox_message::Column::Status, Expr::value("failed"))
                .col_expr(
                    outbox_message::Column::Attempts,
                    Expr::value(message.attempts + 1),
                )
                .col_expr(outbox_message::Column::LastError, Expr::value(error))
        }
        Delivery::Retry(error) => {
            let attempts = message.attempts + 1;
            tracing::warn!(id = %message.id, attempts, error = %error, "outbox: delivery failed");
            let status = if attempts >= MAX_ATTEMPTS {
                "failed"
            } else {
                "pending"
            };
            let backoff = Duration::seconds(2_i64.pow(attempts.min(11) as u32));
            update
                .col_expr(outbox_message::Column::Status, Expr::value(status))
                .col_expr(outbox_message::Column::Attempts, Expr::value(attempts))
                .col_expr(
                    outbox_message::Column::NextAttemptAt,
                    Expr::value(now + backoff),
                )
                .col_expr(outbox_message::Column::LastError, Expr::value(error))
        }
    };
    let done = update
        .col_expr(
            outbox_message::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}
