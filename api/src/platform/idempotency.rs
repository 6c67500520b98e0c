//! `Idempotency-Key` on POSTs that create or change something: a retry with the same key
//! and body gets the first answer again; the same key with another body gets 422. Keys
//! live 24 hours. The record is claimed before the work runs, so two identical requests
//! racing each other cannot both do it: the second answers 409 until the first is done.
//! Stored answers are sealed: some hold secrets (a new account's first password).
use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use chrono::{Duration, Utc};
use entity::idempotency_record;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::crypto::{Sealer, sha256_hex};
use crate::platform::db::is_unique_violation;

/// What the middleware needs of the app, registered as app data by `startup`: the key
/// store, the sealer, and who is calling (the account behind a valid token, else the
/// client's address: the app's sign-in decides that, not this module).
#[derive(Clone)]
pub struct Keys {
    pub db: DatabaseConnection,
    pub sealer: Sealer,
    pub caller: fn(&ServiceRequest) -> String,
}

/// How long a key is remembered.
pub const KEY_LIFETIME: Duration = Duration::hours(24);
/// A claim older than this without an answer is taken to belong to a crashed request.
/// Longer than any request may run (`request_timeout_secs` is at most 120).
const ABANDONED: Duration = Duration::minutes(5);
/// How long a repeat waits for the first request with its key to answer before it is told
/// to retry later (409 `idempotency.in_progress`), and how often it looks.
const WAIT_FOR_FIRST: std::time::Duration = std::time::Duration::from_secs(5);
const WAIT_STEP: std::time::Duration = std::time::Duration::from_millis(20);
/// Set on an answer that was replayed from the first request.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// POSTs that are never replayed: sign-ins and refreshes hand out fresh tokens, and a
/// request for a sign-in code must really send one. Uploads are replayed like every
/// other creation: a retried photo upload gets the first file back, not a second copy.
pub const NOT_REPLAYED: [&str; 8] = [
    "/api/v1/auth/staff/sessions",
    "/api/v1/auth/staff/tokens",
    "/api/v1/auth/citizen/email-codes",
    "/api/v1/auth/citizen/email/sessions",
    "/api/v1/auth/citizen/sms-codes",
    "/api/v1/auth/citizen/sms/sessions",
    "/api/v1/auth/citizen/wechat/sessions",
    "/api/v1/auth/citizen/tokens",
];

/// Applies `Idempotency-Key` to every POST of the API (but [`NOT_REPLAYED`]): the first
/// request with a key runs and its 2xx answer is kept (sealed); a retry with the same key
/// and body gets that answer again with `Idempotency-Replayed: true`; the same key with
/// another body gets 422; while the first still runs, 409 with `Retry-After`. A refused
/// request (4xx/5xx) keeps nothing, so a corrected retry runs. Keys are per caller.
#[expect(clippy::too_many_lines, reason = "replay, claim and store, in order")]
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match req.headers().get("idempotency-key") {
        Some(value) if req.method() == Method::POST && !NOT_REPLAYED.contains(&req.path()) => {
            key_text(value)?
        }
        _ => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body);
        }
    };
    let state = req
        .app_data::<web::Data<Keys>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("no idempotency::Keys"))?;
    let body = req.extract::<Bytes>().await?;
    req.set_payload(Payload::from(body.to_vec()));
    // The body is decoded now; a Content-Encoding left behind would make it decoded twice.
    req.headers_mut()
        .remove(actix_web::http::header::CONTENT_ENCODING);
    let route = format!("{} {}", req.method(), req.path());
    let key_hash =
        sha256_hex(format!("{}\u{1f}{route}\u{1f}{key}", (state.caller)(&req)).as_bytes());
    // Keyed: bodies hold ID numbers, and a plain hash of one could be brute-forced.
    let request_hash = state
        .sealer
        .blind_index("idempotency", &comparable_body(&req, &body));
    let claimed_at = match claim(&state.db, &state.sealer, &key_hash, &request_hash).await? {
        Claim::Replay(replay) => return Ok(req.into_response(replay)),
        Claim::Ours(at) => at,
    };
    // Our own claim only: if it was taken for abandoned and replaced, the other request owns the key.
    let ours = || {
        sea_orm::Condition::all()
            .add(idempotency_record::Column::KeyHash.eq(key_hash.clone()))
            .add(idempotency_record::Column::CreatedAt.eq(claimed_at))
    };
    let res = next.call(req).await?.map_into_boxed_body();
    if !res.status().is_success() {
        idempotency_record::Entity::delete_many()
            .filter(ours())
            .exec(&state.db)
            .await
            .map_err(ApiError::from)?;
        return Ok(res);
    }
    let (http_req, http_res) = res.into_parts();
    let status = http_res.status();
    let headers = http_res.headers().clone();
    let bytes = actix_web::body::to_bytes(http_res.into_body())
        .await
        .map_err(|_| ApiError::internal("unreadable answer"))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    idempotency_record::Entity::update_many()
        .col_expr(
            idempotency_record::Column::Status,
            Expr::value(i32::from(status.as_u16())),
        )
        .col_expr(
            idempotency_record::Column::ResponseBody,
            Expr::value(state.sealer.seal(&text)),
        )
        .filter(ours())
        .exec(&state.db)
        .await
        .map_err(ApiError::from)?;
    let mut answer = HttpResponse::build(status).body(bytes);
    for (name, value) in &headers {
        answer.headers_mut().insert(name.clone(), value.clone());
    }
    Ok(ServiceResponse::new(http_req, answer))
}

/// The body as compared between a request and its retry. A multipart form's boundary is
/// random per attempt (`wx.uploadFile` and most HTTP clients draw a new one), so it is
/// taken out: the same file and fields are the same request.
fn comparable_body(req: &ServiceRequest, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let boundary = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .filter(|m| m.type_() == mime::MULTIPART)
        .and_then(|m| m.get_param(mime::BOUNDARY).map(|b| b.as_str().to_owned()));
    match boundary {
        Some(boundary) if !boundary.is_empty() => text.replace(&boundary, ""),
        _ => text.into_owned(),
    }
}

fn key_text(value: &HeaderValue) -> Result<String, ApiError> {
    match value.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) => Ok(k.to_owned()),
        _ => Err(ApiError::new(Code::BadRequest).with_field(FieldError {
            field: "Idempotency-Key".into(),
            reason: "format",
            message: Message::new(
                "Idempotency-Key 须为 1 到 255 个可见字符",
                "Idempotency-Key must be 1 to 255 visible characters",
            ),
        })),
    }
}

/// What claiming a key came to.
enum Claim {
    /// The key is ours now, claimed at this instant.
    Ours(chrono::DateTime<Utc>),
    /// A request with this key and body answered before: this is its answer.
    Replay(HttpResponse),
}

/// Claims the key for this request, or returns what a request with it answered before.
async fn claim(
    db: &DatabaseConnection,
    sealer: &Sealer,
    key_hash: &str,
    request_hash: &str,
) -> Result<Claim, ApiError> {
    let started = std::time::Instant::now();
    // A few rounds for races on a stale key; many more while the first request runs.
    for _ in 0..(WAIT_FOR_FIRST.as_millis() / WAIT_STEP.as_millis()) {
        // Microseconds: what PostgreSQL keeps, so that our own claim can be matched exactly.
        let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
        let row = idempotency_record::ActiveModel {
            key_hash: Set(key_hash.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            status: Set(None),
            response_body: Set(None),
            created_at: Set(now),
        };
        match idempotency_record::Entity::insert(row).exec(db).await {
            Ok(_) => return Ok(Claim::Ours(now)),
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
                Ok(Claim::Replay(
                    HttpResponse::build(status)
                        .insert_header((CONTENT_TYPE, "application/json"))
                        .insert_header((REPLAYED, HeaderValue::from_static("true")))
                        .body(body),
                ))
            }
            // The first request with this key is still running: a retry that arrives now
            // (a double tap, a storm of resends) waits for its answer and gets the same one.
            _ if started.elapsed() < WAIT_FOR_FIRST => {
                tokio::time::sleep(WAIT_STEP).await;
                continue;
            }
            _ => Err(ApiError::new(Code::IdempotencyInProgress)
                .with_header(RETRY_AFTER, HeaderValue::from_static("1"))),
        };
    }
    Err(ApiError::new(Code::IdempotencyInProgress)
        .with_header(RETRY_AFTER, HeaderValue::from_static("1")))
}
