//! The published contract: what the server serves is what is committed, and it is complete.
use minzheng_tests::Backend;
use std::collections::BTreeSet;

use minzheng_tests::{on_both_backends, spawn_app, spawn_app_with};
use serde_json::Value;

/// The committed contract, read from the repository.
fn committed() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let text = std::fs::read_to_string(path)
        .expect("openapi/openapi.json is missing; run scripts/openapi");
    serde_json::from_str(&text).expect("openapi/openapi.json is not JSON")
}

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((path.clone(), method.clone(), op.clone()));
        }
    }
    ops
}

async fn the_served_contract_matches_the_committed_file(backend: Backend) {
    let app = spawn_app(backend).await;
    let served: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(
        served == committed(),
        "openapi/openapi.json differs from what the server publishes: run scripts/openapi and commit the result"
    );
}

async fn the_contract_is_openapi_3_1_and_covers_every_operation(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        spec["openapi"]
    );
    let mut ids = BTreeSet::new();
    for (path, method, op) in operations(&spec) {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
        assert!(op["summary"].is_string(), "{method} {path} has no summary");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path} has no success answer"
        );
        assert!(
            responses.contains_key("default"),
            "{method} {path} does not document its errors"
        );
        if op.get("requestBody").is_some() {
            for status in ["400", "413", "415", "422"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
        }
    }
    assert!(ids.len() >= 5, "{ids:?}");
}

async fn every_error_code_is_published(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let codes: BTreeSet<&str> = spec["x-error-codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    for code in [
        "request.malformed_json",
        "request.not_found",
        "request.method_not_allowed",
        "request.body_too_large",
        "server.internal",
        "identity.id_number_invalid",
    ] {
        assert!(codes.contains(code), "{code} is not in x-error-codes");
    }
    assert!(spec["components"]["schemas"]["Problem"].is_object());
    assert!(
        spec["info"]["description"]
            .as_str()
            .unwrap()
            .contains("`request.malformed_json`")
    );
}

on_both_backends!(
    the_served_contract_matches_the_committed_file,
    the_contract_is_openapi_3_1_and_covers_every_operation,
    every_error_code_is_published
);

/// Every JSON request body and every answer of every operation carries an example a
/// client developer can copy, and every example fits its schema (with unknown fields
/// refused, as the server refuses them in requests).
#[test]
fn every_body_and_answer_has_an_example_that_fits_its_schema() {
    let spec = committed();
    let mut components = spec["components"].clone();
    close_objects(&mut components);
    let mut missing = Vec::new();
    let mut misfits = Vec::new();
    for (path, method, op) in operations(&spec) {
        let mut media = Vec::new();
        if let Some(content) = op["requestBody"]["content"].as_object() {
            media.extend(
                content
                    .iter()
                    .map(|(ct, m)| (format!("request {ct}"), m.clone())),
            );
        }
        for (status, answer) in op["responses"].as_object().unwrap() {
            if let Some(content) = answer["content"].as_object() {
                media.extend(
                    content
                        .iter()
                        .map(|(ct, m)| (format!("{status} {ct}"), m.clone())),
                );
            }
        }
        for (what, m) in media {
            // Binary answers (the QR code PNG) and the contract document itself have none.
            if !what.contains("json") || path.ends_with("/openapi.json") {
                continue;
            }
            let schema = m["schema"].clone();
            let example = m.get("example").cloned().or_else(|| {
                let name = schema["$ref"].as_str()?.rsplit('/').next()?;
                spec["components"]["schemas"][name].get("example").cloned()
            });
            let Some(example) = example else {
                missing.push(format!("{method} {path} {what}"));
                continue;
            };
            let root = serde_json::json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "allOf": [schema], "components": components});
            let validator = jsonschema::validator_for(&root).expect("a valid schema");
            let errors: Vec<String> = validator
                .iter_errors(&example)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            if !errors.is_empty() {
                misfits.push(format!("{method} {path} {what}: {}", errors.join("; ")));
            }
        }
    }
    assert!(
        missing.is_empty() && misfits.is_empty(),
        "no example:\n{}\nexamples that do not fit:\n{}",
        missing.join("\n"),
        misfits.join("\n")
    );
}

/// Marks every object schema that lists its properties as closed to others.
fn close_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// The example request body of an operation as published (on the media type or on the
/// schema it refers to).
fn request_example(spec: &Value, op: &Value) -> Option<Value> {
    let media = &op["requestBody"]["content"]["application/json"];
    media.get("example").cloned().or_else(|| {
        let name = media["schema"]["$ref"].as_str()?.rsplit('/').next()?;
        spec["components"]["schemas"][name].get("example").cloned()
    })
}

/// The path with each parameter filled: its published example, else a fresh id.
fn fill_path(path: &str, op: &Value) -> String {
    let mut filled = path.to_owned();
    for param in op["parameters"].as_array().into_iter().flatten() {
        if param["in"] != "path" {
            continue;
        }
        let name = param["name"].as_str().unwrap();
        let value = match param
            .get("example")
            .or_else(|| param["schema"].get("example"))
        {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None if param["schema"]["format"] == "uuid" => uuid::Uuid::now_v7().to_string(),
            None => "marriage-centre".to_owned(),
        };
        filled = filled.replace(&format!("{{{name}}}"), &value);
    }
    filled
}

/// Whether an answer says the body itself could not be read as the operation's schema.
fn refused_as_unparsable(body: &Value) -> bool {
    let code = body["code"].as_str().unwrap_or_default();
    // The reasons of a body that does not deserialise (a rule refusing a value says `value`
    // or its own reason; an enum value outside the set cannot pass the schema test above).
    let parse_reasons = ["missing", "type", "unknown"];
    match code {
        "request.unknown_field" | "request.malformed_json" | "request.unsupported_media_type" => {
            true
        }
        "request.invalid_body" => body["errors"].as_array().into_iter().flatten().any(|e| {
            let reason = e["reason"].as_str().unwrap_or_default();
            // A value outside an enum (`value`, "取值 … 无效，可选：…") is a parse failure too.
            parse_reasons.contains(&reason)
                || (reason == "value"
                    && e["message"]
                        .as_str()
                        .unwrap_or_default()
                        .starts_with("取值"))
        }),
        _ => false,
    }
}

/// Every operation's request example, sent as published to the real server with the
/// right kind of token, gets past body parsing: the examples are what a client team
/// copies first, and once one documented the funeral body on the marriage booking.
async fn every_request_example_gets_past_body_parsing(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec = committed();
    let admin = app.admin().await;
    let citizen = app.citizen("example-sender").await;
    let mut refused = Vec::new();
    let mut sent = 0;
    for (path, method, op) in operations(&spec) {
        let Some(example) = request_example(&spec, &op) else {
            continue;
        };
        sent += 1;
        // Signing out would end the session the other examples use.
        if path.ends_with("/logout") {
            continue;
        }
        let schemes: Vec<String> = op["security"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_object())
            .flat_map(|s| s.keys().cloned())
            .collect();
        let url = app.url(&fill_path(&path, &op));
        let mut req = app
            .client
            .request(method.to_uppercase().parse().unwrap(), url)
            .json(&example);
        if schemes.iter().any(|s| s == "staff_token") {
            req = req.bearer_auth(&admin.access);
        } else if schemes.iter().any(|s| s == "citizen_token") {
            req = req.bearer_auth(&citizen.access);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let signed_out = ["auth.unauthenticated", "auth.session_ended"]
            .contains(&body["code"].as_str().unwrap_or_default());
        assert!(
            !(status == 401 && signed_out),
            "{method} {path}: the example sender was signed out: {body}"
        );
        if refused_as_unparsable(&body) {
            refused.push(format!("{method} {path}: {body}"));
        }
    }
    assert!(sent >= 50, "only {sent} request examples were sent");
    assert!(
        refused.is_empty(),
        "examples the server cannot parse:\n{}",
        refused.join("\n")
    );
}

/// The marriage booking example, posted as it is published with a real slot and the
/// example's own parties, books.
async fn the_marriage_booking_example_books(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec = committed();
    let op = &spec["paths"]["/api/v1/marriage/appointments"]["post"];
    let mut example = request_example(&spec, op).expect("the booking has an example");
    let first = &example["parties"][0];
    let booker = app
        .verified_citizen(
            "example-booker",
            first["name"].as_str().unwrap(),
            first["id_number"].as_str().unwrap(),
        )
        .await;
    let office = example["office_id"].as_str().unwrap().to_owned();
    let kind = example["business_type"].as_str().unwrap().to_owned();
    let from = chrono::Utc::now().date_naive();
    let to = from + chrono::Duration::days(15);
    let days: Value = app
        .get(&format!(
            "/api/v1/resources/{office}/availability?business_type={kind}&from={from}&to={to}"
        ))
        .await
        .json()
        .await
        .unwrap();
    let slot = days["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["slots"].as_array().cloned().unwrap_or_default())
        .find(|s| s["bookable"] == true)
        .expect("a bookable slot in the window");
    example["slot_id"] = slot["slot_id"].clone();
    let (status, body) = app
        .post_as(&booker.access, "/api/v1/marriage/appointments", &example)
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "pending_confirmation", "{body}");
}

on_both_backends!(
    every_request_example_gets_past_body_parsing,
    the_marriage_booking_example_books
);

/// In dev mode a newcomer reads the codes the server sent at /dev/outbox (HTML and
/// JSON); in production the sandbox does not exist.
async fn the_dev_outbox_shows_sent_codes_in_dev_mode_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .post_json(
            "/api/v1/auth/citizen/email-codes",
            &serde_json::json!({"email": "newcomer@example.com"}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let listed: Value = app.get("/dev/outbox.json").await.json().await.unwrap();
    let mail = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["recipient"] == "newcomer@example.com")
        .expect("the code's email is listed");
    assert_eq!(mail["channel"], "email");
    let body = mail["message"]["body"].as_str().unwrap();
    assert!(
        body.chars().filter(char::is_ascii_digit).count() >= 6,
        "{body}"
    );
    let page = app.get("/dev/outbox").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("newcomer@example.com"));

    let demo = [
        "marriage-demo",
        "demo-cemetery",
        "tongzhou-funeral-home-demo",
    ];
    let places: Value = app
        .get("/api/v1/resources?limit=100")
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = places["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        demo.iter().all(|d| ids.contains(d)),
        "the same-day demo places: {ids:?}"
    );

    let production = spawn_app_with(backend, |c| c.mode = minzheng::config::Mode::Production).await;
    for path in ["/dev/outbox", "/dev/outbox.json"] {
        assert_eq!(
            production.get(path).await.status(),
            404,
            "{path} exists in production"
        );
    }
    let places: Value = production
        .get("/api/v1/resources?limit=100")
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = places["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        demo.iter().all(|d| !ids.contains(d)),
        "no demo places in production: {ids:?}"
    );
}

/// The docs serve the client guide and the code table offline, with an anchor for
/// every code's `doc_url`.
async fn the_docs_serve_the_guide_and_an_anchor_for_every_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec = committed();
    let table = app.get("/docs/errors").await;
    assert_eq!(table.status(), 200);
    let html = table.text().await.unwrap();
    for entry in spec["x-error-codes"].as_array().unwrap() {
        let url = entry["doc_url"].as_str().unwrap();
        let anchor = url
            .strip_prefix("/docs/errors#")
            .expect("doc_url points into /docs/errors");
        assert_eq!(anchor, entry["code"]);
        assert!(
            html.contains(&format!("id=\"{anchor}\"")),
            "no anchor for {anchor}"
        );
    }
    let guide = app.get("/docs/guide").await.text().await.unwrap();
    assert!(guide.contains("<h2>Paging</h2>"), "the guide is rendered");
    assert!(
        spec["info"]["description"]
            .as_str()
            .unwrap()
            .contains("/docs/guide")
    );
}

/// A mini-program asks for subscribe consent with the ids of the purposes it will get.
async fn the_subscribe_purposes_list_their_keywords_and_configured_templates(backend: Backend) {
    let app = spawn_app(backend).await;
    let list: Value = app
        .get("/api/v1/wechat/subscribe-purposes")
        .await
        .json()
        .await
        .unwrap();
    let marriage = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["purpose"] == "marriage_appointment")
        .unwrap();
    assert_eq!(marriage["template_id"], "tmpl-marriage");
    let keys: Vec<&str> = marriage["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["thing1", "time2", "thing3", "character_string4"]);
    assert!(list["next_cursor"].is_null());
}

/// A misspelt value of a closed set in a query is 422 naming the parameter, never an
/// answer about nothing (`?business_type=marriag` once answered every day `closed`).
async fn an_unknown_enum_value_in_a_query_is_422_naming_the_parameter(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/api/v1/resources/marriage-centre/availability?business_type=marriag&from=2026-12-01&to=2026-12-02").await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "request.invalid_query_value", "{body}");
    assert_eq!(body["errors"][0]["field"], "business_type", "{body}");
    assert_eq!(body["errors"][0]["reason"], "value", "{body}");
    let res = app.get("/api/v1/resources?kind=marriage_ofice").await;
    assert_eq!(res.status(), 422);
}

/// A list that used to answer everything at once pages like every list.
async fn a_list_loaded_whole_pages_to_its_end(backend: Backend) {
    let app = spawn_app(backend).await;
    let all: Value = app
        .get("/api/v1/resources?limit=100")
        .await
        .json()
        .await
        .unwrap();
    let total = all["items"].as_array().unwrap().len();
    assert!(total >= 5 && all["next_cursor"].is_null(), "{all}");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/resources?limit=2&cursor={c}"),
            None => "/api/v1/resources?limit=2".into(),
        };
        let page: Value = app.get(&path).await.json().await.unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let expected: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(
        app.get("/api/v1/services?cursor=bm90LWEta2V5")
            .await
            .status(),
        400
    );
}

on_both_backends!(
    the_dev_outbox_shows_sent_codes_in_dev_mode_only,
    the_docs_serve_the_guide_and_an_anchor_for_every_code,
    the_subscribe_purposes_list_their_keywords_and_configured_templates,
    an_unknown_enum_value_in_a_query_is_422_naming_the_parameter,
    a_list_loaded_whole_pages_to_its_end
);

/// Every list operation takes `limit` and `cursor` and answers `next_cursor`.
#[test]
fn every_list_is_paged() {
    let spec = committed();
    let mut unpaged = Vec::new();
    for (path, method, op) in operations(&spec) {
        let Some(name) = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .and_then(|r| r.rsplit('/').next())
        else {
            continue;
        };
        let schema = &spec["components"]["schemas"][name];
        if schema["properties"].get("items").is_none() {
            continue;
        }
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["name"].as_str())
            .collect();
        let paged = params.contains(&"limit")
            && params.contains(&"cursor")
            && schema["properties"].get("next_cursor").is_some();
        let bounded = op["description"]
            .as_str()
            .unwrap_or_default()
            .contains("Bounded by nature");
        if !paged && !bounded {
            unpaged.push(format!("{method} {path}"));
        }
    }
    assert!(
        unpaged.is_empty(),
        "lists without limit/cursor/next_cursor: {unpaged:?}"
    );
}

/// 401 on every operation that takes a token, 403 where a staff role matters, and the
/// codes once missing from the operations that answer them.
#[test]
fn every_secured_operation_lists_401_and_its_own_codes() {
    let spec = committed();
    let listed = |op: &Value, status: &str| -> Vec<String> {
        op["responses"][status]["x-error-codes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect()
    };
    for (path, method, op) in operations(&spec) {
        let schemes: Vec<String> = op["security"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_object())
            .flat_map(|s| s.keys().cloned())
            .collect();
        if !schemes.is_empty() {
            assert!(
                listed(&op, "401").contains(&"auth.unauthenticated".to_owned()),
                "{method} {path} lacks 401"
            );
        }
        if schemes.iter().any(|s| s == "staff_token") {
            assert!(
                listed(&op, "403").contains(&"auth.forbidden".to_owned()),
                "{method} {path} lacks 403"
            );
        }
    }
    let book = &spec["paths"]["/api/v1/marriage/appointments"]["post"];
    for code in [
        "scheduling.draw_day",
        "scheduling.offer_expired",
        "scheduling.no_offer",
    ] {
        assert!(
            listed(book, "409").contains(&code.to_owned()),
            "the booking lacks {code}"
        );
    }
    assert!(listed(book, "403").contains(&"marriage.blocked_for_no_shows".to_owned()));
    let totp = &spec["paths"]["/api/v1/auth/staff/totp"]["post"];
    assert!(listed(totp, "409").contains(&"auth.totp_already_enabled".to_owned()));
}

/// Every ID number in an example passes the GB 11643 check: a client copying one must not
/// get `identity.id_number_invalid` for the example's own data.
#[test]
fn every_example_id_number_is_valid() {
    fn check(value: &Value, key: &str, bad: &mut Vec<String>) {
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| check(v, k, bad)),
            Value::Array(items) => items.iter().for_each(|v| check(v, key, bad)),
            Value::String(s) if key.ends_with("id_number") && s.len() == 18 && !s.contains('*') => {
                const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
                let sum: u32 = s
                    .bytes()
                    .take(17)
                    .zip(WEIGHTS)
                    .map(|(d, w)| u32::from(d - b'0') * w)
                    .sum();
                if s.as_bytes()[17] != b"10X98765432"[(sum % 11) as usize] {
                    bad.push(s.clone());
                }
            }
            _ => {}
        }
    }
    let mut bad = Vec::new();
    check(&committed(), "", &mut bad);
    assert!(
        bad.is_empty(),
        "example ID numbers with a wrong check character: {bad:?}"
    );
}
