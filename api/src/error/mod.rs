//! The one error type of the API and its wire shape, RFC 9457 `application/problem+json`.
//!
//! Every failure a client can see is an [`ApiError`] carrying a stable [`Code`]. The code
//! table below is the single source for the status, the Chinese and English titles and
//! the list published in the OpenAPI contract, so a new code cannot go undocumented.
//! Internal causes are kept in `source` for the log and never sent.
use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::platform::lang::Lang;

mod codes;

pub use codes::Code;

/// A text in both languages; the caller's `Accept-Language` picks one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub zh: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Message {
    pub fn new(zh: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// What is wrong with one field of the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path in the request, e.g. `members[2].id_number`.
    pub field: String,
    /// A stable reason within the error's code, e.g. `checksum`, `missing`, `type`.
    pub reason: &'static str,
    pub message: Message,
}

/// The error every handler returns.
#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    detail: Option<Message>,
    pub errors: Vec<FieldError>,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The internal cause, logged and never sent.
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    pub fn new(code: Code) -> Self {
        Self {
            code,
            detail: None,
            errors: Vec::new(),
            headers: Vec::new(),
            source: None,
        }
    }

    /// A 500 whose cause goes to the log only.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(Code::Internal).with_source(cause)
    }

    pub fn with_detail(mut self, detail: Message) -> Self {
        self.detail = Some(detail);
        self
    }

    pub fn with_field(mut self, field: FieldError) -> Self {
        self.errors.push(field);
        self
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn with_source(
        mut self,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(cause.into());
        self
    }

    /// The cause chain, for the log line of a 5xx.
    pub fn cause_chain(&self) -> Option<String> {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = match &self.source {
            Some(source) => Some(source.as_ref()),
            None => return None,
        };
        let mut parts = Vec::new();
        while let Some(err) = cause {
            parts.push(err.to_string());
            cause = err.source();
        }
        Some(parts.join(": "))
    }

    /// The wire body in the caller's language.
    pub fn problem(&self, lang: Lang, request_id: Option<&str>) -> Problem {
        let title = self.code.title(lang);
        Problem {
            r#type: format!("urn:minzheng:problem:{}", self.code.as_str()),
            title: title.to_owned(),
            status: self.code.status().as_u16(),
            detail: self
                .detail
                .as_ref()
                .map_or(title, |d| d.get(lang))
                .to_owned(),
            code: self.code.as_str().to_owned(),
            errors: self
                .errors
                .iter()
                .map(|e| ProblemField {
                    field: e.field.clone(),
                    reason: e.reason.to_owned(),
                    message: e.message.get(lang).to_owned(),
                })
                .collect(),
            request_id: request_id.map(str::to_owned),
        }
    }

    /// The full HTTP answer; the request middleware calls this with the caller's language.
    pub fn render(&self, lang: Lang, request_id: Option<&str>) -> HttpResponse {
        let mut response = HttpResponse::build(self.code.status());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        response.insert_header((header::CONTENT_LANGUAGE, lang.tag()));
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        response.body(serde_json::to_string(&self.problem(lang, request_id)).unwrap_or_default())
    }
}

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    /// Chinese and without a request id; the request middleware renders it again with both.
    fn error_response(&self) -> HttpResponse {
        self.render(Lang::Zh, None)
    }
}

impl From<sea_orm::DbErr> for ApiError {
    /// A transaction that lost a conflict with another (a PostgreSQL deadlock or
    /// serialization failure, SQLite still busy after its timeout) was rolled back whole:
    /// the caller may simply retry, so it is told so (503 `server.busy`, `Retry-After`)
    /// instead of a 500. Anything else is a 500 with the cause in the log.
    fn from(err: sea_orm::DbErr) -> Self {
        if crate::platform::db::is_contention(&err) {
            ApiError::new(Code::Busy)
                .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
                .with_source(err)
        } else {
            ApiError::internal(err)
        }
    }
}

/// RFC 9457 problem details, as every error answer carries them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:minzheng:problem:identity.id_number_invalid",
    "title": "身份证号码无效",
    "status": 422,
    "detail": "身份证号码无效",
    "code": "identity.id_number_invalid",
    "errors": [{"field": "id_number", "reason": "checksum", "message": "校验位不正确"}],
    "request_id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71"
}))]
pub struct Problem {
    /// A URI naming the problem type: `urn:minzheng:problem:<code>`.
    pub r#type: String,
    /// Short summary of the problem type, in the caller's language.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time and what to change, in the caller's language.
    pub detail: String,
    /// Stable machine-readable code; see the `x-error-codes` table of this contract.
    #[schema(value_type = Code)]
    pub code: String,
    /// One entry per invalid field (may be empty).
    pub errors: Vec<ProblemField>,
    /// The id of this request, also sent as the `X-Request-Id` header; quote it when reporting.
    pub request_id: Option<String>,
}

/// One invalid field of the request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// Path of the field in the request, e.g. `id_number` or `members[1].income`.
    pub field: String,
    /// Stable reason, e.g. `missing`, `type`, `unknown`, `checksum`, `range`.
    pub reason: String,
    /// Human-readable explanation in the caller's language.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_dotted() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(
                seen.insert(code.as_str()),
                "duplicate code {}",
                code.as_str()
            );
            assert!(
                code.as_str().contains('.'),
                "{} is not dotted",
                code.as_str()
            );
        }
    }

    #[test]
    fn internal_errors_never_send_their_cause() {
        let err = ApiError::internal(std::io::Error::other("disk /secret/path failed"));
        let body = serde_json::to_string(&err.problem(Lang::En, None)).unwrap();
        assert!(!body.contains("secret"), "{body}");
        assert_eq!(
            err.cause_chain().as_deref(),
            Some("disk /secret/path failed")
        );
    }
}
