//! What the certification cycle shares: the due date, who is told (own accounts, proxies,
//! the registry phone), the audit event, the row lock.
use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use entity::{proxy_consent, real_name, transferee, transferee_proxy};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::auth::citizen::{Notice, notify};
use crate::certification::domain::{self, CycleFacts, Status};
use crate::config::Config;
use crate::error::{ApiError, Code};
use crate::platform::audit::{Actor, Event};
use crate::platform::clock;
use crate::platform::tx::Tx;
use crate::platform::{context::Context, rows::find_or};

/// The proxy service code that lets a relative certify for a transferee.
pub const PROXY_SERVICE: &str = "survival_certification";

/// When a record new to the registry must first certify: after one notice period.
pub fn first_due_on(config: &Config) -> NaiveDate {
    clock::today() + chrono::Duration::days(config.certification_notice_days)
}

pub fn cycle_months(config: &Config, t: &transferee::Model) -> u32 {
    t.cycle_months
        .map_or(config.certification_cycle_months, |m| m as u32)
}

pub fn status_of(config: &Config, t: &transferee::Model, today: NaiveDate) -> Status {
    let facts = CycleFacts {
        allowance_status: t.allowance_status.clone(),
        due_on: t.due_on,
        exempt_until: t.exempt_until,
    };
    domain::status(&facts, today, config.certification_notice_days)
}

/// The transferee's own accounts: a *verified* real name with the same ID number. Only
/// these speak for the transferee (withdraw consent, name proxies, ask for a review, get
/// the reminders); an unverified one may only consent and try a face check, which is how
/// it gets verified (see `ways::acting_for`).
pub async fn own_accounts(
    conn: &impl ConnectionTrait,
    t: &transferee::Model,
) -> Result<Vec<Uuid>, ApiError> {
    Ok(claimants(conn, t)
        .await?
        .into_iter()
        .filter(|(_, verified)| *verified)
        .map(|(id, _)| id)
        .collect())
}

/// Accounts that bound the transferee's ID number as their real name, and whether that
/// name is verified. Anyone may bind a number they know; only a verified binding proves it.
pub async fn claimants(
    conn: &impl ConnectionTrait,
    t: &transferee::Model,
) -> Result<Vec<(Uuid, bool)>, ApiError> {
    Ok(real_name::Entity::find()
        .select_only()
        .column(real_name::Column::CitizenId)
        .column(real_name::Column::Status)
        .filter(real_name::Column::IdNumberIndex.eq(&t.id_number_index))
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, status)| (id, status == "verified"))
        .collect())
}

/// Relatives who may act for the transferee: consented online from the transferee's own
/// account (service `survival_certification`), or recorded by staff from a paper consent.
pub async fn proxies(
    conn: &impl ConnectionTrait,
    t: &transferee::Model,
) -> Result<Vec<Uuid>, ApiError> {
    let own = own_accounts(conn, t).await?;
    let mut ids: Vec<Uuid> = proxy_consent::Entity::find()
        .filter(proxy_consent::Column::PrincipalId.is_in(own))
        .filter(proxy_consent::Column::RevokedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .filter(|c| c.services.split(',').any(|s| s == PROXY_SERVICE))
        .map(|c| c.proxy_id)
        .collect();
    ids.extend(
        transferee_proxy::Entity::find()
            .select_only()
            .column(transferee_proxy::Column::CitizenId)
            .filter(transferee_proxy::Column::TransfereeId.eq(t.id))
            .filter(transferee_proxy::Column::RevokedAt.is_null())
            .into_tuple::<Uuid>()
            .all(conn)
            .await?,
    );
    ids.sort();
    ids.dedup();
    Ok(ids)
}

pub(super) async fn tell(
    conn: &Tx,
    state: &Context,
    t: &transferee::Model,
    what: &str,
    body: String,
) -> Result<(), ApiError> {
    let notice = Notice {
        purpose: "certification",
        subject: format!("生存认证：{what}"),
        body,
        wechat_data: BTreeMap::from([
            ("thing1".into(), "征地超转人员生存认证".into()),
            ("phrase2".into(), what.chars().take(5).collect()),
            (
                "date3".into(),
                t.due_on.format("%Y年%-m月%-d日").to_string(),
            ),
        ]),
        page: Some(format!("pages/certification/index?transferee={}", t.id)),
    };
    let own = own_accounts(conn, t).await?;
    let mut reached = false;
    for citizen in &own {
        reached |= notify(conn, state, *citizen, &notice).await?;
    }
    for citizen in proxies(conn, t).await? {
        if !own.contains(&citizen) {
            notify(conn, state, citizen, &notice).await?;
        }
    }
    if !reached {
        by_registry_phone(conn, state, t, &notice).await?;
    }
    Ok(())
}

/// A transferee whom no account of their own reaches gets the notice by SMS at the
/// registry's phone (a mobile number, when the purpose has an SMS template): many have
/// no account, or one without WeChat.
pub(super) async fn by_registry_phone(
    conn: &Tx,
    state: &Context,
    t: &transferee::Model,
    notice: &Notice,
) -> Result<(), ApiError> {
    use crate::platform::outbox::{self, SmsMessage};
    let Some(sealed) = &t.phone_sealed else {
        return Ok(());
    };
    let registered = state.sealer.open(sealed).map_err(ApiError::internal)?;
    let phone = crate::platform::text::mobile_number(&registered);
    let params = crate::auth::citizen::sms_params_of(state, notice);
    if let (Some(phone), Some(params)) = (phone, params) {
        let purpose = notice.purpose.into();
        let message = SmsMessage {
            purpose,
            phone,
            params,
        };
        outbox::enqueue_sms(conn, &state.sealer, t.id, &message).await?;
    }
    Ok(())
}

pub fn event(
    actor: Actor,
    action: &'static str,
    t: &transferee::Model,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(actor, action, ("transferee", t.id), summary, request_id)
}

/// Takes the row's write lock (PostgreSQL; SQLite's write transaction already holds the
/// database) and reads it, so that what follows decides on current data.
pub async fn lock(conn: &impl ConnectionTrait, id: Uuid) -> Result<transferee::Model, ApiError> {
    let touched = transferee::Entity::update_many()
        .col_expr(transferee::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(transferee::Column::Id.eq(id))
        .exec(conn)
        .await?;
    if touched.rows_affected == 0 {
        return Err(ApiError::new(Code::TransfereeNotFound));
    }
    find_or::<transferee::Entity>(conn, id, Code::TransfereeNotFound).await
}
