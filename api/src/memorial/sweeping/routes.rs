//! Proxy sweeping routes: the family orders, cancels, views the proof and confirms or
//! disputes; cemetery staff see their cemetery's orders (overdue ones flagged), accept
//! them and attach photo proof.
use actix_web::{HttpResponse, get, post, web};
use sha2::{Digest, Sha256};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::*;
use super::service::{self, MAX_PHOTOS, NewOrder};
use crate::auth::extract::{Caller, Citizen, Staff};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::memorial::visits::domain::grave_key;
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};
use crate::state::AppState;

type State = web::Data<AppState>;

/// Mounts the routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(place)
        .service(mine)
        .service(one)
        .service(cancel)
        .service(confirm)
        .service(dispute)
        .service(photo)
        .service(queue)
        .service(staff_one)
        .service(accept)
        .service(attach);
}

fn invalid(field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: field.into(),
        reason: "value",
        message: Message::new(zh, en),
    })
}

fn parse(body: SweepRequest) -> Result<NewOrder, ApiError> {
    let grave =
        grave_key(&body.grave.section, &body.grave.row, &body.grave.number).ok_or_else(|| {
            invalid(
                "grave",
                "请填写墓位的区、排、号（各 1 到 16 个字符，不含 /）",
                "section, row and number: 1 to 16 characters each, no /",
            )
        })?;
    let days = (body.sweep_date - clock::today()).num_days();
    if !(1..=90).contains(&days) {
        return Err(invalid(
            "sweep_date",
            "日期须在明天到 90 天之内",
            "from tomorrow to 90 days ahead",
        ));
    }
    let message = body
        .message
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty());
    if message.as_ref().is_some_and(|m| m.chars().count() > 300) {
        return Err(invalid(
            "message",
            "寄语不超过 300 字",
            "at most 300 characters",
        ));
    }
    if !body.cleaning && !body.flowers && message.is_none() {
        return Err(invalid(
            "cleaning",
            "请至少选择一项服务：清扫、献花或寄语",
            "choose cleaning, flowers or a message",
        ));
    }
    Ok(NewOrder {
        cemetery_id: body.cemetery_id,
        grave,
        sweep_date: body.sweep_date,
        cleaning: body.cleaning,
        flowers: body.flowers,
        message,
    })
}

async fn dto(state: &AppState, row: entity::sweep_order::Model) -> Result<SweepDto, ApiError> {
    let open = |sealed: &Option<String>| -> Result<Option<String>, ApiError> {
        sealed
            .as_ref()
            .map(|s| state.sealer.open(s).map_err(ApiError::internal))
            .transpose()
    };
    let proofs = service::proofs_of(&state.db, row.id)
        .await?
        .into_iter()
        .map(|p| {
            let url = format!("/api/v1/proxy-sweeps/{}/proofs/{}", row.id, p.id);
            ProofDto {
                id: p.id,
                sha256: p.sha256,
                attached_at: clock::format(p.attached_at),
                thumbnail_url: format!("{url}?thumbnail=true"),
                url,
            }
        })
        .collect();
    Ok(SweepDto {
        overdue: service::overdue(&row, clock::today()),
        message: open(&row.message_sealed)?,
        dispute_reason: open(&row.dispute_sealed)?,
        accepted_at: row.accepted_at.map(clock::format),
        done_at: row.done_at.map(clock::format),
        decided_at: row.decided_at.map(clock::format),
        created_at: clock::format(row.created_at),
        id: row.id,
        cemetery_id: row.cemetery_id,
        grave: row.grave_label,
        sweep_date: row.sweep_date,
        cleaning: row.cleaning,
        flowers: row.flowers,
        status: row.status,
        proofs,
    })
}

/// One page of the rows as answers show them.
async fn list(
    state: &AppState,
    rows: Vec<entity::sweep_order::Model>,
    page: &PageQuery,
) -> Result<SweepListDto, ApiError> {
    let page = slice(rows, page, |r| r.id.to_string())?;
    let mut items = Vec::with_capacity(page.rows.len());
    for row in page.rows {
        items.push(dto(state, row).await?);
    }
    Ok(SweepListDto {
        items,
        next_cursor: page.next_cursor,
    })
}

/// Order a proxy sweeping (代祭扫) of a named grave on a date: cleaning, flowers and/or a
/// written message read at the grave. Needs a verified real name. Honours
/// `Idempotency-Key`.
#[utoipa::path(tag = "proxy-sweeping", operation_id = "proxy_sweeps.order", request_body = SweepRequest, security(("citizen_token" = [])),
    responses((status = 201, body = SweepDto)))]
#[post("/proxy-sweeps")]
async fn place(
    state: State,
    citizen: Citizen,
    Json(body): Json<SweepRequest>,
) -> Result<HttpResponse, ApiError> {
    let row = service::order(&state, &citizen, parse(body)?).await?;
    Ok(HttpResponse::Created().json(dto(&state, row).await?))
}

/// Your proxy sweeping orders, newest first.
#[utoipa::path(tag = "proxy-sweeping", operation_id = "proxy_sweeps.list", security(("citizen_token" = [])), params(PageQuery),
    responses((status = 200, body = SweepListDto)))]
#[get("/proxy-sweeps")]
async fn mine(
    state: State,
    citizen: Citizen,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<SweepListDto>, ApiError> {
    let rows = service::mine(&state.db, &citizen).await?;
    Ok(web::Json(list(&state, rows, &page).await?))
}

/// One of your orders, with its proof photos (hash and server time each).
#[utoipa::path(tag = "proxy-sweeping", operation_id = "proxy_sweeps.get", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SweepDto)))]
#[get("/proxy-sweeps/{id}")]
async fn one(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<SweepDto>, ApiError> {
    let row = service::for_citizen(&state.db, &citizen, *id).await?;
    Ok(web::Json(dto(&state, row).await?))
}

/// Cancel an order, while the cemetery has not accepted it.
#[utoipa::path(tag = "proxy-sweeping", operation_id = "proxy_sweeps.cancel", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SweepDto)))]
#[post("/proxy-sweeps/{id}/cancel")]
async fn cancel(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<SweepDto>, ApiError> {
    let row = service::cancel(&state, &citizen, *id).await?;
    Ok(web::Json(dto(&state, row).await?))
}

/// Accept the proof: the order is finished.
#[utoipa::path(tag = "proxy-sweeping", operation_id = "proxy_sweeps.confirm", security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SweepDto)))]
#[post("/proxy-sweeps/{id}/confirm")]
async fn confirm(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
) -> Result<web::Json<SweepDto>, ApiError> {
    let row = service::decide(&state, &citizen, *id, None).await?;
    Ok(web::Json(dto(&state, row).await?))
}

/// Dispute the proof with a reason; the cemetery sees it and may attach more photos.
#[utoipa::path(tag = "proxy-sweeping", operation_id = "proxy_sweeps.dispute", request_body = DisputeRequest, security(("citizen_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SweepDto)))]
#[post("/proxy-sweeps/{id}/dispute")]
async fn dispute(
    state: State,
    citizen: Citizen,
    id: web::Path<Uuid>,
    Json(body): Json<DisputeRequest>,
) -> Result<web::Json<SweepDto>, ApiError> {
    let reason = body.reason.trim().to_owned();
    if !(1..=300).contains(&reason.chars().count()) {
        return Err(invalid(
            "reason",
            "请填写 1 到 300 字的理由",
            "1 to 300 characters",
        ));
    }
    let row = service::decide(&state, &citizen, *id, Some(reason)).await?;
    Ok(web::Json(dto(&state, row).await?))
}

/// A proof photo (or its thumbnail), for the family and the cemetery's staff. The bytes
/// hash to the proof's `sha256`.
#[utoipa::path(tag = "proxy-sweeping", operation_id = "proxy_sweeps.proof", security(("citizen_token" = []), ("staff_token" = [])), params(("id" = Uuid, Path), ("proof_id" = Uuid, Path), ProofQuery),
    responses((status = 200, description = "The photo", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png")))))]
#[get("/proxy-sweeps/{id}/proofs/{proof_id}")]
async fn photo(
    state: State,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    Query(q): Query<ProofQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, proof_id) = path.into_inner();
    let row = match &caller {
        Caller::Citizen(c) => service::for_citizen(&state.db, c, id).await?,
        Caller::Staff(s) => service::for_staff(&state.db, s, id).await?,
    };
    let p = service::proof_of(&state.db, row.id, proof_id).await?;
    let m = crate::media::service::find(&state, p.media_id).await?;
    let (content_type, bytes) =
        crate::media::service::read_unchecked(&state, &m, q.thumbnail).await?;
    // Proof is served only as it was when attached: a file swapped in storage since is
    // refused, not shown to the family as proof.
    if !q.thumbnail && hex::encode(Sha256::digest(&bytes)) != p.sha256 {
        tracing::error!(proof = %p.id, "a proof photo's stored bytes differ from its recorded hash");
        return Err(ApiError::new(Code::ProofAltered));
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .content_type(content_type)
        .body(bytes))
}

/// A cemetery's proxy sweeping orders for its staff (district staff: any), by date;
/// `overdue=true` lists those whose date passed without proof.
#[utoipa::path(tag = "proxy-sweeping", operation_id = "proxy_sweeps.queue", security(("staff_token" = [])), params(SweepQueueQuery),
    responses((status = 200, body = SweepListDto)))]
#[get("/desk/proxy-sweeps")]
async fn queue(
    state: State,
    staff: Staff,
    Query(q): Query<SweepQueueQuery>,
) -> Result<web::Json<SweepListDto>, ApiError> {
    let status = q.status.map(|s| s.as_str().to_owned());
    let rows = service::for_cemetery(&state.db, &staff, &q.cemetery_id, status, q.overdue).await?;
    Ok(web::Json(list(&state, rows, &q.page()).await?))
}

/// One order of the staff member's cemetery.
#[utoipa::path(tag = "proxy-sweeping", operation_id = "proxy_sweeps.staff_get", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SweepDto)))]
#[get("/desk/proxy-sweeps/{id}")]
async fn staff_one(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<SweepDto>, ApiError> {
    let row = service::for_staff(&state.db, &staff, *id).await?;
    Ok(web::Json(dto(&state, row).await?))
}

/// Accept an order (ordered → accepted); the family is notified and can no longer cancel.
#[utoipa::path(tag = "proxy-sweeping", operation_id = "proxy_sweeps.accept", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SweepDto)))]
#[post("/desk/proxy-sweeps/{id}/accept")]
async fn accept(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<SweepDto>, ApiError> {
    let row = service::accept(&state, &staff, *id).await?;
    Ok(web::Json(dto(&state, row).await?))
}

/// Attach photo proof (uploaded first with `POST /api/v1/media`, so the intake sniffed
/// them, removed EXIF and GPS, and hashed them): the order is done and the family is
/// notified. Proof is append-only; a disputed order takes more.
#[utoipa::path(tag = "proxy-sweeping", operation_id = "proxy_sweeps.attach_proof", request_body = ProofRequest, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SweepDto)))]
#[post("/desk/proxy-sweeps/{id}/proofs")]
async fn attach(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Json(body): Json<ProofRequest>,
) -> Result<web::Json<SweepDto>, ApiError> {
    let mut ids = body.media_ids;
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_PHOTOS {
        return Err(invalid("media_ids", "须有 1 到 9 张照片", "1 to 9 photos"));
    }
    let row = service::attach_proof(&state, &staff, *id, &ids).await?;
    Ok(web::Json(dto(&state, row).await?))
}
