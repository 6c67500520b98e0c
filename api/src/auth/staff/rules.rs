//! What staff accounts share: loading one, TOTP, the restriction a new account signs in
//! under, district-only checks, the audit event.
use chrono::Utc;
use entity::{auth_session, staff_account};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use totp_rs::{Builder, Secret, Totp};
use uuid::Uuid;

use crate::auth::domain::{Role, ScopeKind};
use crate::auth::extract::{Admin, Staff};
use crate::auth::session::{RESTRICT_PASSWORD, RESTRICT_TOTP};
use crate::error::{ApiError, Code};
use crate::platform::audit::{Actor, Event};
use crate::platform::{context::Context, rows::find_or};

pub(super) const TOTP_ISSUER: &str = "Minzheng";

/// What a session must do before other staff routes open. Every role reads personal data
/// (clerks look people up by ID number, reviewers read incomes), so every role needs a
/// second factor (ASVS level 2, 等保 level 3); an account without one sets it up at its
/// next sign-in, like a first sign-in.
pub(super) fn pending_step(account: &staff_account::Model) -> Option<&'static str> {
    if account.must_change_password {
        Some(RESTRICT_PASSWORD)
    } else if !account.totp_enabled {
        Some(RESTRICT_TOTP)
    } else {
        None
    }
}

/// RFC 6238 with the usual authenticator-app settings: SHA-1, 6 digits, 30 s, one step of skew.
pub(super) fn totp_for(
    state: &Context,
    account: &staff_account::Model,
) -> Result<Option<Totp>, ApiError> {
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
pub(super) async fn totp_matches(
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

pub(super) async fn set_restriction(
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

pub(super) async fn load(state: &Context, id: Uuid) -> Result<staff_account::Model, ApiError> {
    find_or::<staff_account::Entity>(&state.db, id, Code::StaffNotFound).await
}

/// Staff accounts are managed by district admins only: an admin of a narrower scope must
/// not be able to create or disable wider ones.
pub(super) fn require_district(admin: &Admin) -> Result<(), ApiError> {
    if admin.0.scope.kind == ScopeKind::District {
        Ok(())
    } else {
        Err(ApiError::new(Code::Forbidden))
    }
}

pub(super) fn clear_totp(row: &mut staff_account::ActiveModel) {
    row.totp_secret_sealed = Set(None);
    row.totp_enabled = Set(false);
    row.totp_last_step = Set(None);
    row.updated_at = Set(Utc::now());
}

pub(super) fn is_district_admin(account: &staff_account::Model) -> bool {
    !account.disabled
        && account.role == Role::Admin.as_str()
        && account.scope_kind == ScopeKind::District.as_str()
}

pub(super) fn actor(staff: &Staff) -> Actor {
    Actor::Staff {
        id: staff.id,
        role: staff.role.as_str(),
    }
}

pub(super) fn event(
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
