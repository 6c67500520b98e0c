//! The queue side of the outbox: the messages rooms queue inside their transaction, and
//! the handle that wakes the worker.
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use entity::outbox_message;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::platform::crypto::Sealer;
use crate::platform::tx::Tx;

/// An email, rendered by the room that sends it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Email {
    pub subject: String,
    pub body: String,
    /// An iCalendar event attached as `appointment.ics`, for the phone's calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ics: Option<String>,
}

/// A handle to wake the worker after a commit; cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    pub(super) wake: Arc<Notify>,
}

impl Default for Outbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Outbox {
    pub fn new() -> Outbox {
        Outbox {
            wake: Arc::new(Notify::new()),
        }
    }

    /// Tells the worker that something is waiting. Rooms do not call it: a notice queued
    /// in a `platform::tx::Tx` wakes the worker when that commits.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// A WeChat subscribe message: the purpose names the template in configuration
/// (`wechat_templates`), `data` maps template keys (`thing1`, `time2`, ...) to values.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WechatMessage {
    pub purpose: String,
    pub page: Option<String>,
    pub data: BTreeMap<String, String>,
    /// The same notice by the person's next channel, queued if WeChat answers that they
    /// refused this subscribe message (43101). Absent in messages queued before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
}

/// A notice's next channel, carried (sealed) inside its WeChat message.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum Fallback {
    Sms(SmsMessage),
    Email {
        to: String,
        template: String,
        email: Email,
    },
}

/// A text message: `purpose` names its template in `[sms_templates]`, `params` are the
/// template's `{1}`, `{2}`... in order, `phone` the E.164 number (sealed with the rest).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SmsMessage {
    pub purpose: String,
    pub phone: String,
    pub params: Vec<String>,
}

/// Queues an email inside the caller's transaction; `person` is whom it is for.
pub async fn enqueue_email(
    tx: &Tx,
    sealer: &Sealer,
    (person, to): (Option<Uuid>, &str),
    template: &str,
    email: &Email,
) -> Result<(), DbErr> {
    let row = Row {
        person,
        channel: "email",
        to,
        template,
    };
    queue(tx, sealer, row, email).await
}

/// Queues a WeChat subscribe message to `openid` inside the caller's transaction.
pub async fn enqueue_wechat(
    tx: &Tx,
    sealer: &Sealer,
    (person, openid): (Option<Uuid>, &str),
    message: &WechatMessage,
) -> Result<(), DbErr> {
    let row = Row {
        person,
        channel: "wechat",
        to: openid,
        template: &message.purpose,
    };
    queue(tx, sealer, row, message).await
}

/// Queues an SMS inside the caller's transaction. The number travels sealed in the
/// payload; the row shows it masked.
pub async fn enqueue_sms(
    tx: &Tx,
    sealer: &Sealer,
    person: Uuid,
    message: &SmsMessage,
) -> Result<(), DbErr> {
    let masked = crate::platform::text::mask_mobile(&message.phone);
    let row = Row {
        person: Some(person),
        channel: "sms",
        to: &masked,
        template: &message.purpose,
    };
    queue(tx, sealer, row, message).await
}

/// Records a message that was sent in the request itself (an SMS sign-in code, whose
/// refusal is the caller's answer) so the outbox lists every channel that went out, and
/// dev mode's outbox page shows it. `to` is shown as stored: pass it masked.
pub async fn record_sent(
    conn: &impl ConnectionTrait,
    sealer: &Sealer,
    channel: &str,
    to: &str,
    template: &str,
    payload: &impl Serialize,
) -> Result<(), DbErr> {
    let row = Row {
        person: None,
        channel,
        to,
        template,
    };
    insert(conn, sealer, row, payload, "sent").await
}

/// The clear columns of an outbox row.
struct Row<'a> {
    person: Option<Uuid>,
    channel: &'a str,
    to: &'a str,
    template: &'a str,
}

/// A pending message: the worker is woken when `tx` commits.
async fn queue(
    tx: &Tx,
    sealer: &Sealer,
    row: Row<'_>,
    payload: &impl Serialize,
) -> Result<(), DbErr> {
    insert(tx, sealer, row, payload, "pending").await?;
    tx.notice_queued();
    Ok(())
}

async fn insert(
    conn: &impl ConnectionTrait,
    sealer: &Sealer,
    row: Row<'_>,
    payload: &impl Serialize,
    status: &str,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let payload = serde_json::to_string(payload).map_err(|e| DbErr::Custom(e.to_string()))?;
    outbox_message::Entity::insert(outbox_message::ActiveModel {
        id: Set(Uuid::now_v7()),
        channel: Set(row.channel.into()),
        recipient: Set(row.to.to_owned()),
        template: Set(row.template.to_owned()),
        payload: Set(sealer.seal(&payload)),
        status: Set(status.into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        sent_at: Set((status == "sent").then_some(now)),
        last_error: Set(None),
        created_at: Set(now),
        person_id: Set(row.person),
    })
    .exec(conn)
    .await?;
    Ok(())
}
