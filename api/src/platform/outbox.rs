//! The notification outbox. A message is a row written in the same transaction as the
//! change that causes it, so it exists exactly when the change does; a background worker
//! delivers it, retries with backoff, and marks it sent right after the peer accepts it.
//! A crash between commit and send loses nothing: the claim on the row lapses and another
//! worker (or the restarted one) picks it up. Payloads are sealed: they may hold codes and names.
use std::sync::Arc;
use std::time::Duration as StdDuration;

use entity::outbox_message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::Notify;

use crate::config::{Config, Secrets};
use crate::error::Code;
use crate::platform::crypto::Sealer;
use crate::platform::rate_limit::{self, Limit};
use crate::platform::sms::{SmsError, SmsGateway};
use crate::platform::wechat;

/// The longest one delivery may take (a token fetch and a send, twice, at 10 s each, fit).
const SEND_LIMIT: StdDuration = StdDuration::from_secs(45);

mod delivery;
mod queue;

pub use delivery::MAX_ATTEMPTS;
use delivery::{Delivery, claim, record};
pub use queue::*;

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
    db: DatabaseConnection,
    sealer: Sealer,
    mailer: Mailer,
    config: Arc<Config>,
    secrets: Arc<Secrets>,
    wechat_secret: Option<String>,
    http: reqwest::Client,
    tokens: wechat::AccessTokenCache,
    wake: Arc<Notify>,
}

impl Worker {
    /// A worker over the queue in `db`, woken by `wake` (the app's [`Outbox`]).
    pub fn new(
        db: DatabaseConnection,
        sealer: Sealer,
        (config, secrets): (Arc<Config>, Arc<Secrets>),
        http: reqwest::Client,
        wake: &Outbox,
        mailer: Mailer,
    ) -> Worker {
        Worker {
            db,
            sealer,
            mailer,
            wechat_secret: secrets.wechat_app_secret.clone(),
            config,
            secrets,
            http,
            tokens: wechat::AccessTokenCache::default(),
            wake: wake.wake.clone(),
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

    /// Delivers one batch of due messages, all at once, each recorded as soon as its peer
    /// answered (the shorter that gap, the fewer repeats after a crash); returns how many
    /// were claimed.
    pub async fn deliver_due(&self) -> Result<usize, DbErr> {
        let batch = claim(&self.db).await?;
        let sends = batch.iter().map(|message| async move {
            let outcome = tokio::time::timeout(SEND_LIMIT, self.deliver(message))
                .await
                .unwrap_or_else(|_| Delivery::Retry("no answer in time".into()));
            record(&self.db, &self.sealer, message, outcome).await
        });
        for recorded in futures_util::future::join_all(sends).await {
            recorded?;
        }
        Ok(batch.len())
    }

    async fn deliver(&self, message: &outbox_message::Model) -> Delivery {
        let payload = match self.sealer.open(&message.payload) {
            Ok(payload) => payload,
            Err(e) => return Delivery::GiveUp(e.to_string()),
        };
        match message.channel.as_str() {
            "email" => match self.email(&message.recipient, &payload) {
                Ok(mail) => self
                    .mailer
                    .send(mail)
                    .await
                    .map_or_else(Delivery::Retry, |()| Delivery::Sent),
                Err(e) => Delivery::GiveUp(e),
            },
            "wechat" => self.wechat(&message.recipient, &payload).await,
            "sms" => self.sms(&payload).await,
            other => Delivery::GiveUp(format!("unknown channel {other}")),
        }
    }

    fn email(&self, to: &str, payload: &str) -> Result<Message, String> {
        let email: Email = serde_json::from_str(payload).map_err(|e| e.to_string())?;
        let builder = Message::builder()
            .from(
                self.config
                    .mail_from
                    .parse()
                    .map_err(|e| format!("mail_from: {e}"))?,
            )
            .to(to.parse().map_err(|e| format!("recipient: {e}"))?);
        let builder = builder.subject(email.subject);
        let Some(ics) = email.ics else {
            return builder
                .header(ContentType::TEXT_PLAIN)
                .body(email.body)
                .map_err(|e| e.to_string());
        };
        let calendar = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
            .map_err(|e| e.to_string())?;
        let parts = MultiPart::mixed()
            .singlepart(SinglePart::plain(email.body))
            .singlepart(Attachment::new("appointment.ics".into()).body(ics, calendar));
        builder.multipart(parts).map_err(|e| e.to_string())
    }

    /// Sends a queued SMS through the gateway the configuration names, within the daily
    /// cap of its number and the service's daily budget (both counted when sent, so a
    /// message over either is given up, not sent later).
    async fn sms(&self, payload: &str) -> Delivery {
        let message: SmsMessage = match serde_json::from_str(payload) {
            Ok(m) => m,
            Err(e) => return Delivery::GiveUp(e.to_string()),
        };
        let Some(template) = self.config.sms_templates.get(&message.purpose) else {
            return Delivery::GiveUp(format!("no SMS template for {}", message.purpose));
        };
        if let Err(refused) = self.take_sms_allowance(&message.phone).await {
            return refused;
        }
        let gateway = SmsGateway::new(&self.config, &self.secrets, &self.http);
        match gateway
            .send(&message.phone, &message.purpose, template, &message.params)
            .await
        {
            Ok(()) => Delivery::Sent,
            Err(e @ (SmsError::Blocked | SmsError::WrongNumber)) => Delivery::GiveUp(e.to_string()),
            Err(e @ (SmsError::RateLimited(_) | SmsError::Unavailable(_))) => {
                Delivery::Retry(e.to_string())
            }
        }
    }

    /// One SMS of the number's daily cap (`sms_daily_cap_per_number`) and of the
    /// service's daily budget (`sms_daily_budget`); days are UTC days.
    async fn take_sms_allowance(&self, phone: &str) -> Result<(), Delivery> {
        let day = |hits: u32| Limit {
            hits: hits as i32,
            window_secs: 24 * 3600,
        };
        let number = format!(
            "sms-notice:number:{}",
            self.sealer.blind_index("sms-cap", phone)
        );
        let caps = [
            (
                number.as_str(),
                day(self.config.sms_daily_cap_per_number),
                "the number's daily SMS cap is reached",
            ),
            (
                "sms-notice:budget",
                day(self.config.sms_daily_budget),
                "the service's daily SMS budget is spent",
            ),
        ];
        for (key, limit, why) in caps {
            match rate_limit::hit(&self.db, key, limit, Code::SmsRateLimited).await {
                Ok(()) => {}
                Err(e) if e.code == Code::SmsRateLimited => {
                    return Err(Delivery::GiveUp(why.into()));
                }
                Err(e) => {
                    return Err(Delivery::Retry(format!(
                        "cannot count the SMS: {}",
                        e.code.as_str()
                    )));
                }
            }
        }
        Ok(())
    }

    async fn wechat(&self, openid: &str, payload: &str) -> Delivery {
        let message: WechatMessage = match serde_json::from_str(payload) {
            Ok(m) => m,
            Err(e) => return Delivery::GiveUp(e.to_string()),
        };
        let (Some(app_id), Some(secret)) = (&self.config.wechat_app_id, &self.wechat_secret) else {
            return Delivery::GiveUp("WeChat is not configured".into());
        };
        let Some(template_id) = self.config.wechat_templates.get(&message.purpose) else {
            return Delivery::GiveUp(format!("no template configured for {}", message.purpose));
        };
        if let Err(e) = wechat::check_fields(&message.data) {
            return Delivery::GiveUp(e);
        }
        let data: serde_json::Map<String, serde_json::Value> = message
            .data
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!({"value": v})))
            .collect();
        let body = serde_json::json!({
            "touser": openid, "template_id": template_id, "page": message.page, "data": data,
            "miniprogram_state": self.config.wechat_miniprogram_state, "lang": "zh_CN",
        });
        let base = &self.config.wechat_api_base;
        // A rejected token is fetched afresh once; anything else waits for the backoff.
        for force in [false, true] {
            let token = match self
                .tokens
                .get(&self.http, base, app_id, secret, force)
                .await
            {
                Ok(token) => token,
                Err(e) => return Delivery::Retry(e),
            };
            match wechat::send_subscribe(&self.http, base, &token, &body).await {
                Ok(()) => return Delivery::Sent,
                Err(wechat::SendFailure::Permanent(e)) => return Delivery::GiveUp(e),
                Err(wechat::SendFailure::Refused(e)) => {
                    return Delivery::Refused(e, message.fallback);
                }
                Err(wechat::SendFailure::Retry(e)) if force || !e.contains("access token") => {
                    return Delivery::Retry(e);
                }
                Err(wechat::SendFailure::Retry(_)) => {}
            }
        }
        Delivery::Retry("access token rejected twice".into())
    }
}
