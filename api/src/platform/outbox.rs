//! The notification outbox. A message is a row written in the same transaction as the
//! change that causes it, so it exists exactly when the change does; a background worker
//! delivers it, retries with backoff, and marks it sent right after the peer accepts it.
//! A crash between commit and send loses nothing: the claim on the row lapses and another
//! worker (or the restarted one) picks it up. Payloads are sealed: they may hold codes and names.
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use entity::outbox_message;
use lettre::message::header::ContentType;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, Set, Statement,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::config::Config;
use crate::platform::crypto::Sealer;

/// How long a claimed message is reserved for its worker before others may take it.
const CLAIM: Duration = Duration::seconds(60);
/// After this many failed attempts a message is given up (status `failed`).
pub const MAX_ATTEMPTS: i32 = 10;
const BATCH: i64 = 20;

/// An email, rendered by the room that sends it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Email {
    pub subject: String,
    pub body: String,
}

/// A handle to wake the worker after a commit; cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    wake: Arc<Notify>,
}

impl Outbox {
    pub fn new(_db: DatabaseConnection) -> Outbox {
        Outbox {
            wake: Arc::new(Notify::new()),
        }
    }

    /// Tells the worker that something is waiting; call after the transaction commits.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Queues an email inside the caller's transaction.
pub async fn enqueue_email(
    conn: &impl ConnectionTrait,
    sealer: &Sealer,
    to: &str,
    template: &str,
    email: &Email,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let payload = serde_json::to_string(email).map_err(|e| DbErr::Custom(e.to_string()))?;
    outbox_message::Entity::insert(outbox_message::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        channel: Set("email".into()),
        recipient: Set(to.to_owned()),
        template: Set(template.to_owned()),
        payload: Set(sealer.seal(&payload)),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// Where emails go: SMTP when `smtp_url` is set, else `.eml` files in `data_dir/mail`.
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Mailer {
    pub fn from_config(config: &Config, smtp_password: Option<&str>) -> Result<Mailer, String> {
        match &config.smtp_url {
            Some(url) => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("smtp_url: {e}"))?;
                if let (Some(password), Ok(parsed)) = (smtp_password, url.parse::<reqwest::Url>()) {
                    let user = parsed.username().to_owned();
                    builder = builder.credentials(
                        lettre::transport::smtp::authentication::Credentials::new(
                            user,
                            password.to_owned(),
                        ),
                    );
                }
                Ok(Mailer::Smtp(
                    builder.timeout(Some(StdDuration::from_secs(10))).build(),
                ))
            }
            None => {
                let dir = config.data_dir.join("mail");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Ok(Mailer::Files(AsyncFileTransport::new(dir)))
            }
        }
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(drop).map_err(|e| e.to_string()),
            Mailer::Files(t) => t.send(message).await.map(drop).map_err(|e| e.to_string()),
        }
    }
}

/// The delivering side: claims due messages, sends them, records the outcome.
pub struct Worker {
    pub db: DatabaseConnection,
    pub sealer: Sealer,
    pub mailer: Mailer,
    pub from: String,
    pub wake: Arc<Notify>,
}

impl Worker {
    pub fn new(
        db: DatabaseConnection,
        sealer: Sealer,
        mailer: Mailer,
        from: String,
        outbox: &Outbox,
    ) -> Worker {
        Worker {
            db,
            sealer,
            mailer,
            from,
            wake: outbox.wake.clone(),
        }
    }

    /// Runs until the process ends: on every wake-up, and at least once a second.
    pub async fn run(self) {
        loop {
            match self.deliver_due().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "outbox: cannot read the queue"),
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(StdDuration::from_secs(1)) => {}
            }
        }
    }

    /// Delivers one batch of due messages; returns how many were claimed.
    pub async fn deliver_due(&self) -> Result<usize, DbErr> {
        let batch = claim(&self.db).await?;
        for message in &batch {
            let outcome = self.deliver(message).await;
            record(&self.db, message, outcome).await?;
        }
        Ok(batch.len())
    }

    async fn deliver(&self, message: &outbox_message::Model) -> Result<(), String> {
        let payload = self
            .sealer
            .open(&message.payload)
            .map_err(|e| e.to_string())?;
        match message.channel.as_str() {
            "email" => {
                let email: Email = serde_json::from_str(&payload).map_err(|e| e.to_string())?;
                let mail = Message::builder()
                    .from(self.from.parse().map_err(|e| format!("mail_from: {e}"))?)
                    .to(message
                        .recipient
                        .parse()
                        .map_err(|e| format!("recipient: {e}"))?)
                    .subject(email.subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(email.body)
                    .map_err(|e| e.to_string())?;
                self.mailer.send(mail).await
            }
            other => Err(format!("unknown channel {other}")),
        }
    }
}

/// Reserves up to a batch of due messages for this worker. On PostgreSQL rows locked by
/// another worker are skipped; SQLite has one writer, so the update is the reservation.
async fn claim(db: &DatabaseConnection) -> Result<Vec<outbox_message::Model>, DbErr> {
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

async fn record(
    db: &DatabaseConnection,
    message: &outbox_message::Model,
    outcome: Result<(), String>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let update =
        outbox_message::Entity::update_many().filter(outbox_message::Column::Id.eq(message.id));
    let update = match outcome {
        Ok(()) => update
            .col_expr(outbox_message::Column::Status, Expr::value("sent"))
            .col_expr(outbox_message::Column::SentAt, Expr::value(now)),
        Err(error) => {
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
    update
        .col_expr(
            outbox_message::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .exec(db)
        .await?;
    Ok(())
}
