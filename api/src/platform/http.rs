//! The request context every request passes through: a request id, a tracing span, a
//! deadline, a panic guard, and the rendering of every error answer as problem+json in
//! the caller's language. It is the one place where "never a bare text body, never a
//! 500 with internals" is enforced, whatever produced the error (a handler, an actix
//! extractor, the router).
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ResourceDef, Service, ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::FutureExt;
use tracing::Instrument;

use crate::error::{ApiError, Code, PROBLEM_JSON};
use crate::platform::lang::Lang;

/// The header carrying the request id, both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    /// The id of the request this task serves, so that audit events carry it without
    /// every function passing it along.
    static CURRENT_REQUEST_ID: Arc<str>;
}

/// The id of the request being served, if the caller runs inside one.
pub fn current_request_id() -> Option<String> {
    CURRENT_REQUEST_ID.try_with(|id| id.to_string()).ok()
}

/// The id of the current request, in the request's extensions for handlers that need it.
#[derive(Clone, Debug)]
pub struct RequestId(pub Arc<str>);

/// The line in front of the handlers: at most so many requests at once, and fewer writes
/// (they queue on the database). A request that cannot get in within `wait` is answered
/// 503 `server.busy` with `Retry-After` at once, so that overload sheds early instead of
/// piling up behind the pool until every answer is late.
#[derive(Clone, Debug)]
pub struct Admission {
    all: Arc<tokio::sync::Semaphore>,
    writes: Arc<tokio::sync::Semaphore>,
    wait: Duration,
}

/// What a request holds while it is handled.
type Admitted = (
    tokio::sync::OwnedSemaphorePermit,
    Option<tokio::sync::OwnedSemaphorePermit>,
);

impl Admission {
    pub fn new(all: usize, writes: usize, wait: Duration) -> Admission {
        Admission {
            all: Arc::new(tokio::sync::Semaphore::new(all)),
            writes: Arc::new(tokio::sync::Semaphore::new(writes)),
            wait,
        }
    }

    /// Health checks and metrics never wait: an orchestrator must see a busy service alive.
    fn exempt(path: &str) -> bool {
        matches!(path, "/healthz" | "/readyz" | "/metrics")
    }

    async fn enter(&self, write: bool) -> Option<Admitted> {
        let line = async {
            let write = match write {
                true => Some(self.writes.clone().acquire_owned().await.ok()?),
                false => None,
            };
            Some((self.all.clone().acquire_owned().await.ok()?, write))
        };
        tokio::time::timeout(self.wait, line).await.ok().flatten()
    }
}

fn busy() -> ApiError {
    ApiError::new(Code::Busy).with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
}

/// Whether an operation (method and route pattern) lists an error code in the contract.
/// Given, every error answer is checked: one that is not listed becomes a 500 with the
/// reason in the log, so a test that provokes it fails (`contract_check`).
pub type AnswerCheck = Arc<dyn Fn(&Method, &str, Code) -> bool + Send + Sync>;

/// Runs one request through the context; used with `App::wrap_fn`.
pub fn handle<S, B>(
    req: ServiceRequest,
    srv: &S,
    deadline: Duration,
    admission: Admission,
    check: Option<AnswerCheck>,
) -> impl Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let started = Instant::now();
    let id = request_id(&req);
    // Not a clone of the HttpRequest: the router needs it unshared to record the match.
    let lang = Lang::from_headers(req.headers());
    let span = tracing::info_span!("request", id = %id, method = %req.method(), path = %req.path());
    req.extensions_mut().insert(RequestId(id.clone()));
    // A NUL in the path cannot name anything (and PostgreSQL cannot store it in text).
    let nul_in_path = req.path().to_ascii_lowercase().contains("%00");
    let gated = !Admission::exempt(req.path());
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // A panic while the handler future is created must not take the worker down either.
    let call = (!nul_in_path).then(|| std::panic::catch_unwind(AssertUnwindSafe(|| srv.call(req))));
    async move {
        let Some(call) = call else {
            let res = finish::<B>(Outcome::Failed(ApiError::new(Code::NotFound)), lang, &id);
            return res;
        };
        // The handler's future does nothing until polled: a request turned away here
        // never reaches it.
        let _admitted = match gated {
            true => match admission.enter(write).await {
                Some(permits) => Some(permits),
                None => return finish::<B>(Outcome::Failed(busy()), lang, &id),
            },
            false => None,
        };
        let outcome = match call {
            Ok(fut) => {
                let guarded =
                    CURRENT_REQUEST_ID.scope(id.clone(), AssertUnwindSafe(fut).catch_unwind());
                match tokio::time::timeout(deadline, guarded).await {
                    Ok(Ok(result)) => Outcome::Done(result),
                    Ok(Err(_panic)) => Outcome::Failed(ApiError::internal("handler panicked")),
                    Err(_elapsed) => Outcome::Failed(ApiError::new(Code::Timeout)),
                }
            }
            Err(_panic) => Outcome::Failed(ApiError::internal("handler panicked")),
        };
        let outcome = match (outcome, check) {
            (Outcome::Done(Ok(res)), Some(check)) => checked(res, &check),
            (outcome, _) => outcome,
        };
        let res = finish(outcome, lang, &id);
        let status = match &res {
            Ok(res) => res.status(),
            Err(err) => err.as_response_error().status_code(),
        };
        tracing::info!(
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "done"
        );
        res
    }
    .instrument(span)
}

/// The answer, or a 500 when it carries an error code its operation does not list.
fn checked<B>(res: ServiceResponse<B>, check: &AnswerCheck) -> Outcome<B> {
    let code = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|e| e.code)
        .filter(|c| c.status().is_client_error());
    let (Some(code), Some(pattern)) = (code, res.request().match_pattern()) else {
        return Outcome::Done(Ok(res));
    };
    let method = res.request().method().clone();
    if check(&method, &pattern, code) {
        return Outcome::Done(Ok(res));
    }
    let why = format!(
        "contract check: {method} {pattern} answered `{}`, which its operation does not list",
        code.as_str()
    );
    eprintln!("{why}");
    Outcome::Failed(ApiError::internal(why))
}

enum Outcome<B> {
    Done(Result<ServiceResponse<B>, actix_web::Error>),
    Failed(ApiError),
}

/// Turns whatever came back into the final answer: problem+json for every error.
/// Answers without a response to attach to travel as an `InternalError` holding the
/// rendered answer, which actix sends as it is.
fn finish<B: MessageBody + 'static>(
    outcome: Outcome<B>,
    lang: Lang,
    id: &str,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let answer = match outcome {
        Outcome::Done(Ok(res)) => {
            let res = res.map_into_boxed_body();
            let mut res = match problem_answer(&res, lang, id) {
                Some(answer) => res.into_response(answer),
                None => res,
            };
            set_request_id(res.headers_mut(), id);
            return Ok(res);
        }
        Outcome::Done(Err(err)) => error_answer(&err, lang, id),
        Outcome::Failed(api) => logged(&api).render(lang, Some(id)),
    };
    let mut answer = answer;
    set_request_id(answer.headers_mut(), id);
    Err(InternalError::from_response("request failed", answer).into())
}

fn set_request_id(headers: &mut actix_web::http::header::HeaderMap, id: &str) {
    if let Ok(value) = HeaderValue::from_str(id) {
        headers.insert(REQUEST_ID, value);
    }
}

/// The problem+json answer replacing an error response, if it is one.
fn problem_answer(res: &ServiceResponse<BoxBody>, lang: Lang, id: &str) -> Option<HttpResponse> {
    if let Some(err) = res.response().error() {
        return Some(error_answer(err, lang, id));
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if res.status().as_u16() < 400 || is_problem {
        return None;
    }
    let mut answer = logged(&fallback(res.status())).render(lang, Some(id));
    // Keep what the original answer told the client to do next.
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = res.headers().get(&name) {
            answer.headers_mut().insert(name, value.clone());
        }
    }
    Some(answer)
}

fn error_answer(err: &actix_web::Error, lang: Lang, id: &str) -> HttpResponse {
    match err.as_error::<ApiError>() {
        Some(api) => logged(api).render(lang, Some(id)),
        None => {
            let api = fallback(err.as_response_error().status_code()).with_source(err.to_string());
            logged(&api).render(lang, Some(id))
        }
    }
}

fn logged(err: &ApiError) -> &ApiError {
    if err.code.status().is_server_error() {
        tracing::error!(
            code = err.code.as_str(),
            cause = err.cause_chain().unwrap_or_default(),
            "request failed"
        );
    } else {
        tracing::debug!(code = err.code.as_str(), "request refused");
    }
    err
}

/// The code for an error answer produced outside our handlers (actix's own errors).
fn fallback(status: StatusCode) -> ApiError {
    ApiError::new(match status.as_u16() {
        404 => Code::NotFound,
        405 => Code::MethodNotAllowed,
        413 => Code::BodyTooLarge,
        415 => Code::UnsupportedMediaType,
        408 | 503 | 504 => Code::Timeout,
        400..=499 => Code::BadRequest,
        _ => Code::Internal,
    })
}

/// Takes a client's id when it is short and plain, so logs across systems line up;
/// otherwise makes one.
fn request_id(req: &ServiceRequest) -> Arc<str> {
    req.headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (8..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| Arc::from(uuid::Uuid::now_v7().to_string()), Arc::from)
}

/// Every route the app serves with its methods, so that an unmatched request can be told
/// "wrong method" (405 with `Allow`) rather than "no such path" (404).
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<Method>)>,
}

impl RouteTable {
    pub fn add(&mut self, path: &str, method: Method) {
        match self
            .routes
            .iter_mut()
            .find(|(def, _)| def.pattern() == Some(path))
        {
            Some((_, methods)) => methods.push(method),
            None => self.routes.push((ResourceDef::new(path), vec![method])),
        }
    }

    fn allowed(&self, path: &str) -> Option<&[Method]> {
        self.routes
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, m)| m.as_slice())
    }
}

/// The default service: 405 for a known path with another method, else 404.
pub async fn unmatched(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    let Some(methods) = table.allowed(req.path()) else {
        return Err(ApiError::new(Code::NotFound));
    };
    let allow = methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let value = HeaderValue::from_str(&allow).map_err(ApiError::internal)?;
    Err(ApiError::new(Code::MethodNotAllowed).with_header(header::ALLOW, value))
}

/// Error handler for actix's `Path` extractor.
pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(Code::InvalidPath)
        .with_source(err.to_string())
        .into()
}
