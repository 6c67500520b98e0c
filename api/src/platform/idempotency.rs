//! `Idempotency-Key` on POSTs that create or change something: a retry with the same key
//! and body gets the first answer again; the same key with another body gets 422. Keys
//! live 24 hours. The record is claimed before the work runs, so two identical requests
//! racing each other cannot both do it: the second answers 409 until the first is done.
//! Stored answers are sealed: some hold secrets (a new account's first password).
use std::future::Future;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use entity::idempotency_record;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::crypto::{Sealer, sha256_hex};
use crate::platform::db::is_unique_violation;

/// How long a key is remembered.
pub const KEY_LIFETIME: Duration = Duration::hours(24);
/// A claim older than this without an answer is taken to belong to a crashed request.
const ABANDONED: Duration = Duration::seconds(60);
/// Set on an answer that was replayed from the first request.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// The request's `Idempotency-Key` header, if it sent one.
#[derive(Clone, Debug)]
pub struct IdempotencyKey(Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = req
            .headers()
            .get("idempotency-key")
            .map(|v| v.to_str().map(str::to_owned));
        std::future::ready(match key {
            None => Ok(IdempotencyKey(None)),
            Some(Ok(k)) if (1..=255).contains(&k.len()) => Ok(IdempotencyKey(Some(k))),
            Some(_) => Err(ApiError::new(Code::BadRequest).with_field(FieldError {
                field: "Idempotency-Key".into(),
                reason: "format",
                message: Message::new(
                    "Idempotency-Key 须为 1 到 255 个可见字符",
                    "Idempotency-Key must be 1 to 255 visible characters",
                ),
            })),
        })
    }
}

/// Runs `work` once per key: `caller` and `route` scope the key, `body` is the request
/// as received (its hash tells a retry from a different request).
pub async fn once<T, F, Fut>(
    db: &DatabaseConnection,
    sealer: &Sealer,
    key: &IdempotencyKey,
    caller: &str,
    route: &str,
    body: &impl Serialize,
    status: StatusCode,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let Some(key) = &key.0 else {
        return answer(status, &work().await?);
    };
    let key_hash = sha256_hex(format!("{caller}\u{1f}{route}\u{1f}{key}").as_bytes());
    // Keyed: bodies hold ID numbers, and a plain hash of one could be brute-forced.
    let request_hash = sealer.blind_index(
        "idempotency",
        &serde_json::to_string(body).unwrap_or_default(),
    );
    if let Some(replay) = claim(db, sealer, &key_hash, &request_hash).await? {
        return Ok(replay);
    }
    match work().await {
        Ok(value) => {
            let text = serde_json::to_string(&value).map_err(ApiError::internal)?;
            idempotency_record::Entity::update_many()
                .col_expr(
                    idempotency_record::Column::Status,
                    Expr::value(status.as_u16() as i32),
                )
                .col_expr(
                    idempotency_record::Column::ResponseBody,
                    Expr::value(sealer.seal(&text)),
                )
                .filter(idempotency_record::Column::KeyHash.eq(&key_hash))
                .exec(db)
                .await?;
            Ok(HttpResponse::build(status)
                .insert_header((CONTENT_TYPE, "application/json"))
                .body(text))
        }
        Err(err) => {
            // A refused request did nothing: free the key so a corrected retry can run.
            idempotency_record::Entity::delete_by_id(key_hash)
                .exec(db)
                .await?;
            Err(err)
        }
    }
}

fn answer(status: StatusCode, value: &impl Serialize) -> Result<HttpResponse, ApiError> {
    let text = serde_json::to_string(value).map_err(ApiError::internal)?;
    Ok(HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "application/json"))
        .body(text))
}

/// Claims the key for this request, or returns what a request with it answered before.
async fn claim(
    db: &DatabaseConnection,
    sealer: &Sealer,
    key_hash: &str,
    request_hash: &str,
) -> Result<Option<HttpResponse>, ApiError> {
    for _ in 0..3 {
        let now = Utc::now();
        let row = idempotency_record::ActiveModel {
            key_hash: Set(key_hash.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            status: Set(None),
            response_body: Set(None),
            created_at: Set(now),
        };
        match idempotency_record::Entity::insert(row).exec(db).await {
            Ok(_) => return Ok(None),
            Err(e) if !is_unique_violation(&e) => return Err(e.into()),
            Err(_) => {}
        }
        let Some(existing) = idempotency_record::Entity::find_by_id(key_hash.to_owned())
            .one(db)
            .await?
        else {
            continue;
        };
        let stale = existing.created_at < now - KEY_LIFETIME
            || (existing.status.is_none() && existing.created_at < now - ABANDONED);
        if stale {
            // Only the stale claim we saw: another retry may have replaced it already.
            idempotency_record::Entity::delete_many()
                .filter(idempotency_record::Column::KeyHash.eq(key_hash))
                .filter(idempotency_record::Column::CreatedAt.eq(existing.created_at))
                .exec(db)
                .await?;
            continue;
        }
        if existing.request_hash != request_hash {
            return Err(ApiError::new(Code::IdempotencyMismatch));
        }
        return match (existing.status, existing.response_body) {
            (Some(status), Some(sealed)) => {
                let body = sealer.open(&sealed).map_err(ApiError::internal)?;
                let status = StatusCode::from_u16(status as u16).map_err(ApiError::internal)?;
                Ok(Some(
                    HttpResponse::build(status)
                        .insert_header((CONTENT_TYPE, "application/json"))
                        .insert_header((REPLAYED, HeaderValue::from_static("true")))
                        .body(body),
                ))
            }
            _ => Err(ApiError::new(Code::IdempotencyInProgress)
                .with_header(RETRY_AFTER, HeaderValue::from_static("1"))),
        };
    }
    Err(ApiError::new(Code::IdempotencyInProgress)
        .with_header(RETRY_AFTER, HeaderValue::from_static("1")))
}
