//! Body and query extractors that fail with problem+json naming the offending field.
//!
//! actix's own `Json`/`Query` report serde's message without the field's path; these
//! wrap serde with `serde_path_to_error` so that every 4xx says which field to change.
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Code, FieldError, Message};

/// A JSON request body of type `T`, limited by the `PayloadConfig` of the app.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = is_json(req);
        let bytes = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::new(Code::UnsupportedMediaType));
            }
            let bytes = bytes.await.map_err(payload_error)?;
            parse_json(&bytes).map(Json)
        })
    }
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    value.parse::<mime::Mime>().is_ok_and(|m| {
        m.type_() == mime::APPLICATION
            && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
    })
}

fn payload_error(err: actix_web::Error) -> ApiError {
    match err.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::new(Code::BodyTooLarge),
        _ => match err.as_response_error().status_code().as_u16() {
            413 => ApiError::new(Code::BodyTooLarge),
            _ => ApiError::new(Code::BadRequest).with_source(err.to_string()),
        },
    }
}

/// Whether text carries a NUL character, which PostgreSQL cannot store in text: refused
/// at the door, for every route, rather than failing deep inside one.
fn has_nul(text: &[u8], escaped: &[u8]) -> bool {
    text.windows(escaped.len())
        .any(|w| w.eq_ignore_ascii_case(escaped))
}

/// Parses a JSON document into `T`, naming the field on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if has_nul(bytes, b"\\u0000") {
        return Err(ApiError::new(Code::InvalidBody).with_detail(Message::new(
            "文本中不能含有 NUL 控制字符 (\\u0000)",
            "text may not contain the NUL character (\\u0000)",
        )));
    }
    if may_hide_controls(bytes) {
        return parse_cleaned(bytes);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| json_error(e.path().to_string(), e.into_inner()))?;
    de.end().map_err(|e| json_error(String::new(), e))?;
    Ok(value)
}

/// Whether a body may carry a control or bidi character in a string: an escape other
/// than `\"`, `\\` and `\/`, or the UTF-8 lead bytes of U+061C, U+0080-009F, U+2000-206F
/// and U+FEFF. Most bodies have none, and skip the second parse.
fn may_hide_controls(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| match w {
        [b'\\', b] => !matches!(b, b'"' | b'\\' | b'/'),
        [0xC2, 0x80..=0x9F] | [0xD8, 0x9C] | [0xE2, 0x80 | 0x81] | [0xEF, 0xBB] => true,
        _ => false,
    })
}

/// Parses a body whose strings may hide control or bidi characters: every string value
/// is cleaned (`platform::text::clean`: line breaks kept, tabs as spaces, the rest
/// removed) before the typed parse, so no free text that staff or other people read
/// carries a U+202E or a bell, in any room. Names and identifiers then meet their own
/// rules.
fn parse_cleaned<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| json_error(String::new(), e))?;
    clean_strings(&mut value);
    serde_path_to_error::deserialize(value)
        .map_err(|e| json_error(e.path().to_string(), e.into_inner()))
}

fn clean_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let std::borrow::Cow::Owned(cleaned) = super::text::clean(s) {
                *s = cleaned;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(clean_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(clean_strings),
        _ => {}
    }
}

fn json_error(field: String, inner: serde_json::Error) -> ApiError {
    if !inner.is_data() {
        let detail = format!("第 {} 行第 {} 列附近", inner.line(), inner.column());
        let detail_en = format!("near line {} column {}", inner.line(), inner.column());
        return ApiError::new(Code::MalformedJson).with_detail(Message::new(
            format!(
                "{}：{detail}",
                Code::MalformedJson.title(super::lang::Lang::Zh)
            ),
            format!(
                "{}: {detail_en}",
                Code::MalformedJson.title(super::lang::Lang::En)
            ),
        ));
    }
    data_error(field, &inner.to_string())
}

/// Maps a serde data error to a field error; the path comes from serde_path_to_error.
fn data_error(path: String, message: &str) -> ApiError {
    // serde's messages are stable enough to classify; the English text goes to `en`.
    let english = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned();
    if let Some(name) = backticked(message, "unknown field `") {
        // serde_path_to_error already ends the path with the unknown key.
        let field = if path == "." || path.is_empty() {
            name.clone()
        } else {
            path
        };
        return ApiError::new(Code::UnknownField).with_field(FieldError {
            field,
            reason: "unknown",
            message: Message::new(format!("不认识的字段 {name}，请删除"), english),
        });
    }
    if let Some(name) = backticked(message, "missing field `") {
        let field = if path == "." || path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        return ApiError::new(Code::InvalidBody).with_field(FieldError {
            field,
            reason: "missing",
            message: Message::new(format!("缺少必填字段 {name}"), english),
        });
    }
    let field = if path == "." { String::new() } else { path };
    if let Some(value) = backticked(message, "unknown variant `") {
        // A value outside a closed set (an enum of the contract): say which ones exist.
        let allowed = english
            .split("expected ")
            .nth(1)
            .unwrap_or_default()
            .replace("one of ", "")
            .replace('`', "");
        return ApiError::new(Code::InvalidBody).with_field(FieldError {
            field,
            reason: "value",
            message: Message::new(format!("取值 {value} 无效，可选：{allowed}"), english),
        });
    }
    ApiError::new(Code::InvalidBody).with_field(FieldError {
        field,
        reason: "type",
        message: Message::new(format!("字段类型或取值不正确：{english}"), english),
    })
}

fn backticked(message: &str, prefix: &str) -> Option<String> {
    let rest = message.split(prefix).nth(1)?;
    Some(rest.split('`').next()?.to_owned())
}

/// A query string of type `T`, with the same field-naming errors as [`Json`].
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if has_nul(req.query_string().as_bytes(), b"%00") {
            return std::future::ready(Err(ApiError::new(Code::InvalidQuery).with_detail(
                Message::new(
                    "查询参数中不能含有 NUL 控制字符",
                    "the query may not contain NUL",
                ),
            )));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(
            req.query_string().as_bytes(),
        ));
        let result = serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|err| {
                let field = err.path().to_string();
                let inner = err.into_inner().to_string();
                let mut error = data_error(field, &inner);
                // A value outside the parameter's enum is 422 (the request is well formed
                // but names nothing); any other bad parameter stays 400.
                let outside_enum = error.errors.iter().any(|e| e.reason == "value");
                error.code = match outside_enum {
                    true => Code::InvalidQueryValue,
                    false => Code::InvalidQuery,
                };
                error
            });
        std::future::ready(result)
    }
}
