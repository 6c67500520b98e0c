//! Keeping and giving out files. An upload passes the intake off the async runtime under
//! a decode budget (each decode first takes the megabytes its header says it will hold,
//! and at most one decode per core runs), so twenty uploads at once, hostile or huge,
//! cannot exhaust memory; it is sealed with the data key and stored, and gets a row with
//! its SHA-256.
//! Only its uploader (and district staff) may read it here; rooms that attach a file to
//! something (an application's materials) decide who else may, and read it through
//! [`read_unchecked`] after their own check.

use chrono::Utc;
use entity::media_object as media;
use sea_orm::{EntityTrait, Set};
use uuid::Uuid;

pub use super::gate::{DECODE_BUDGET_MB, Media, decode_mb};
use super::intake::{self, Refusal};
use crate::auth::domain::{Role, ScopeKind};
use crate::auth::extract::Caller;
use crate::error::{ApiError, Code};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::crypto::sha256_hex;
use crate::platform::rows::find_or;
use crate::state::AppState;

fn owner(caller: &Caller) -> (&'static str, Uuid, Actor, Option<String>) {
    match caller {
        Caller::Citizen(c) => ("citizen", c.id, Actor::Citizen(c.id), c.request_id.clone()),
        Caller::Staff(s) => (
            "staff",
            s.id,
            Actor::Staff {
                id: s.id,
                role: s.role.as_str(),
            },
            s.request_id.clone(),
        ),
    }
}

pub fn refused(r: Refusal) -> ApiError {
    ApiError::new(match r {
        Refusal::Empty => Code::MediaEmpty,
        Refusal::TooLarge => Code::MediaTooLarge,
        Refusal::UnsupportedType => Code::MediaUnsupportedType,
        Refusal::TooManyPixels => Code::MediaTooManyPixels,
        Refusal::Broken => Code::MediaBroken,
    })
}

fn storage_error(e: std::io::Error) -> ApiError {
    ApiError::internal(format!("media store: {e}"))
}

/// Checks, cleans, seals and stores one upload for the caller.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
pub async fn upload(
    state: &AppState,
    caller: &Caller,
    purpose: &str,
    bytes: Vec<u8>,
) -> Result<media::Model, ApiError> {
    let limits = state.media.limits;
    let mb = decode_mb(&bytes, &limits);
    let accepted = state
        .media
        .gated(mb, move || intake::accept(&bytes, &limits))
        .await?
        .map_err(refused)?;
    let id = Uuid::now_v7();
    let name = id.simple().to_string();
    // The random tail spreads files over 256 folders (the head is the time).
    let key = format!("{}/{name}", &name[30..]);
    let thumbnail_key = accepted.thumbnail.as_ref().map(|_| format!("{key}.thumb"));
    let sha256 = sha256_hex(&accepted.bytes);
    let byte_size = accepted.bytes.len() as i64;
    state
        .media
        .store
        .put(&key, state.sealer.seal_bytes(&accepted.bytes))
        .await
        .map_err(storage_error)?;
    if let (Some(thumb_key), Some(thumb)) = (&thumbnail_key, &accepted.thumbnail) {
        state
            .media
            .store
            .put(thumb_key, state.sealer.seal_bytes(thumb))
            .await
            .map_err(storage_error)?;
    }
    let (owner_kind, owner_id, actor, request_id) = owner(caller);
    let row = media::ActiveModel {
        id: Set(id),
        owner_kind: Set(owner_kind.into()),
        owner_id: Set(owner_id),
        purpose: Set(purpose.to_owned()),
        content_type: Set(accepted.content_type.into()),
        byte_size: Set(byte_size),
        width: Set(accepted.width.map(|w| w as i32)),
        height: Set(accepted.height.map(|h| h as i32)),
        sha256: Set(sha256.clone()),
        storage_key: Set(key.clone()),
        thumbnail_key: Set(thumbnail_key.clone()),
        created_at: Set(Utc::now()),
    };
    let saved = async {
        let txn = state.begin().await?;
        let saved = media::Entity::insert(row).exec_with_returning(&txn).await?;
        let summary = format!(
            "uploaded {} ({byte_size} bytes, SHA-256 {sha256}) for {purpose}",
            accepted.content_type
        );
        audit::record(
            &txn,
            Event {
                actor,
                action: "media.upload",
                target_kind: "media_object",
                target_id: id.to_string(),
                summary,
                request_id,
            },
        )
        .await?;
        txn.commit().await?;
        Ok::<_, ApiError>(saved)
    }
    .await;
    if saved.is_err() {
        // Not recorded: the stored bytes would be unreachable, so they go.
        let _ = state.media.store.delete(&key).await;
        if let Some(thumb_key) = &thumbnail_key {
            let _ = state.media.store.delete(thumb_key).await;
        }
    }
    saved
}

/// A file the caller may read here: theirs, or any for district staff. Others' files
/// answer 404, as missing ones do.
pub async fn readable(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<media::Model, ApiError> {
    let row = find(state, id).await?;
    let allowed = match caller {
        Caller::Citizen(c) => row.owner_kind == "citizen" && row.owner_id == c.id,
        Caller::Staff(s) => {
            (row.owner_kind == "staff" && row.owner_id == s.id)
                || (s.role == Role::Admin && s.scope.kind == ScopeKind::District)
        }
    };
    if allowed {
        Ok(row)
    } else {
        Err(ApiError::new(Code::MediaNotFound))
    }
}

/// A file's row, or 404.
pub async fn find(state: &AppState, id: Uuid) -> Result<media::Model, ApiError> {
    find_or::<media::Entity>(&state.db, id, Code::MediaNotFound).await
}

/// The opened bytes of a file (or its thumbnail) and their content type, for a caller
/// whose right to it was checked already.
pub async fn read_unchecked(
    state: &AppState,
    row: &media::Model,
    thumbnail: bool,
) -> Result<(String, Vec<u8>), ApiError> {
    let (key, content_type) = match (thumbnail, &row.thumbnail_key) {
        (false, _) => (&row.storage_key, row.content_type.clone()),
        (true, Some(key)) => (key, "image/jpeg".to_owned()),
        (true, None) => return Err(ApiError::new(Code::MediaNotFound)),
    };
    let sealed = state.media.store.get(key).await.map_err(storage_error)?;
    let bytes = state
        .sealer
        .open_bytes(&sealed)
        .map_err(ApiError::internal)?;
    Ok((content_type, bytes))
}

/// Deletes a file: its row in the caller's transaction, its stored bytes at once (a
/// rollback after this leaves a row without bytes, which reads as "not found" errors,
/// never as another file).
pub async fn delete(
    conn: &impl sea_orm::ConnectionTrait,
    state: &AppState,
    id: Uuid,
) -> Result<(), ApiError> {
    let Some(row) = media::Entity::find_by_id(id).one(conn).await? else {
        return Ok(());
    };
    media::Entity::delete_by_id(id).exec(conn).await?;
    state
        .media
        .store
        .delete(&row.storage_key)
        .await
        .map_err(storage_error)?;
    if let Some(thumb) = &row.thumbnail_key {
        state
            .media
            .store
            .delete(thumb)
            .await
            .map_err(storage_error)?;
    }
    Ok(())
}
