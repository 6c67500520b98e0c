//! Staff accounts as admins keep them: create, disable (never the last admin), reset, list.
use chrono::Utc;
use entity::staff_account;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::rules::{actor, clear_totp, event, is_district_admin, require_district};
use crate::auth::domain::{Role, Scope, ScopeKind};
use crate::auth::extract::Admin;
use crate::auth::password;
use crate::auth::session;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor};
use crate::platform::db::{begin_write, is_unique_violation};
use crate::platform::{context::Context, rows::find_or};

/// What an admin gives to create a staff account.
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
}

/// Creates a staff account with a generated first password (returned once, to be
/// changed at first sign-in).
pub async fn create(
    state: &Context,
    admin: &Admin,
    new: NewStaff,
) -> Result<(staff_account::Model, String), ApiError> {
    require_district(admin)?;
    let first_password = crate::auth::service::generate_password(16).map_err(ApiError::internal)?;
    let hash = password::hash(first_password.clone()).await?;
    let now = Utc::now();
    let row = staff_account::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(new.username.trim().to_lowercase()),
        display_name: Set(new.display_name),
        password_hash: Set(hash),
        role: Set(new.role.as_str().into()),
        scope_kind: Set(new.scope.kind.as_str().into()),
        scope_id: Set(new.scope.id),
        must_change_password: Set(true),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        failed_attempts: Set(0),
        locked_until: Set(None),
        totp_secret_sealed: Set(None),
        totp_enabled: Set(false),
        totp_last_step: Set(None),
    };
    let txn = state.begin().await?;
    let created = match staff_account::Entity::insert(row)
        .exec_with_returning(&txn)
        .await
    {
        Ok(created) => created,
        Err(e) if is_unique_violation(&e) => return Err(ApiError::new(Code::UsernameTaken)),
        Err(e) => return Err(e.into()),
    };
    let summary = format!(
        "created {} ({}, {})",
        created.username, created.role, created.scope_kind
    );
    audit::record(
        &txn,
        event(
            actor(&admin.0),
            "auth.staff.create",
            created.id,
            summary,
            admin.0.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok((created, first_password))
}

/// Disables or enables an account; disabling ends its sessions at once.
pub async fn set_disabled(
    state: &Context,
    admin: &Admin,
    id: Uuid,
    disabled: bool,
) -> Result<staff_account::Model, ApiError> {
    require_district(admin)?;
    let txn = state.begin().await?;
    let account = find_or::<staff_account::Entity>(&txn, id, Code::StaffNotFound).await?;
    if disabled && is_district_admin(&account) {
        keep_one_admin(&txn, id).await?;
    }
    let mut row = account.into_active_model();
    row.disabled = Set(disabled);
    row.updated_at = Set(Utc::now());
    if !disabled {
        row.failed_attempts = Set(0);
        row.locked_until = Set(None);
    }
    let updated = row.update(&txn).await?;
    if disabled {
        session::revoke_all(&txn, id, None).await?;
    }
    let action = if disabled {
        "auth.staff.disable"
    } else {
        "auth.staff.enable"
    };
    audit::record(
        &txn,
        event(
            actor(&admin.0),
            action,
            id,
            format!(
                "{} {}",
                action.rsplit('.').next().unwrap_or(""),
                updated.username
            ),
            admin.0.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// `minzheng admin-reset USERNAME`, run on the server by whoever runs it: the account
/// gets a one-time password (returned here, printed once), must change it at sign-in,
/// loses its second factor (set up again at sign-in), is enabled and unlocked, and all
/// its sessions end. The way back when the last admin is locked out or lost a phone.
pub async fn reset_from_server(
    db: &sea_orm::DatabaseConnection,
    username: &str,
) -> Result<(staff_account::Model, String), ApiError> {
    let username = username.trim().to_lowercase();
    let account = staff_account::Entity::find()
        .filter(staff_account::Column::Username.eq(&username))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::new(Code::StaffNotFound))?;
    let password = crate::auth::service::generate_password(16).map_err(ApiError::internal)?;
    let mut row = account.into_active_model();
    row.password_hash = Set(password::hash(password.clone()).await?);
    row.must_change_password = Set(true);
    row.disabled = Set(false);
    row.failed_attempts = Set(0);
    row.locked_until = Set(None);
    clear_totp(&mut row);
    let txn = begin_write(db).await?;
    let updated = row.update(&txn).await?;
    session::revoke_all(&txn, updated.id, None).await?;
    let summary = format!(
        "reset {} from the server (one-time password, two-factor cleared)",
        updated.username
    );
    audit::record(
        &txn,
        event(
            Actor::System,
            "auth.staff.server_reset",
            updated.id,
            summary,
            None,
        ),
    )
    .await?;
    txn.commit().await?;
    Ok((updated, password))
}

/// A district admin clears another account's second factor (a lost phone): its sessions
/// end and it sets TOTP up again at its next sign-in. Not one's own: a stolen access
/// token must not be enough to replace a working second factor.
pub async fn reset_totp(
    state: &Context,
    admin: &Admin,
    id: Uuid,
) -> Result<staff_account::Model, ApiError> {
    require_district(admin)?;
    if id == admin.0.id {
        return Err(ApiError::new(Code::OwnTotpReset));
    }
    let txn = state.begin().await?;
    let account = find_or::<staff_account::Entity>(&txn, id, Code::StaffNotFound).await?;
    let mut row = account.into_active_model();
    clear_totp(&mut row);
    let updated = row.update(&txn).await?;
    session::revoke_all(&txn, id, None).await?;
    let summary = format!("cleared two-factor of {}", updated.username);
    audit::record(
        &txn,
        event(
            actor(&admin.0),
            "auth.staff.totp_reset",
            id,
            summary,
            admin.0.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Refuses to disable the last enabled district admin: nothing could undo it. On
/// PostgreSQL the enabled admins' rows are locked first, so that two admins disabling
/// each other at once cannot both pass (SQLite's write transaction is serial anyway).
pub(super) async fn keep_one_admin(
    txn: &DatabaseTransaction,
    disabling: Uuid,
) -> Result<(), ApiError> {
    let mut admins = staff_account::Entity::find()
        .filter(staff_account::Column::Role.eq(Role::Admin.as_str()))
        .filter(staff_account::Column::ScopeKind.eq(ScopeKind::District.as_str()))
        .filter(staff_account::Column::Disabled.eq(false));
    if txn.get_database_backend() == DbBackend::Postgres {
        admins = admins.lock_exclusive();
    }
    let others = admins
        .all(txn)
        .await?
        .into_iter()
        .filter(|a| a.id != disabling)
        .count();
    match others {
        0 => Err(ApiError::new(Code::LastAdmin)),
        _ => Ok(()),
    }
}

/// A page of staff accounts by username.
pub async fn list(
    state: &Context,
    admin: &Admin,
    after: Option<String>,
    limit: u32,
) -> Result<Vec<staff_account::Model>, ApiError> {
    require_district(admin)?;
    let mut query = staff_account::Entity::find()
        .order_by_asc(staff_account::Column::Username)
        .limit(u64::from(limit) + 1);
    if let Some(after) = after {
        query = query.filter(staff_account::Column::Username.gt(after));
    }
    Ok(query.all(&state.db).await?)
}
