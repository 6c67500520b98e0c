//! The error answers of every operation, built from one declaration: each room's
//! `error::ANSWERS` names the codes its operations answer, and the operation's shape adds
//! the ones it shares with every operation of that shape (a token: 401; a staff token:
//! 403; a body: 400, 413, 415, 422; `Idempotency-Key`: 409, 422; a path, query or cursor:
//! 400). Nothing here is written by hand per operation, so the contract cannot forget a
//! code a room declares; the test suite checks every error answer it sees against it.
use std::collections::{BTreeMap, BTreeSet};

use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi as Spec, Ref, RefOr, ResponseBuilder};

use crate::error::{ApiError, Code};
use crate::platform::idempotency;
use crate::platform::lang::Lang;

/// One room's declaration: operation id and the codes it answers beyond the shared ones.
pub type Answers = &'static [(&'static str, &'static [Code])];

/// Every room's declaration.
pub const ROOMS: &[Answers] = &[
    crate::admin::error::ANSWERS,
    crate::applications::error::ANSWERS,
    crate::auth::error::ANSWERS,
    crate::certification::error::ANSWERS,
    crate::funeral::error::ANSWERS,
    crate::identity::error::ANSWERS,
    crate::marriage::error::ANSWERS,
    crate::media::error::ANSWERS,
    crate::memorial::halls::error::ANSWERS,
    crate::memorial::sweeping::error::ANSWERS,
    crate::memorial::visits::error::ANSWERS,
    crate::scheduling::error::ANSWERS,
];

/// The declared codes by operation id; an id declared twice is a mistake the tests catch.
pub fn declared() -> BTreeMap<&'static str, Vec<Code>> {
    let mut map: BTreeMap<&str, Vec<Code>> = BTreeMap::new();
    for (id, codes) in ROOMS.iter().flat_map(|room| room.iter()) {
        map.entry(id).or_default().extend_from_slice(codes);
    }
    map
}

/// Operation ids declared in a room's table that the contract does not have.
pub fn stale_declarations(spec: &Spec) -> Vec<&'static str> {
    let ids: BTreeSet<String> = operations(spec)
        .filter_map(|(_, _, op)| op.operation_id.clone())
        .collect();
    declared()
        .into_keys()
        .filter(|id| !ids.contains(*id))
        .collect()
}

fn operations(spec: &Spec) -> impl Iterator<Item = (&String, &'static str, &Operation)> {
    spec.paths.paths.iter().flat_map(|(path, item)| {
        [
            ("get", &item.get),
            ("post", &item.post),
            ("put", &item.put),
            ("patch", &item.patch),
            ("delete", &item.delete),
        ]
        .into_iter()
        .filter_map(move |(method, op)| op.as_ref().map(|op| (path, method, op)))
    })
}

/// Replaces every operation's error answers with the ones built from the declarations.
pub fn add(spec: &mut Spec) {
    let declared = declared();
    for (path, item) in spec.paths.paths.iter_mut() {
        let replayed = !idempotency::NOT_REPLAYED.contains(&path.as_str());
        let ops = [
            (&mut item.get, false),
            (&mut item.post, replayed),
            (&mut item.put, false),
            (&mut item.patch, false),
            (&mut item.delete, false),
        ];
        for (op, idempotent) in ops {
            let Some(op) = op.as_mut() else { continue };
            let own = op
                .operation_id
                .as_deref()
                .and_then(|id| declared.get(id))
                .cloned()
                .unwrap_or_default();
            let codes = codes_of(op, &own, idempotent);
            replace_error_answers(op, &codes);
        }
    }
}

/// The operation's own codes and those its shape brings, without repeats, in table order.
#[expect(clippy::too_many_lines, reason = "one arm per kind of route")]
fn codes_of(op: &Operation, own: &[Code], idempotent: bool) -> Vec<Code> {
    let schemes: Vec<String> = op
        .security
        .iter()
        .flatten()
        .filter_map(|req| serde_json::to_value(req).ok())
        .filter_map(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
        .flatten()
        .collect();
    let params: Vec<&Parameter> = op
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p),
            RefOr::Ref(_) => None,
        })
        .collect();
    let has = |place: ParameterIn| params.iter().any(|p| p.parameter_in == place);
    let mut shared = Vec::new();
    if !schemes.is_empty() {
        shared.extend([Code::Unauthenticated, Code::SessionEnded]);
    }
    if schemes.iter().any(|s| s == "staff_token") {
        shared.extend([
            Code::Forbidden,
            Code::PasswordChangeRequired,
            Code::TotpSetupRequired,
        ]);
    }
    if op.request_body.is_some() {
        shared.extend([
            Code::BadRequest,
            Code::MalformedJson,
            Code::BodyTooLarge,
            Code::UnsupportedMediaType,
            Code::InvalidBody,
            Code::UnknownField,
        ]);
    }
    if idempotent {
        // A malformed key is 400 `request.bad_request` even on a POST without a body.
        shared.extend([
            Code::BadRequest,
            Code::IdempotencyMismatch,
            Code::IdempotencyInProgress,
        ]);
    }
    if has(ParameterIn::Path) {
        shared.extend([Code::InvalidPath]);
    }
    if has(ParameterIn::Query) {
        shared.extend([Code::InvalidQuery, Code::InvalidQueryValue]);
        if params.iter().any(|p| p.name == "cursor") {
            shared.push(Code::InvalidCursor);
        }
    }
    let wanted: BTreeSet<&str> = own.iter().chain(&shared).map(|c| c.as_str()).collect();
    Code::ALL
        .iter()
        .copied()
        .filter(|c| wanted.contains(c.as_str()) && c.status().is_client_error())
        .collect()
}

/// Drops the hand-written 4xx answers and the shared body references, then adds one
/// answer per status listing its codes.
fn replace_error_answers(op: &mut Operation, codes: &[Code]) {
    let responses = &mut op.responses.responses;
    responses.retain(|status, _| !status.starts_with('4'));
    let mut by_status: BTreeMap<u16, Vec<Code>> = BTreeMap::new();
    for code in codes {
        by_status
            .entry(code.status().as_u16())
            .or_default()
            .push(*code);
    }
    for (status, codes) in by_status {
        responses.insert(status.to_string(), RefOr::T(answer(&codes)));
    }
    responses
        .entry("default".to_owned())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name("Error")));
}

/// One status's answer: its codes in the description and in `x-error-codes`, the first
/// as the example.
fn answer(codes: &[Code]) -> utoipa::openapi::Response {
    let description = codes
        .iter()
        .map(|c| {
            format!(
                "- `{}`: {} ({})",
                c.as_str(),
                c.title(Lang::Zh),
                c.title(Lang::En)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let example = serde_json::to_value(
        ApiError::new(codes[0]).problem(Lang::Zh, Some("0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71")),
    )
    .unwrap_or_default();
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .example(Some(example))
        .build();
    let listed: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    ResponseBuilder::new()
        .description(description)
        .content(crate::error::PROBLEM_JSON, content)
        .extensions(Some(
            ExtensionsBuilder::new()
                .add("x-error-codes", listed)
                .build(),
        ))
        .build()
}

/// The check of every error answer against its operation's listed codes
/// (`contract_check`): method and route pattern to the codes of its 4xx answers.
pub fn answer_check(spec: &Spec) -> crate::platform::http::AnswerCheck {
    let json = serde_json::to_value(spec).unwrap_or_default();
    let mut listed: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (path, item) in json["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let codes = listed
                .entry((method.to_uppercase(), path.clone()))
                .or_default();
            for answer in op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(_, a)| a)
            {
                let names = answer["x-error-codes"].as_array().into_iter().flatten();
                codes.extend(names.filter_map(|c| c.as_str().map(str::to_owned)));
            }
        }
    }
    // An API route the contract does not have fails too: a pattern that does not match
    // must not switch the check off. Other routes (/docs, /console, /dev) are not API.
    std::sync::Arc::new(move |method, pattern, code| {
        // The router's own answers (404, and 405 on a known path) belong to no operation.
        if matches!(code, Code::NotFound | Code::MethodNotAllowed) {
            return true;
        }
        match listed.get(&(method.as_str().to_owned(), pattern.to_owned())) {
            Some(codes) => codes.contains(code.as_str()),
            None => !pattern.starts_with("/api/"),
        }
    })
}

#[cfg(test)]
mod tests {
    use actix_web::http::Method;

    use crate::error::Code;

    #[test]
    fn the_check_refuses_an_unlisted_code_and_an_unknown_api_route() {
        let check = super::answer_check(&crate::openapi::spec());
        let complete = "/api/v1/desk/marriage/appointments/{id}/complete";
        assert!(check(&Method::POST, complete, Code::AppointmentState));
        assert!(!check(&Method::POST, complete, Code::SlotFull));
        assert!(!check(
            &Method::GET,
            "/api/v1/no-such-route",
            Code::SlotFull
        ));
        assert!(check(&Method::GET, "/console/{tail:.*}", Code::NotFound));
    }
}
