//! The published contract: what the server serves is what is committed, and it is complete.
use std::collections::BTreeSet;

use minzheng_tests::{on_both_backends, spawn_app};
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

on_both_backends! {
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
        assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"), "{}", spec["openapi"]);
        let mut ids = BTreeSet::new();
        for (path, method, op) in operations(&spec) {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
            assert!(op["summary"].is_string(), "{method} {path} has no summary");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path} has no success answer");
            assert!(responses.contains_key("default"), "{method} {path} does not document its errors");
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path} lacks {status}");
                }
            }
        }
        assert!(ids.len() >= 5, "{ids:?}");
    }

    async fn every_error_code_is_published(backend: Backend) {
        let app = spawn_app(backend).await;
        let spec: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
        let codes: BTreeSet<&str> = spec["x-error-codes"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
        for code in ["request.malformed_json", "request.not_found", "request.method_not_allowed", "request.body_too_large",
                     "server.internal", "identity.id_number_invalid"] {
            assert!(codes.contains(code), "{code} is not in x-error-codes");
        }
        assert!(spec["components"]["schemas"]["Problem"].is_object());
        assert!(spec["info"]["description"].as_str().unwrap().contains("`request.malformed_json`"));
    }
}

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
