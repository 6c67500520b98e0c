//! Registry records one at a time (admins), exemptions and staff-recorded proxies (street
//! staff), the bureau-wide window, and what a citizen may certify for.
use chrono::{NaiveDate, Utc};
use entity::{proxy_consent, real_name, survival_certification, transferee, transferee_proxy};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::cycle::{self, PROXY_SERVICE};
use super::registry::{self, NewTransferee, Streets};
use super::ways::{in_scope, staff_actor};
use crate::auth::extract::Staff;
use crate::error::{ApiError, Code};
use crate::identity::access;
use crate::identity::domain::IdNumber;
use crate::identity::service::id_index;
use crate::platform::audit;
use crate::platform::context::Context;
use crate::platform::db::is_unique_violation;

/// The street id for an id or a Chinese name, or `certification.unknown_street`.
pub async fn street(state: &Context, text: &str) -> Result<String, ApiError> {
    Streets::load(&state.db)
        .await?
        .resolve(text)
        .map(str::to_owned)
        .ok_or_else(|| ApiError::new(Code::UnknownStreet))
}

/// Adds one record (an admin); an ID number already there is a conflict.
pub async fn create(
    state: &Context,
    admin: &Staff,
    new: NewTransferee,
) -> Result<transferee::Model, ApiError> {
    let txn = state.begin().await?;
    let row = registry::active(&state.sealer, &new, cycle::first_due_on(&state.config));
    let row = match row.insert(&txn).await {
        Ok(row) => row,
        Err(e) if is_unique_violation(&e) => return Err(ApiError::new(Code::TransfereeExists)),
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        cycle::event(
            staff_actor(admin),
            "certification.registry.create",
            &row,
            format!("{} in {}", row.id_number_masked, row.street_id),
            admin.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Changes to a record; `None` leaves a field as it is.
#[derive(Default)]
pub struct Patch {
    pub name: Option<String>,
    pub street_id: Option<String>,
    pub village: Option<String>,
    pub phone: Option<Option<String>>,
    pub cycle_months: Option<Option<i32>>,
    pub due_on: Option<NaiveDate>,
    /// `paid` or `stopped` (suspension is the cycle's, never set by hand).
    pub allowance_status: Option<String>,
}

pub async fn update(
    state: &Context,
    admin: &Staff,
    id: Uuid,
    patch: Patch,
) -> Result<transferee::Model, ApiError> {
    let txn = state.begin().await?;
    let t = cycle::lock(&txn, id).await?;
    let mut changed = Vec::new();
    let mut active: transferee::ActiveModel = t.clone().into();
    if let Some(name) = patch.name {
        active.name_sealed = Set(state.sealer.seal(&name));
        active.name_masked = Set(crate::identity::domain::mask_name(&name));
        changed.push("name".to_owned());
    }
    if let Some(street) = patch.street_id {
        changed.push(format!("street {} -> {street}", t.street_id));
        active.street_id = Set(street);
    }
    if let Some(village) = patch.village {
        active.village = Set(village);
        changed.push("village".into());
    }
    if let Some(phone) = patch.phone {
        active.phone_sealed = Set(phone.map(|p| state.sealer.seal(&p)));
        changed.push("phone".into());
    }
    if let Some(months) = patch.cycle_months {
        active.cycle_months = Set(months);
        changed.push(format!("cycle {months:?} months"));
    }
    if let Some(due) = patch.due_on {
        active.due_on = Set(due);
        changed.push(format!("due {} -> {due}", t.due_on));
    }
    if let Some(status) = patch.allowance_status {
        // Restarting a stopped allowance starts from `paid`; a suspension ends only by
        // certifying (which records the back pay).
        if status == "stopped" || t.allowance_status == "stopped" {
            changed.push(format!("allowance {} -> {status}", t.allowance_status));
            active.allowance_status = Set(status);
        }
    }
    active.updated_at = Set(Utc::now());
    let t = active.update(&txn).await?;
    audit::record(
        &txn,
        cycle::event(
            staff_actor(admin),
            "certification.registry.update",
            &t,
            changed.join("; "),
            admin.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(t)
}

/// Excuses a transferee until a date with a reason (street staff). The due date moves to
/// one notice period after the exemption, so nobody is overdue the day it ends.
pub async fn exempt(
    state: &Context,
    staff: &Staff,
    id: Uuid,
    until: Option<(NaiveDate, String)>,
) -> Result<transferee::Model, ApiError> {
    in_scope(state, staff, id).await?;
    let txn = state.begin().await?;
    let t = cycle::lock(&txn, id).await?;
    let mut active: transferee::ActiveModel = t.clone().into();
    let summary = match &until {
        Some((end, reason)) => {
            let after = *end + chrono::Duration::days(state.config.certification_notice_days);
            if t.due_on < after {
                active.due_on = Set(after);
            }
            active.exempt_until = Set(Some(*end));
            active.exempt_reason = Set(Some(state.sealer.seal(reason)));
            format!("exempt until {end}")
        }
        None => {
            active.exempt_until = Set(None);
            active.exempt_reason = Set(None);
            "exemption ended".into()
        }
    };
    let t = active.update(&txn).await?;
    audit::record(
        &txn,
        cycle::event(
            staff_actor(staff),
            "certification.exempt",
            &t,
            summary,
            staff.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(t)
}

/// Records a relative (a citizen with a verified real name) who may certify for the
/// transferee, from the signed consent form at the desk.
pub async fn add_proxy(
    state: &Context,
    staff: &Staff,
    id: Uuid,
    proxy_id: &IdNumber,
    proxy_name: &str,
    relation: &str,
) -> Result<transferee_proxy::Model, ApiError> {
    let t = in_scope(state, staff, id).await?;
    let proxy = real_name::Entity::find()
        .filter(real_name::Column::IdNumberIndex.eq(id_index(&state.sealer, proxy_id)))
        .one(&state.db)
        .await?
        .filter(|r| {
            r.status == "verified"
                && state
                    .sealer
                    .open(&r.name_sealed)
                    .is_ok_and(|n| n == proxy_name)
        })
        .ok_or_else(|| ApiError::new(Code::ProxyInvalid))?;
    let txn = state.begin().await?;
    let row = transferee_proxy::ActiveModel {
        id: Set(Uuid::now_v7()),
        transferee_id: Set(t.id),
        citizen_id: Set(proxy.citizen_id),
        relation: Set(relation.into()),
        recorded_by: Set(staff.id),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        cycle::event(
            staff_actor(staff),
            "certification.proxy.add",
            &t,
            format!("{} ({relation})", proxy_id.masked()),
            staff.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The relatives recorded for a transferee, newest first, each with their masked ID number.
pub async fn recorded_proxies(
    state: &Context,
    staff: &Staff,
    id: Uuid,
) -> Result<Vec<(transferee_proxy::Model, String)>, ApiError> {
    let t = in_scope(state, staff, id).await?;
    let rows = transferee_proxy::Entity::find()
        .filter(transferee_proxy::Column::TransfereeId.eq(t.id))
        .order_by_desc(transferee_proxy::Column::CreatedAt)
        .all(&state.db)
        .await?;
    with_masked_numbers(&state.db, rows).await
}

/// Each recorded proxy with the relative's masked ID number, in one query.
async fn with_masked_numbers(
    conn: &impl sea_orm::ConnectionTrait,
    rows: Vec<transferee_proxy::Model>,
) -> Result<Vec<(transferee_proxy::Model, String)>, ApiError> {
    let masked: std::collections::HashMap<Uuid, String> = real_name::Entity::find()
        .select_only()
        .column(real_name::Column::CitizenId)
        .column(real_name::Column::IdNumberMasked)
        .filter(real_name::Column::CitizenId.is_in(rows.iter().map(|r| r.citizen_id)))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let number = masked.get(&r.citizen_id).cloned().unwrap_or_default();
            (r, number)
        })
        .collect())
}

/// Revokes a recorded proxy (the relative or the transferee withdrew the signed consent);
/// revoking a revoked one changes nothing.
pub async fn revoke_proxy(
    state: &Context,
    staff: &Staff,
    id: Uuid,
    proxy_id: Uuid,
) -> Result<(transferee_proxy::Model, String), ApiError> {
    let t = in_scope(state, staff, id).await?;
    let txn = state.begin().await?;
    let revoked = transferee_proxy::Entity::update_many()
        .col_expr(transferee_proxy::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(transferee_proxy::Column::Id.eq(proxy_id))
        .filter(transferee_proxy::Column::TransfereeId.eq(t.id))
        .filter(transferee_proxy::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if revoked.rows_affected == 1 {
        let summary = format!("proxy {proxy_id}");
        let event = cycle::event(
            staff_actor(staff),
            "certification.proxy.revoke",
            &t,
            summary,
            staff.request_id.clone(),
        );
        audit::record(&txn, event).await?;
    }
    let row = transferee_proxy::Entity::find_by_id(proxy_id)
        .filter(transferee_proxy::Column::TransfereeId.eq(t.id))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::new(Code::ProxyNotFound))?;
    txn.commit().await?;
    let mut found = with_masked_numbers(&state.db, vec![row]).await?;
    Ok(found.remove(0))
}

/// How to reach a transferee: the phone (opened) and the linked accounts.
pub async fn contact(
    state: &Context,
    staff: &Staff,
    id: Uuid,
) -> Result<(Option<String>, Vec<(Uuid, &'static str)>), ApiError> {
    let t = in_scope(state, staff, id).await?;
    let phone = t
        .phone_sealed
        .as_deref()
        .map(|p| state.sealer.open(p))
        .transpose()
        .map_err(ApiError::internal)?;
    let mut accounts: Vec<(Uuid, &'static str)> = cycle::claimants(&state.db, &t)
        .await?
        .into_iter()
        .map(|(account, verified)| (account, if verified { "own" } else { "own_unverified" }))
        .collect();
    for proxy in cycle::proxies(&state.db, &t).await? {
        accounts.push((proxy, "proxy"));
    }
    let target = t.id.to_string();
    let read = access::Read {
        kind: access::AccessKind::ContactRead,
        target_kind: "transferee",
        target_id: &target,
    };
    access::record(&state.db, staff, &read, &[t.id_number_index]).await?;
    Ok((phone, accounts))
}

/// A transferee's certifications, newest first: how, when and by whom, with back pay.
pub async fn history(
    state: &Context,
    staff: &Staff,
    id: Uuid,
) -> Result<Vec<survival_certification::Model>, ApiError> {
    let t = in_scope(state, staff, id).await?;
    Ok(survival_certification::Entity::find()
        .filter(survival_certification::Column::TransfereeId.eq(t.id))
        .order_by_desc(survival_certification::Column::CertifiedAt)
        .all(&state.db)
        .await?)
}

/// The transferees a citizen may certify for: themself, and those who made them a proxy.
pub async fn mine(
    state: &Context,
    citizen: Uuid,
) -> Result<Vec<(transferee::Model, bool)>, ApiError> {
    let own_index: Option<String> = real_name::Entity::find_by_id(citizen)
        .one(&state.db)
        .await?
        .map(|r| r.id_number_index);
    let principals: Vec<Uuid> = proxy_consent::Entity::find()
        .filter(proxy_consent::Column::ProxyId.eq(citizen))
        .filter(proxy_consent::Column::RevokedAt.is_null())
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|c| c.services.split(',').any(|s| s == PROXY_SERVICE))
        .map(|c| c.principal_id)
        .collect();
    let proxied_indexes: Vec<String> = real_name::Entity::find()
        .select_only()
        .column(real_name::Column::IdNumberIndex)
        .filter(real_name::Column::CitizenId.is_in(principals))
        .into_tuple()
        .all(&state.db)
        .await?;
    let recorded: Vec<Uuid> = transferee_proxy::Entity::find()
        .select_only()
        .column(transferee_proxy::Column::TransfereeId)
        .filter(transferee_proxy::Column::CitizenId.eq(citizen))
        .filter(transferee_proxy::Column::RevokedAt.is_null())
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut out = Vec::new();
    if let Some(index) = &own_index
        && let Some(t) = transferee::Entity::find()
            .filter(transferee::Column::IdNumberIndex.eq(index))
            .one(&state.db)
            .await?
    {
        out.push((t, false));
    }
    let others = transferee::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(transferee::Column::IdNumberIndex.is_in(proxied_indexes))
                .add(transferee::Column::Id.is_in(recorded)),
        )
        .order_by_asc(transferee::Column::Id)
        .all(&state.db)
        .await?;
    out.extend(
        others
            .into_iter()
            .filter(|t| Some(&t.id_number_index) != own_index.as_ref())
            .map(|t| (t, true)),
    );
    Ok(out)
}

/// One page of transferees by id: of a street (`None`: all), optionally one ID number.
/// The caller has checked the street against the staff member's scope.
pub async fn list(
    state: &Context,
    street: Option<&str>,
    id_number: Option<&IdNumber>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<transferee::Model>, ApiError> {
    let mut query = transferee::Entity::find()
        .order_by_asc(transferee::Column::Id)
        .limit(u64::from(limit) + 1);
    if let Some(street) = street {
        query = query.filter(transferee::Column::StreetId.eq(street));
    }
    if let Some(id) = id_number {
        query = query.filter(transferee::Column::IdNumberIndex.eq(id_index(&state.sealer, id)));
    }
    if let Some(after) = after {
        query = query.filter(transferee::Column::Id.gt(after));
    }
    Ok(query.all(&state.db).await?)
}
