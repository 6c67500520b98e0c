//! Upload and download routes.
use actix_multipart::{Multipart, MultipartError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::{MediaDto, UploadForm};
use super::service;
use crate::auth::extract::Caller;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::state::AppState;

type State = web::Data<AppState>;

/// Mounts the media routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(upload).service(download).service(thumbnail);
}

pub(crate) fn multipart_error(e: MultipartError) -> ApiError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => {
            ApiError::new(Code::UnsupportedMediaType).with_detail(Message::new(
                "请使用 multipart/form-data 上传文件",
                "send the file as multipart/form-data",
            ))
        }
        other => ApiError::new(Code::BadRequest).with_source(other.to_string()),
    }
}

/// Reads the `file` part (at most `max` bytes, else `media.too_large` at once) and the
/// optional `purpose` part; other parts are skipped.
async fn read_form(mut form: Multipart, max: usize) -> Result<(Vec<u8>, String), ApiError> {
    let mut file = None;
    let mut purpose = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        let limit = match name.as_str() {
            "file" => max,
            "purpose" => 64,
            _ => 0,
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            if bytes.len() + chunk.len() > limit {
                if name == "file" {
                    return Err(ApiError::new(Code::MediaTooLarge));
                }
                if name == "purpose" {
                    return Err(bad_purpose());
                }
                continue;
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => file = Some(bytes),
            "purpose" => purpose = Some(String::from_utf8(bytes).map_err(|_| bad_purpose())?),
            _ => {}
        }
    }
    let file = file.ok_or_else(|| ApiError::new(Code::MediaFileMissing))?;
    let purpose = purpose.unwrap_or_else(|| "document".into());
    let ok = (1..=32).contains(&purpose.len())
        && purpose.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if !ok {
        return Err(bad_purpose());
    }
    Ok((file, purpose))
}

fn bad_purpose() -> ApiError {
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field: "purpose".into(),
        reason: "format",
        message: Message::new("1-32 个小写字母或 _", "1-32 lower-case letters or _"),
    })
}

/// Upload a photo, scan or PDF (citizens and staff).
///
/// The kind is read from the content; images are checked for size and pixel count
/// before decoding, turned upright, scaled to at most 4096 px, re-encoded without any
/// EXIF data (GPS position, camera, time) and given a thumbnail. Files are encrypted at
/// rest. Not replayed by `Idempotency-Key` (a retried upload makes another file; only
/// the one a form names counts).
#[utoipa::path(tag = "media", operation_id = "media.upload", security(("citizen_token" = []), ("staff_token" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = MediaDto)))]
#[post("/media")]
async fn upload(
    state: State,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let form = Multipart::new(req.headers(), payload);
    let (file, purpose) = read_form(form, state.media.limits.max_bytes).await?;
    let saved = service::upload(&state, &caller, &purpose, file).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(MediaDto::from(saved)))
}

fn file_response(content_type: String, bytes: Vec<u8>) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.insert_header((
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    ))
    .insert_header((
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .insert_header((
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    ))
    .content_type(content_type);
    res.body(bytes)
}

/// Download a file: its uploader, or district staff (rooms that attach files give their
/// own routes to those who may see them, e.g. an application's reviewers).
#[utoipa::path(tag = "media", operation_id = "media.download", security(("citizen_token" = []), ("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file as stored (`image/jpeg`, `image/png` or `application/pdf`)", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "application/pdf")))))]
#[get("/media/{id}")]
async fn download(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = service::readable(&state, &caller, *id).await?;
    let (content_type, bytes) = service::read_unchecked(&state, &row, false).await?;
    Ok(file_response(content_type, bytes))
}

/// An image's thumbnail (JPEG, at most 320 px); PDFs have none (404).
#[utoipa::path(tag = "media", operation_id = "media.thumbnail", security(("citizen_token" = []), ("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "JPEG", content_type = "image/jpeg", body = Vec<u8>)))]
#[get("/media/{id}/thumbnail")]
async fn thumbnail(
    state: State,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = service::readable(&state, &caller, *id).await?;
    let (content_type, bytes) = service::read_unchecked(&state, &row, true).await?;
    Ok(file_response(content_type, bytes))
}
