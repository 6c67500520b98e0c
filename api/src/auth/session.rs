//! Sessions: one per sign-in, holding the refresh tokens of that sign-in (the token
//! family). Access tokens name their session, so revoking it ends them at once.
use chrono::{DateTime, Duration, Utc};
use entity::{auth_session, citizen_account, refresh_token};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::tokens::{ACCESS_TTL_SECS, AccountKind, Claims, new_refresh_token};
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::crypto::sha256_hex;
use crate::platform::db::begin_write;
use crate::state::AppState;

/// Staff sessions end after this long without a request.
pub const STAFF_IDLE: Duration = Duration::minutes(15);
/// Staff sessions end this long after sign-in, whatever happens.
pub const STAFF_ABSOLUTE: Duration = Duration::hours(12);
/// Citizens stay signed in on their phone this long, renewing access tokens as they go.
pub const CITIZEN_ABSOLUTE: Duration = Duration::days(30);
/// `last_seen_at` is written at most this often, to keep requests read-only.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// The tokens a sign-in or a refresh answers with.
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub session_id: Uuid,
}

/// What a session may do before its holder finishes a required step.
pub const RESTRICT_PASSWORD: &str = "password_change";
pub const RESTRICT_TOTP: &str = "totp_setup";

/// Opens a session and issues its first tokens.
pub async fn start(
    conn: &impl ConnectionTrait,
    state: &AppState,
    kind: AccountKind,
    account: Uuid,
    restriction: Option<&str>,
) -> Result<TokenPair, ApiError> {
    let now = Utc::now();
    let lifetime = match kind {
        AccountKind::Citizen => CITIZEN_ABSOLUTE,
        AccountKind::Staff => STAFF_ABSOLUTE,
    };
    let session = auth_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_kind: Set(kind.as_str().to_owned()),
        account_id: Set(account),
        restriction: Set(restriction.map(str::to_owned)),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + lifetime),
        revoked_at: Set(None),
        device: Set(None),
    };
    let session = auth_session::Entity::insert(session)
        .exec_with_returning(conn)
        .await?;
    issue(conn, state, kind, &session, now).await
}

async fn issue(
    conn: &impl ConnectionTrait,
    state: &AppState,
    kind: AccountKind,
    session: &auth_session::Model,
    now: DateTime<Utc>,
) -> Result<TokenPair, ApiError> {
    let (refresh, hash) = new_refresh_token();
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        token_hash: Set(hash),
        session_id: Set(session.id),
        expires_at: Set(session.expires_at),
        used_at: Set(None),
        created_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(TokenPair {
        access_token: state
            .tokens
            .issue(kind, session.account_id, session.id, now),
        refresh_token: refresh,
        expires_in: ACCESS_TTL_SECS,
        session_id: session.id,
    })
}

/// Trades a refresh token for a new pair. Each refresh token works once: presenting a
/// used one again means it was copied, so the whole session is revoked.
pub async fn refresh(
    state: &AppState,
    kind: AccountKind,
    token: &str,
) -> Result<TokenPair, ApiError> {
    let hash = sha256_hex(token.as_bytes());
    let txn = state.begin().await?;
    let now = Utc::now();
    let Some(row) = refresh_token::Entity::find_by_id(hash.clone())
        .one(&txn)
        .await?
    else {
        return Err(ApiError::new(Code::RefreshInvalid));
    };
    let session = auth_session::Entity::find_by_id(row.session_id)
        .one(&txn)
        .await?;
    let Some(session) = session.filter(|s| s.account_kind == kind.as_str()) else {
        return Err(ApiError::new(Code::RefreshInvalid));
    };
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        revoke_in(&txn, session.id, now).await?;
        let summary = format!(
            "a used refresh token of a {} session came back: session revoked",
            session.account_kind
        );
        audit::record(
            &txn,
            session_event(
                Actor::System,
                "auth.session.reuse_revoked",
                session.id,
                summary,
            ),
        )
        .await?;
        txn.commit().await?;
        tracing::warn!(session = %session.id, "a used refresh token came back: session revoked");
        return Err(ApiError::new(Code::RefreshInvalid));
    }
    usable(&session, kind, now)?;
    let pair = issue(&txn, state, kind, &session, now).await?;
    txn.commit().await?;
    Ok(pair)
}

/// Ends one session (logout).
pub async fn revoke(db: &DatabaseConnection, session: Uuid, actor: Actor) -> Result<(), ApiError> {
    let txn = begin_write(db).await?;
    revoke_in(&txn, session, Utc::now()).await?;
    audit::record(
        &txn,
        session_event(actor, "auth.session.logout", session, "signed out".into()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn session_event(actor: Actor, action: &'static str, session: Uuid, summary: String) -> Event {
    Event::about(actor, action, ("auth_session", session), summary, None)
}

async fn revoke_in(
    conn: &impl ConnectionTrait,
    session: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    auth_session::Entity::update_many()
        .col_expr(auth_session::Column::RevokedAt, Expr::value(now))
        .filter(auth_session::Column::Id.eq(session))
        .filter(auth_session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Names the device a new session was signed in from.
pub async fn set_device(
    db: &DatabaseConnection,
    session: Uuid,
    device: Option<String>,
) -> Result<(), ApiError> {
    auth_session::Entity::update_many()
        .col_expr(auth_session::Column::Device, Expr::value(device))
        .filter(auth_session::Column::Id.eq(session))
        .exec(db)
        .await?;
    Ok(())
}

/// An account's live sessions (not ended, not expired), newest first.
pub async fn live_of(
    db: &DatabaseConnection,
    kind: AccountKind,
    account: Uuid,
) -> Result<Vec<auth_session::Model>, ApiError> {
    let now = Utc::now();
    let mut live: Vec<auth_session::Model> = auth_session::Entity::find()
        .filter(auth_session::Column::AccountKind.eq(kind.as_str()))
        .filter(auth_session::Column::AccountId.eq(account))
        .filter(auth_session::Column::RevokedAt.is_null())
        .filter(auth_session::Column::ExpiresAt.gt(now))
        .all(db)
        .await?
        .into_iter()
        .filter(|s| usable(s, kind, now).is_ok())
        .collect();
    live.sort_by_key(|s| std::cmp::Reverse(s.id));
    Ok(live)
}

/// The account ends one of its own sessions (a lost phone); another account's, or one
/// already ended, is `auth.session_not_found`.
pub async fn revoke_own(
    db: &DatabaseConnection,
    kind: AccountKind,
    account: Uuid,
    session: Uuid,
    actor: Actor,
) -> Result<(), ApiError> {
    if !live_of(db, kind, account)
        .await?
        .iter()
        .any(|s| s.id == session)
    {
        return Err(ApiError::new(Code::SessionNotFound));
    }
    let txn = begin_write(db).await?;
    revoke_in(&txn, session, Utc::now()).await?;
    audit::record(
        &txn,
        session_event(
            actor,
            "auth.session.revoke",
            session,
            "signed out a device".into(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The account ends every session but the one it calls from.
pub async fn revoke_others(
    db: &DatabaseConnection,
    account: Uuid,
    current: Uuid,
    actor: Actor,
) -> Result<(), ApiError> {
    let txn = begin_write(db).await?;
    revoke_all(&txn, account, Some(current)).await?;
    audit::record(
        &txn,
        session_event(
            actor,
            "auth.session.revoke_others",
            current,
            "signed out every other device".into(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Ends every session of an account (disabling, password change).
pub async fn revoke_all(
    conn: &impl ConnectionTrait,
    account: Uuid,
    except: Option<Uuid>,
) -> Result<(), sea_orm::DbErr> {
    let mut update = auth_session::Entity::update_many()
        .col_expr(auth_session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(auth_session::Column::AccountId.eq(account))
        .filter(auth_session::Column::RevokedAt.is_null());
    if let Some(keep) = except {
        update = update.filter(auth_session::Column::Id.ne(keep));
    }
    update.exec(conn).await?;
    Ok(())
}

/// The live session behind a citizen's access token, and their account not disabled: one
/// query, as every citizen request (a booking at a rush included) starts with it.
pub async fn check_citizen(
    db: &DatabaseConnection,
    claims: &Claims,
) -> Result<auth_session::Model, ApiError> {
    let to_account = auth_session::Entity::belongs_to(citizen_account::Entity)
        .from(auth_session::Column::AccountId)
        .to(citizen_account::Column::Id)
        .into();
    let (session, account) = auth_session::Entity::find_by_id(claims.sid)
        .join(JoinType::LeftJoin, to_account)
        .select_also(citizen_account::Entity)
        .one(db)
        .await?
        .filter(|(s, _)| {
            s.account_id == claims.sub && s.account_kind == AccountKind::Citizen.as_str()
        })
        .ok_or_else(|| ApiError::new(Code::Unauthenticated))?;
    usable(&session, AccountKind::Citizen, Utc::now())?;
    if account.is_none_or(|a| a.disabled) {
        return Err(ApiError::new(Code::SessionEnded));
    }
    Ok(session)
}

/// The live session behind an access token's claims, touched if it is a staff session.
pub async fn check(
    db: &DatabaseConnection,
    kind: AccountKind,
    claims: &Claims,
) -> Result<auth_session::Model, ApiError> {
    let now = Utc::now();
    let session = auth_session::Entity::find_by_id(claims.sid)
        .one(db)
        .await?
        .filter(|s| s.account_id == claims.sub && s.account_kind == kind.as_str())
        .ok_or_else(|| ApiError::new(Code::Unauthenticated))?;
    usable(&session, kind, now)?;
    // Only staff sessions idle out, so only they need the time of last use; touching
    // citizens' sessions would add a write to a citizen's first request of every minute,
    // bookings at a rush included.
    if kind == AccountKind::Staff && now - session.last_seen_at > TOUCH_EVERY {
        auth_session::Entity::update_many()
            .col_expr(auth_session::Column::LastSeenAt, Expr::value(now))
            .filter(auth_session::Column::Id.eq(session.id))
            .exec(db)
            .await?;
    }
    Ok(session)
}

fn usable(
    session: &auth_session::Model,
    kind: AccountKind,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let idle_out = kind == AccountKind::Staff && now - session.last_seen_at > STAFF_IDLE;
    if session.revoked_at.is_some() || session.expires_at <= now || idle_out {
        return Err(ApiError::new(Code::SessionEnded));
    }
    Ok(())
}
