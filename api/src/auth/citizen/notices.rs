//! Telling a citizen: the contact they can be reached at (WeChat, SMS, e-mail), a notice
//! queued in the outbox.
use entity::citizen_account;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::platform::context::Context;
use crate::platform::tx::Tx;
use uuid::Uuid;

use crate::error::{ApiError, Code};
use crate::platform::outbox::{self, Email};

/// How to reach a citizen: their email and WeChat openid, when known.
pub async fn contact_of(
    conn: &impl ConnectionTrait,
    citizen: Uuid,
) -> Result<(Option<String>, Option<String>), ApiError> {
    Ok(citizen_account::Entity::find_by_id(citizen)
        .one(conn)
        .await?
        .map_or((None, None), |a| (a.email, a.wechat_openid)))
}

/// The openid a WeChat face check runs under: the mini-program's account of the caller
/// (`certification.wechat_account_required` when they never signed in with WeChat).
pub async fn face_openid(conn: &impl ConnectionTrait, citizen: Uuid) -> Result<String, ApiError> {
    let (_, openid) = contact_of(conn, citizen).await?;
    openid.ok_or_else(|| ApiError::new(Code::WechatAccountRequired))
}

/// A message to one citizen, sent by one channel: a WeChat subscribe message, an SMS or
/// an email, as the channel rule picks (`notices::channel`).
pub struct Notice {
    pub purpose: &'static str,
    pub subject: String,
    pub body: String,
    /// The notice's fields: the subscribe template's keys (`thing1`, `time2`, ...) to
    /// values; an SMS template maps them to its parameters.
    pub wechat_data: std::collections::BTreeMap<String, String>,
    pub page: Option<String>,
}

/// Where a notice of `purpose` reaches a citizen, by the channel rule.
pub enum Contact {
    Wechat(String),
    /// The E.164 number and the template's parameters.
    Sms(String, Vec<String>),
    Email(String),
}

/// How `notice` reaches `citizen`, and by which channel next if WeChat refuses (the
/// rule again without WeChat), or `None` when no channel does.
pub async fn reach(
    conn: &impl ConnectionTrait,
    state: &Context,
    citizen: Uuid,
    notice: &Notice,
) -> Result<Option<(Contact, Option<Contact>)>, ApiError> {
    use crate::notices::{NoticeChannel, Reach, channel};
    let Some(account) = citizen_account::Entity::find_by_id(citizen)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let phone = match &account.phone_sealed {
        Some(sealed) => Some(state.sealer.open(sealed).map_err(ApiError::internal)?),
        None => None,
    };
    let params = sms_params_of(state, notice);
    let reach = Reach {
        wechat: account.wechat_openid.is_some()
            && state.config.wechat_templates.contains_key(notice.purpose),
        sms: phone.is_some() && params.is_some(),
        email: account.email.is_some(),
    };
    let contact = |channel: Option<NoticeChannel>| match channel {
        Some(NoticeChannel::Wechat) => account.wechat_openid.clone().map(Contact::Wechat),
        Some(NoticeChannel::Sms) => phone
            .clone()
            .zip(params.clone())
            .map(|(p, params)| Contact::Sms(p, params)),
        Some(NoticeChannel::Email) => account.email.clone().map(Contact::Email),
        None => None,
    };
    let Some(first) = contact(channel(reach)) else {
        return Ok(None);
    };
    let next = match first {
        Contact::Wechat(_) => contact(channel(Reach {
            wechat: false,
            ..reach
        })),
        _ => None,
    };
    Ok(Some((first, next)))
}

/// The SMS parameters of `notice`, when SMS can be sent and its purpose has a template
/// that maps the notice's fields.
pub fn sms_params_of(state: &Context, notice: &Notice) -> Option<Vec<String>> {
    let gateway = crate::platform::sms::SmsGateway::new(&state.config, &state.secrets, &state.http);
    let template = state.config.sms_templates.get(notice.purpose)?;
    gateway
        .takes(template)
        .then(|| crate::notices::sms_params(template, &notice.wechat_data))
        .flatten()
}

/// Queues `notice` for `citizen` in the caller's transaction, by the one channel the
/// rule picks; answers whether one reached them.
pub async fn notify(
    conn: &Tx,
    state: &Context,
    citizen: Uuid,
    notice: &Notice,
) -> Result<bool, ApiError> {
    notify_as(conn, state, citizen, notice, (notice.purpose, None)).await
}

/// [`notify`], with the email's template name and an iCalendar attachment of the room.
/// A WeChat message carries the person's next channel, queued if WeChat refuses it.
pub async fn notify_as(
    conn: &Tx,
    state: &Context,
    citizen: Uuid,
    notice: &Notice,
    (email_template, ics): (&str, Option<String>),
) -> Result<bool, ApiError> {
    use crate::platform::outbox::{Fallback, WechatMessage};
    let Some((contact, next)) = reach(conn, state, citizen, notice).await? else {
        return Ok(false);
    };
    let (sealer, person) = (&state.sealer, Some(citizen));
    let mail = || Email {
        subject: notice.subject.clone(),
        body: format!("{}\n\n北京市通州区民政局", notice.body),
        ics: ics.clone(),
    };
    let sms = |phone, params| crate::platform::outbox::SmsMessage {
        purpose: notice.purpose.into(),
        phone,
        params,
    };
    let fallback = |c: Contact| match c {
        Contact::Sms(phone, params) => Some(Fallback::Sms(sms(phone, params))),
        Contact::Email(to) => Some(Fallback::Email {
            to,
            template: email_template.to_owned(),
            email: mail(),
        }),
        Contact::Wechat(_) => None,
    };
    match contact {
        Contact::Wechat(openid) => {
            let message = WechatMessage {
                purpose: notice.purpose.into(),
                page: notice.page.clone(),
                data: notice.wechat_data.clone(),
                fallback: next.and_then(fallback),
            };
            outbox::enqueue_wechat(conn, sealer, (person, &openid), &message).await?;
        }
        Contact::Sms(phone, params) => {
            outbox::enqueue_sms(conn, sealer, citizen, &sms(phone, params)).await?;
        }
        Contact::Email(address) => {
            let to = (person, address.as_str());
            outbox::enqueue_email(conn, sealer, to, email_template, &mail()).await?;
        }
    }
    Ok(true)
}
