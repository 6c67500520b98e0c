//! Rules of the identity room: binding a real name, verifying it (face or in person),
//! and proxies with consent. ID numbers and names are sealed; the blind index finds them.
use chrono::Utc;
use entity::{proxy_consent, real_name};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use uuid::Uuid;

use super::domain::{IdNumber, Sex};
use crate::auth::extract::{Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::crypto::Sealer;
use crate::platform::db::is_unique_violation;
use crate::platform::outbox::{self, WechatMessage};
use crate::platform::rows::find_or;
use crate::platform::tx::Tx;

/// The purpose tag of the ID-number blind index.
const ID_INDEX: &str = "id_number";

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

/// Parses an ID number from a request field, as a field error when invalid.
pub fn parse_id_number(field: &str, text: &str) -> Result<IdNumber, ApiError> {
    IdNumber::parse(text, clock::today()).map_err(|e| {
        ApiError::new(Code::IdNumberInvalid).with_field(FieldError {
            field: field.into(),
            reason: e.reason(),
            message: Message::new(e.message_zh(), e.message_en()),
        })
    })
}

/// A personal name as on an ID card or passport (`platform::text::person_name`: Chinese
/// characters with `·`, or Latin letters and spaces), as a field error when it is not.
pub fn parse_name(field: &str, text: &str) -> Result<String, ApiError> {
    use crate::platform::text::{NAME_MAX_CHINESE, NameError, person_name};
    person_name(text).map_err(|e| {
        let (reason, zh, en) = match e {
            NameError::Length => (
                "length",
                format!("姓名须为 1 到 {NAME_MAX_CHINESE} 个汉字（外文姓名至多 60 个字母）"),
                format!("a name has 1 to {NAME_MAX_CHINESE} Chinese characters (60 letters in Latin)"),
            ),
            NameError::Characters => (
                "characters",
                "姓名只能由汉字（少数民族姓名可用间隔号“·”）或英文字母和空格组成".to_owned(),
                "a name is Chinese characters (with the middle dot · in minority names), or Latin letters and spaces".to_owned(),
            ),
        };
        ApiError::new(Code::InvalidBody).with_field(FieldError {
            field: field.into(),
            reason,
            message: Message::new(zh, en),
        })
    })
}

/// Opens a sealed ID number for a rule that needs what it encodes (age, sex). A value
/// that does not open or no longer parses is a server fault, never an empty answer.
pub fn open_id_number(state: &Context, sealed: &str) -> Result<IdNumber, ApiError> {
    let text = state.sealer.open(sealed).map_err(ApiError::internal)?;
    IdNumber::parse(&text, clock::today())
        .map_err(|_| ApiError::internal("a stored ID number no longer parses"))
}

/// The blind index of an ID number (for look-ups without opening sealed rows).
pub fn id_index(sealer: &Sealer, id: &IdNumber) -> String {
    sealer.blind_index(ID_INDEX, id.expose())
}

/// Binds (or, while unverified, replaces) the caller's real name.
pub async fn bind(
    state: &Context,
    citizen: &Citizen,
    name: String,
    id: IdNumber,
) -> Result<real_name::Model, ApiError> {
    let now = Utc::now();
    let txn = state.begin().await?;
    let existing = real_name::Entity::find_by_id(citizen.id).one(&txn).await?;
    if existing.as_ref().is_some_and(|r| r.status == "verified") {
        return Err(ApiError::new(Code::RealNameVerified));
    }
    let row = real_name::ActiveModel {
        citizen_id: Set(citizen.id),
        name_sealed: Set(state.sealer.seal(&name)),
        id_number_sealed: Set(state.sealer.seal(id.expose())),
        id_number_index: Set(id_index(&state.sealer, &id)),
        id_number_masked: Set(id.masked()),
        sex: Set(match id.sex() {
            Sex::Male => "male".into(),
            Sex::Female => "female".into(),
        }),
        status: Set("unverified".into()),
        verified_by: Set(None),
        verified_at: Set(None),
        verified_by_staff: Set(None),
        // The consent is the holder's, for this account: it outlives a re-binding.
        face_consent_at: Set(existing.as_ref().and_then(|r| r.face_consent_at)),
        created_at: Set(existing.as_ref().map_or(now, |r| r.created_at)),
        updated_at: Set(now),
    };
    let saved = if existing.is_some() {
        row.update(&txn).await
    } else {
        row.insert(&txn).await
    };
    let saved = match saved {
        Ok(saved) => saved,
        Err(e) if is_unique_violation(&e) => return Err(ApiError::new(Code::IdNumberTaken)),
        Err(e) => return Err(e.into()),
    };
    let summary = format!("bound real name, ID {}", id.masked());
    audit::record(
        &txn,
        event(
            Actor::Citizen(citizen.id),
            "identity.real_name.bind",
            citizen.id,
            summary,
            citizen.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The caller's real name, if bound.
pub async fn get(state: &Context, citizen: Uuid) -> Result<real_name::Model, ApiError> {
    find_or::<real_name::Entity>(&state.db, citizen, Code::RealNameNotFound).await
}

/// A clerk who has seen the ID card of the citizen at the desk verifies the real name of
/// that citizen's account (the account id comes from the citizen's app). The card wins
/// over an unverified binding of the same number by another account: that binding is
/// removed (and audited), so a leaked ID number cannot be squatted.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn verify_in_person(
    state: &Context,
    staff: &Staff,
    citizen: Uuid,
    name: &str,
    id: &IdNumber,
) -> Result<real_name::Model, ApiError> {
    use crate::auth::domain::Role;
    if !matches!(staff.role, Role::Clerk | Role::Admin) {
        return Err(ApiError::new(Code::Forbidden));
    }
    if !crate::auth::citizen::exists(&state.db, citizen).await? {
        return Err(ApiError::new(Code::RealNameNotFound));
    }
    let index = id_index(&state.sealer, id);
    let actor = Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    };
    let txn = state.begin().await?;
    let holder = real_name::Entity::find()
        .filter(real_name::Column::IdNumberIndex.eq(&index))
        .one(&txn)
        .await?;
    if let Some(other) = holder.filter(|r| r.citizen_id != citizen) {
        if other.status == "verified" {
            return Err(ApiError::new(Code::IdNumberTaken));
        }
        real_name::Entity::delete_by_id(other.citizen_id)
            .exec(&txn)
            .await?;
        let summary = format!(
            "unverified binding of ID {} removed: the card holder was verified on another account",
            id.masked()
        );
        audit::record(
            &txn,
            event(
                actor.clone(),
                "identity.real_name.remove",
                other.citizen_id,
                summary,
                staff.request_id.clone(),
            ),
        )
        .await?;
    }
    let own = real_name::Entity::find_by_id(citizen).one(&txn).await?;
    let row = match own {
        Some(row) if row.id_number_index == index => {
            if state
                .sealer
                .open(&row.name_sealed)
                .map_err(ApiError::internal)?
                != name
            {
                return Err(ApiError::new(Code::RealNameNotFound));
            }
            row
        }
        Some(row) if row.status == "verified" => return Err(ApiError::new(Code::RealNameVerified)),
        other => {
            if let Some(stale) = other {
                real_name::Entity::delete_by_id(stale.citizen_id)
                    .exec(&txn)
                    .await?;
            }
            new_row(state, citizen, name, id).insert(&txn).await?
        }
    };
    let updated = mark_verified(&txn, row, "in_person", Some(staff.id)).await?;
    let summary = format!("verified in person, ID {}", id.masked());
    audit::record(
        &txn,
        event(
            actor,
            "identity.real_name.verify",
            citizen,
            summary,
            staff.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A fresh, unverified real-name row.
fn new_row(state: &Context, citizen: Uuid, name: &str, id: &IdNumber) -> real_name::ActiveModel {
    let now = Utc::now();
    real_name::ActiveModel {
        citizen_id: Set(citizen),
        name_sealed: Set(state.sealer.seal(name)),
        id_number_sealed: Set(state.sealer.seal(id.expose())),
        id_number_index: Set(id_index(&state.sealer, id)),
        id_number_masked: Set(id.masked()),
        sex: Set(match id.sex() {
            Sex::Male => "male".into(),
            Sex::Female => "female".into(),
        }),
        status: Set("unverified".into()),
        verified_by: Set(None),
        verified_at: Set(None),
        verified_by_staff: Set(None),
        face_consent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The hook for face verification (survival certification supplies the verifiers): a
/// passed check for this citizen marks the real name verified, inside the caller's transaction.
pub async fn mark_verified_by_face<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    citizen: Uuid,
    request_id: Option<String>,
) -> Result<(), ApiError> {
    let row = find_or::<real_name::Entity>(conn, citizen, Code::RealNameNotFound).await?;
    mark_verified(conn, row, "face", None).await?;
    audit::record(
        conn,
        event(
            Actor::Citizen(citizen),
            "identity.real_name.verify",
            citizen,
            "verified by face".into(),
            request_id,
        ),
    )
    .await?;
    Ok(())
}

async fn mark_verified(
    conn: &impl ConnectionTrait,
    row: real_name::Model,
    how: &str,
    staff: Option<Uuid>,
) -> Result<real_name::Model, ApiError> {
    let now = Utc::now();
    let mut active = row.into_active_model();
    active.status = Set("verified".into());
    active.verified_by = Set(Some(how.into()));
    active.verified_at = Set(Some(now));
    active.verified_by_staff = Set(staff);
    active.updated_at = Set(now);
    Ok(active.update(conn).await?)
}

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

fn proxy_invalid(field: &str, zh: &'static str, en: &'static str) -> ApiError {
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

pub(super) fn event(
    actor: Actor,
    action: &'static str,
    citizen: Uuid,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(
        actor,
        action,
        ("citizen_account", citizen),
        summary,
        request_id,
    )
}

/// Proxy events are recorded against the principal, so the principal's trail shows them.
fn proxy_event(
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
async fn notify_proxy(
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
fn service_label(code: &str) -> &'static str {
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

/// The blind index of the caller's ID number, when their real name is verified (rooms
/// that need a verified person call this, never the table).
pub async fn verified_index(
    conn: &impl ConnectionTrait,
    citizen: Uuid,
) -> Result<String, ApiError> {
    let row = find_or::<real_name::Entity>(conn, citizen, Code::RealNameRequired).await?;
    if row.status != "verified" {
        return Err(ApiError::new(Code::RealNameUnverified));
    }
    Ok(row.id_number_index)
}
