//! Staff sign-in, password change, TOTP, and the admin's management of staff accounts.
use chrono::{Duration, Utc};
use entity::{auth_session, staff_account};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use totp_rs::{Builder, Secret, Totp};
use uuid::Uuid;

use super::domain::{Role, Scope, ScopeKind};
use super::extract::{Admin, Staff};
use super::password;
use super::session::{self, RESTRICT_PASSWORD, RESTRICT_TOTP, TokenPair};
use super::tokens::AccountKind;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::db::{begin_write, is_unique_violation};
use crate::platform::rate_limit::{self, Limit};
use crate::platform::{context::Context, rows::find_or};
use crate::state::AppState;

/// Wrong passwords in a row before the account locks.
pub const LOCK_AFTER: i32 = 10;
/// How long a locked account stays locked.
pub const LOCK_FOR: Duration = Duration::minutes(15);
/// Sign-in attempts per account per hour (RULES: at most 100 failures an hour).
const PER_ACCOUNT: Limit = Limit {
    hits: 100,
    window_secs: 3600,
};
/// Sign-in attempts per client address per five minutes.
const PER_CLIENT: Limit = Limit {
    hits: 50,
    window_secs: 300,
};
const TOTP_ISSUER: &str = "Minzheng";
/// Codes tried while setting up TOTP, per account per 5 minutes.
const TOTP_TRIES: Limit = Limit {
    hits: 10,
    window_secs: 300,
};

/// A successful staff sign-in: the tokens and the step still owed, if any.
pub struct SignedIn {
    pub tokens: TokenPair,
    pub pending_step: Option<String>,
}

/// Signs a staff member in. Unknown user, wrong password, disabled or locked account all
/// answer the same `auth.invalid_credentials` after the same argon2 work.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn sign_in(
    state: &AppState,
    username: &str,
    secret: String,
    totp: Option<String>,
    client: &str,
) -> Result<SignedIn, ApiError> {
    let username = username.trim().to_lowercase();
    rate_limit::hit(
        &state.db,
        &format!("staff-sign-in:account:{username}"),
        PER_ACCOUNT,
        Code::RateLimited,
    )
    .await?;
    rate_limit::hit(
        &state.db,
        &format!("staff-sign-in:client:{client}"),
        PER_CLIENT,
        Code::RateLimited,
    )
    .await?;
    let account = staff_account::Entity::find()
        .filter(staff_account::Column::Username.eq(&username))
        .one(&state.db)
        .await?;
    let matches = password::verify(secret, account.as_ref().map(|a| a.password_hash.clone())).await;
    let Some(account) = account else {
        // A write like a wrong password's, so that unknown names cost the same time.
        let unknown = Limit {
            hits: i32::MAX,
            window_secs: 60,
        };
        rate_limit::hit(
            &state.db,
            "staff-sign-in:unknown-user",
            unknown,
            Code::RateLimited,
        )
        .await?;
        return Err(ApiError::new(Code::InvalidCredentials));
    };
    let now = Utc::now();
    if account.disabled || account.locked_until.is_some_and(|t| t > now) {
        return Err(ApiError::new(Code::InvalidCredentials));
    }
    if !matches {
        record_failure(state, &account).await?;
        return Err(ApiError::new(Code::InvalidCredentials));
    }
    if account.totp_enabled {
        let code = totp.ok_or_else(|| ApiError::new(Code::TotpRequired))?;
        if !totp_matches(state, &account, &code).await? {
            record_failure(state, &account).await?;
            return Err(ApiError::new(Code::TotpInvalid));
        }
    }
    let role = Role::parse(&account.role).ok_or_else(|| ApiError::internal("unknown role"))?;
    let pending = pending_step(&account);
    let txn = state.begin().await?;
    staff_account::Entity::update_many()
        .col_expr(staff_account::Column::FailedAttempts, Expr::value(0))
        .filter(staff_account::Column::Id.eq(account.id))
        .exec(&txn)
        .await?;
    let tokens = session::start(&txn, state, AccountKind::Staff, account.id, pending).await?;
    audit::record(
        &txn,
        event(
            Actor::Staff {
                id: account.id,
                role: role.as_str(),
            },
            "auth.staff.sign_in",
            account.id,
            "signed in".into(),
            None,
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(SignedIn {
        tokens,
        pending_step: pending.map(str::to_owned),
    })
}

/// What a session must do before other staff routes open. Every role reads personal data
/// (clerks look people up by ID number, reviewers read incomes), so every role needs a
/// second factor (ASVS level 2, 等保 level 3); an account without one sets it up at its
/// next sign-in, like a first sign-in.
fn pending_step(account: &staff_account::Model) -> Option<&'static str> {
    if account.must_change_password {
        Some(RESTRICT_PASSWORD)
    } else if !account.totp_enabled {
        Some(RESTRICT_TOTP)
    } else {
        None
    }
}

async fn record_failure(state: &Context, account: &staff_account::Model) -> Result<(), ApiError> {
    let txn = state.begin().await?;
    // Counted in the database, so parallel wrong passwords cannot lose a count.
    staff_account::Entity::update_many()
        .col_expr(
            staff_account::Column::FailedAttempts,
            sea_orm::sea_query::ExprTrait::add(Expr::col(staff_account::Column::FailedAttempts), 1),
        )
        .filter(staff_account::Column::Id.eq(account.id))
        .exec(&txn)
        .await?;
    let failures = staff_account::Entity::find_by_id(account.id)
        .one(&txn)
        .await?
        .map_or(0, |a| a.failed_attempts);
    if failures >= LOCK_AFTER {
        staff_account::Entity::update_many()
            .col_expr(staff_account::Column::FailedAttempts, Expr::value(0))
            .col_expr(
                staff_account::Column::LockedUntil,
                Expr::value(Utc::now() + LOCK_FOR),
            )
            .filter(staff_account::Column::Id.eq(account.id))
            .exec(&txn)
            .await?;
        let summary = format!("locked for 15 minutes after {LOCK_AFTER} failed sign-ins");
        audit::record(
            &txn,
            event(
                Actor::System,
                "auth.staff.locked",
                account.id,
                summary,
                None,
            ),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// RFC 6238 with the usual authenticator-app settings: SHA-1, 6 digits, 30 s, one step of skew.
fn totp_for(state: &Context, account: &staff_account::Model) -> Result<Option<Totp>, ApiError> {
    let Some(sealed) = &account.totp_secret_sealed else {
        return Ok(None);
    };
    let secret = state.sealer.open(sealed).map_err(ApiError::internal)?;
    let secret =
        Secret::try_from_base32(secret).map_err(|e| ApiError::internal(format!("{e:?}")))?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account.username.clone())
        .with_issuer(Some(TOTP_ISSUER))
        .build()
        .map(Some)
        .map_err(|e| ApiError::internal(format!("{e:?}")))
}

/// Whether `code` is the account's current TOTP code, not used before: the matched time
/// step is recorded with a conditional update, so a code works once (RFC 6238 5.2) even
/// when two requests bring it at the same moment.
async fn totp_matches(
    state: &Context,
    account: &staff_account::Model,
    code: &str,
) -> Result<bool, ApiError> {
    let Some(step) = totp_for(state, account)?.and_then(|t| t.check_current(code.trim())) else {
        return Ok(false);
    };
    let step = step as i64;
    let fresh = staff_account::Entity::update_many()
        .col_expr(staff_account::Column::TotpLastStep, Expr::value(step))
        .filter(staff_account::Column::Id.eq(account.id))
        .filter(
            sea_orm::Condition::any()
                .add(staff_account::Column::TotpLastStep.is_null())
                .add(staff_account::Column::TotpLastStep.lt(step)),
        )
        .exec(&state.db)
        .await?;
    Ok(fresh.rows_affected == 1)
}

/// Changes the caller's password; other sessions end. Clears the first-password step.
pub async fn change_password(
    state: &Context,
    staff: &Staff,
    current: String,
    new: String,
) -> Result<(), ApiError> {
    let account = load(state, staff.id).await?;
    password::check_rules(&new, &account.username)?;
    if current == new {
        return Err(ApiError::new(Code::PasswordTooWeak).with_field(FieldError {
            field: "new_password".into(),
            reason: "unchanged",
            message: Message::new(
                "新密码不能与当前密码相同",
                "the new password must differ from the current one",
            ),
        }));
    }
    rate_limit::hit(
        &state.db,
        &format!("password-change:{}", staff.id),
        TOTP_TRIES,
        Code::RateLimited,
    )
    .await?;
    if !password::verify(current, Some(account.password_hash.clone())).await {
        return Err(ApiError::new(Code::InvalidCredentials));
    }
    let hash = password::hash(new).await?;
    let txn = state.begin().await?;
    let mut row = account.clone().into_active_model();
    row.password_hash = Set(hash);
    row.must_change_password = Set(false);
    row.updated_at = Set(Utc::now());
    let updated = row.update(&txn).await?;
    session::revoke_all(&txn, staff.id, Some(staff.session_id)).await?;
    set_restriction(&txn, staff.session_id, pending_step(&updated)).await?;
    audit::record(
        &txn,
        event(
            actor(staff),
            "auth.staff.password_change",
            staff.id,
            "changed own password".into(),
            staff.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn set_restriction(
    conn: &impl ConnectionTrait,
    session: Uuid,
    restriction: Option<&str>,
) -> Result<(), sea_orm::DbErr> {
    auth_session::Entity::update_many()
        .col_expr(
            auth_session::Column::Restriction,
            Expr::value(restriction.map(str::to_owned)),
        )
        .filter(auth_session::Column::Id.eq(session))
        .exec(conn)
        .await?;
    Ok(())
}

/// A fresh TOTP secret for the caller (not active until confirmed with a code).
pub async fn start_totp(state: &Context, staff: &Staff) -> Result<(String, String), ApiError> {
    let account = load(state, staff.id).await?;
    // A stolen access token must not be enough to replace a working second factor.
    if account.totp_enabled {
        return Err(ApiError::new(Code::TotpAlreadyEnabled));
    }
    let secret = Secret::from(crate::platform::crypto::random_bytes::<20>()).to_base32();
    let mut row = account.clone().into_active_model();
    row.totp_secret_sealed = Set(Some(state.sealer.seal(&secret)));
    row.totp_enabled = Set(false);
    let updated = row.update(&state.db).await?;
    let url = totp_for(state, &updated)?
        .and_then(|t| t.to_url().ok())
        .unwrap_or_default();
    let summary = "started two-factor setup".to_owned();
    audit::record(
        &state.db,
        event(
            actor(staff),
            "auth.staff.totp_setup",
            staff.id,
            summary,
            staff.request_id.clone(),
        ),
    )
    .await?;
    Ok((secret, url))
}

/// Turns TOTP on once the caller proves the authenticator app has the secret.
pub async fn confirm_totp(state: &Context, staff: &Staff, code: &str) -> Result<(), ApiError> {
    rate_limit::hit(
        &state.db,
        &format!("totp-confirm:{}", staff.id),
        TOTP_TRIES,
        Code::RateLimited,
    )
    .await?;
    let account = load(state, staff.id).await?;
    if !totp_matches(state, &account, code).await? {
        return Err(ApiError::new(Code::TotpInvalid));
    }
    let txn = state.begin().await?;
    let mut row = account.into_active_model();
    row.totp_enabled = Set(true);
    let updated = row.update(&txn).await?;
    set_restriction(&txn, staff.session_id, pending_step(&updated)).await?;
    audit::record(
        &txn,
        event(
            actor(staff),
            "auth.staff.totp_enable",
            staff.id,
            "two-factor authentication on".into(),
            staff.request_id.clone(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn load(state: &Context, id: Uuid) -> Result<staff_account::Model, ApiError> {
    find_or::<staff_account::Entity>(&state.db, id, Code::StaffNotFound).await
}

/// What an admin gives to create a staff account.
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
}

/// Staff accounts are managed by district admins only: an admin of a narrower scope must
/// not be able to create or disable wider ones.
fn require_district(admin: &Admin) -> Result<(), ApiError> {
    if admin.0.scope.kind == ScopeKind::District {
        Ok(())
    } else {
        Err(ApiError::new(Code::Forbidden))
    }
}

/// Creates a staff account with a generated first password (returned once, to be
/// changed at first sign-in).
pub async fn create(
    state: &Context,
    admin: &Admin,
    new: NewStaff,
) -> Result<(staff_account::Model, String), ApiError> {
    require_district(admin)?;
    let first_password = super::service::generate_password(16).map_err(ApiError::internal)?;
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
    let password = super::service::generate_password(16).map_err(ApiError::internal)?;
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

fn clear_totp(row: &mut staff_account::ActiveModel) {
    row.totp_secret_sealed = Set(None);
    row.totp_enabled = Set(false);
    row.totp_last_step = Set(None);
    row.updated_at = Set(Utc::now());
}

fn is_district_admin(account: &staff_account::Model) -> bool {
    !account.disabled
        && account.role == Role::Admin.as_str()
        && account.scope_kind == ScopeKind::District.as_str()
}

/// Refuses to disable the last enabled district admin: nothing could undo it. On
/// PostgreSQL the enabled admins' rows are locked first, so that two admins disabling
/// each other at once cannot both pass (SQLite's write transaction is serial anyway).
async fn keep_one_admin(txn: &DatabaseTransaction, disabling: Uuid) -> Result<(), ApiError> {
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

/// Checks that a scope names a place that exists for its kind.
pub async fn check_scope(
    state: &Context,
    kind: ScopeKind,
    id: Option<String>,
) -> Result<Scope, ApiError> {
    let field_error = |zh: &'static str, en: &'static str| {
        ApiError::new(Code::InvalidBody).with_field(FieldError {
            field: "scope_id".into(),
            reason: "scope",
            message: Message::new(zh, en),
        })
    };
    match (kind, id) {
        (ScopeKind::District, None) => Ok(Scope { kind, id: None }),
        (ScopeKind::District, Some(_)) => Err(field_error(
            "区级范围不需要 scope_id",
            "a district scope takes no scope_id",
        )),
        (_, None) => Err(field_error(
            "请填写 scope_id",
            "scope_id is required for this scope",
        )),
        (ScopeKind::Street, Some(id)) => {
            let known = entity::street::Entity::find_by_id(id.clone())
                .one(&state.db)
                .await?
                .is_some();
            if known {
                Ok(Scope { kind, id: Some(id) })
            } else {
                Err(field_error("没有这个街道", "no such street"))
            }
        }
        // An office, a funeral home or a cemetery: a place of that kind must exist, or
        // the account would see nothing (a typo once made such a clerk).
        (_, Some(id)) => {
            let kinds = place_kinds(kind);
            let place = crate::scheduling::engine::resource(&state.db, &id).await;
            match place {
                Ok(place) if kinds.contains(&place.kind.as_str()) => {
                    Ok(Scope { kind, id: Some(id) })
                }
                Ok(_) => Err(field_error(
                    "该场所不是此范围类型的场所",
                    "the place named is not of this scope's kind",
                )),
                Err(e) if e.code == Code::ResourceNotFound => {
                    Err(field_error("没有这个场所", "no such place"))
                }
                Err(e) => Err(e),
            }
        }
    }
}

/// The resource kinds a place scope may name.
fn place_kinds(kind: ScopeKind) -> &'static [&'static str] {
    match kind {
        ScopeKind::Office => &["marriage_office"],
        ScopeKind::FuneralHome => &["funeral_home"],
        ScopeKind::Cemetery => &["cemetery", "burial_ground"],
        ScopeKind::Street | ScopeKind::District => &[],
    }
}

fn actor(staff: &Staff) -> Actor {
    Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    }
}

fn event(
    actor: Actor,
    action: &'static str,
    target: Uuid,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(
        actor,
        action,
        ("staff_account", target),
        summary,
        request_id,
    )
}
