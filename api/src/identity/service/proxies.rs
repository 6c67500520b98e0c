//! Proxies: a relative acting for a person, granted with the person's consent, listed,
//! revoked.
use chrono::Utc;
use entity::{proxy_consent, real_name};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::rules::{get, id_index};
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::IdNumber;
use crate::platform::audit::{self, Actor, Event};
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::outbox::{self, WechatMessage};
use crate::platform::rows::find_or;
use crate::platform::tx::Tx;

/// Services a proxy may be allowed to act on (GLOSSARY names).
pub const PROXY_SERVICES: &[&str] = &[
    "dibao",
    "low_income",
    "extreme_hardship",
    "temporary_relief",
    "education_grant",
    "heating_subsidy",
    "disability_living_allowance",
    "disability_care_allowance",
    "survival_certification",
    "marriage",
    "funeral",
    "tomb_sweeping",
];

/// Family relations a proxy may have.
pub const RELATIONS: &[&str] = &[
    "spouse",
    "parent",
    "child",
    "sibling",
    "grandparent",
    "grandchild",
    "other_relative",
];

/// What a citizen gives to let a family member act for them.
pub struct NewProxy {
    pub proxy_name: String,
    pub proxy_id: IdNumber,
    pub relation: String,
    pub services: Vec<String>,
}

/// Records the caller's consent for a proxy. Both must have bound real names; the proxy
/// is found by ID number and must carry the name given.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn grant_proxy(
    state: &Context,
    citizen: &Citizen,
    new: NewProxy,
) -> Result<proxy_consent::Model, ApiError> {
    get(state, citizen.id)
        .await
        .map_err(|_| ApiError::new(Code::RealNameRequired))?;
    let proxy = real_name::Entity::find()
        .filter(real_name::Column::IdNumberIndex.eq(id_index(&state.sealer, &new.proxy_id)))
        .one(&state.db)
        .await?
        // Only a verified proxy: an unverified binding could be someone squatting the number.
        .filter(|r| {
            r.status == "verified"
                && state
                    .sealer
                    .open(&r.name_sealed)
                    .is_ok_and(|n| n == new.proxy_name)
        })
        .ok_or_else(|| {
            proxy_invalid(
                "proxy_id_number",
                "没有与该姓名和身份证号码一致、已核验的实名用户",
                "no citizen with this name and ID number has a verified real name",
            )
        })?;
    if proxy.citizen_id == citizen.id {
        return Err(proxy_invalid(
            "proxy_id_number",
            "不能授权给自己",
            "you cannot be your own proxy",
        ));
    }
    let txn = state.begin().await?;
    let consent = proxy_consent::ActiveModel {
        id: Set(Uuid::now_v7()),
        principal_id: Set(citizen.id),
        proxy_id: Set(proxy.citizen_id),
        relation: Set(new.relation.clone()),
        services: Set(new.services.join(",")),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    notify_proxy(&txn, state, &consent).await?;
    let summary = format!(
        "consented to proxy {} ({}) for {}",
        new.proxy_id.masked(),
        new.relation,
        new.services.join(",")
    );
    audit::record(
        &txn,
        proxy_event(
            Actor::Citizen(citizen.id),
            "identity.proxy.grant",
            &consent,
            summary,
            citizen.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(consent)
}

pub(super) fn proxy_invalid(field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::ProxyInvalid).with_field(FieldError {
        field: field.into(),
        reason: "proxy",
        message: Message::new(zh, en),
    })
}

/// Consents the caller gave and received, newest first.
pub async fn list_proxies(
    state: &Context,
    citizen: Uuid,
) -> Result<Vec<proxy_consent::Model>, ApiError> {
    use sea_orm::Condition;
    Ok(proxy_consent::Entity::find()
        .filter(
            Condition::any()
                .add(proxy_consent::Column::PrincipalId.eq(citizen))
                .add(proxy_consent::Column::ProxyId.eq(citizen)),
        )
        .order_by_desc(proxy_consent::Column::CreatedAt)
        .all(&state.db)
        .await?)
}

/// Revokes a consent; either side may. Someone else's consent is "not found".
pub async fn revoke_proxy(
    state: &Context,
    citizen: &Citizen,
    id: Uuid,
) -> Result<proxy_consent::Model, ApiError> {
    let txn = state.begin().await?;
    let consent = proxy_consent::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|c| c.principal_id == citizen.id || c.proxy_id == citizen.id)
        .ok_or_else(|| ApiError::new(Code::ProxyNotFound))?;
    if consent.revoked_at.is_some() {
        return Ok(consent);
    }
    proxy_consent::Entity::update_many()
        .col_expr(proxy_consent::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(proxy_consent::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let updated = find_or::<proxy_consent::Entity>(&txn, id, Code::ProxyNotFound).await?;
    audit::record(
        &txn,
        proxy_event(
            Actor::Citizen(citizen.id),
            "identity.proxy.revoke",
            &updated,
            "revoked proxy consent".into(),
            citizen.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Whether `proxy` may act for `principal` on `service` now (for other rooms).
pub async fn proxy_allowed(
    conn: &impl ConnectionTrait,
    proxy: Uuid,
    principal: Uuid,
    service: &str,
) -> Result<bool, ApiError> {
    let consents = proxy_consent::Entity::find()
        .filter(proxy_consent::Column::ProxyId.eq(proxy))
        .filter(proxy_consent::Column::PrincipalId.eq(principal))
        .filter(proxy_consent::Column::RevokedAt.is_null())
        .all(conn)
        .await?;
    Ok(consents
        .iter()
        .any(|c| c.services.split(',').any(|s| s == service)))
}

/// Proxy events are recorded against the principal, so the principal's trail shows them.
pub(super) fn proxy_event(
    actor: Actor,
    action: &'static str,
    consent: &proxy_consent::Model,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(
        actor,
        action,
        ("citizen_account", consent.principal_id),
        summary,
        request_id,
    )
}

/// Tells the proxy on WeChat that a family member let them act (when the proxy has linked
/// WeChat and a `proxy_granted` template is configured).
pub(super) async fn notify_proxy(
    conn: &Tx,
    state: &Context,
    consent: &proxy_consent::Model,
) -> Result<(), ApiError> {
    if !state.config.wechat_templates.contains_key("proxy_granted") {
        return Ok(());
    }
    let Some(openid) = crate::auth::citizen::contact_of(conn, consent.proxy_id)
        .await?
        .1
    else {
        return Ok(());
    };
    let services: String = consent
        .services
        .split(',')
        .map(service_label)
        .collect::<Vec<_>>()
        .join("、")
        .chars()
        .take(20)
        .collect();
    let message = WechatMessage {
        purpose: "proxy_granted".into(),
        page: Some("pages/identity/proxies".into()),
        data: [
            ("thing1".to_owned(), "家属授权您代办业务".to_owned()),
            ("thing2".to_owned(), services),
            ("time3".to_owned(), clock::format_wechat(consent.created_at)),
        ]
        .into(),
        fallback: None,
    };
    let to = (Some(consent.proxy_id), openid.as_str());
    outbox::enqueue_wechat(conn, &state.sealer, to, &message).await?;
    Ok(())
}

/// The Chinese name of a service code, for messages.
pub(super) fn service_label(code: &str) -> &'static str {
    match code {
        "dibao" => "低保",
        "low_income" => "低收入认定",
        "extreme_hardship" => "特困供养",
        "temporary_relief" => "临时救助",
        "education_grant" => "教育救助",
        "heating_subsidy" => "采暖救助",
        "disability_living_allowance" => "困难残疾人补贴",
        "disability_care_allowance" => "重度残疾人护理补贴",
        "survival_certification" => "生存认证",
        "marriage" => "婚姻登记",
        "funeral" => "殡葬服务",
        "tomb_sweeping" => "祭扫",
        _ => "其他",
    }
}
