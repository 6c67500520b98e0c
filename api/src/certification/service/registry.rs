//! The transferee registry: records, changes, exemptions, lists, what a citizen may
//! certify.
use chrono::{NaiveDate, Utc};
use entity::{proxy_consent, real_name, transferee, transferee_proxy};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::auth::extract::Staff;
use crate::certification::cycle::{self, PROXY_SERVICE};
use crate::certification::registry::{self, NewTransferee, Streets};
use crate::certification::ways::{in_scope, staff_actor};
use crate::error::{ApiError, Code};
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
