//! Garbage in gets problem+json out: a stable code, a message, never a bare body or a 500.
use minzheng_tests::Backend;
use minzheng_tests::{TestApp, on_both_backends, spawn_app};
use serde_json::{Value, json};

const CHECK: &str = "/api/v1/identity/id-number-checks";

/// Asserts the RFC 9457 shape and returns the body.
async fn problem(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let header_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("urn:minzheng:problem:{code}"));
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(body["errors"].is_array(), "{body}");
    assert_eq!(body["request_id"], header_id.as_str());
    body
}

async fn check(app: &TestApp, body: &str) -> reqwest::Response {
    app.post_raw(CHECK, "application/json", body.to_owned())
        .await
}

async fn broken_json_answers_400_malformed_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = problem(
        check(&app, r#"{"id_number": "#).await,
        400,
        "request.malformed_json",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("第 1 行"),
        "{body}"
    );
    problem(
        check(&app, r#"{"id_number": "1"} trailing"#).await,
        400,
        "request.malformed_json",
    )
    .await;
    problem(check(&app, "").await, 400, "request.malformed_json").await;
}

async fn a_wrong_content_type_answers_415(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .post_raw(
            CHECK,
            "text/plain",
            r#"{"id_number": "11010519491231002X"}"#,
        )
        .await;
    problem(res, 415, "request.unsupported_media_type").await;
    let res = app
        .client
        .post(app.url(CHECK))
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(res, 415, "request.unsupported_media_type").await;
}

async fn unknown_missing_and_mistyped_fields_are_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let unknown = app
        .post_json(
            CHECK,
            &json!({"id_number": "11010519491231002X", "name": "张三"}),
        )
        .await;
    let body = problem(unknown, 422, "request.unknown_field").await;
    assert_eq!(body["errors"][0]["field"], "name");
    assert_eq!(body["errors"][0]["reason"], "unknown");
    let missing = problem(
        app.post_json(CHECK, &json!({})).await,
        422,
        "request.invalid_body",
    )
    .await;
    assert_eq!(
        missing["errors"][0],
        json!({"field": "id_number", "reason": "missing", "message": "缺少必填字段 id_number"})
    );
    let mistyped = problem(
        app.post_json(CHECK, &json!({"id_number": 42})).await,
        422,
        "request.invalid_body",
    )
    .await;
    assert_eq!(mistyped["errors"][0]["field"], "id_number");
    assert_eq!(mistyped["errors"][0]["reason"], "type");
}

async fn a_ten_megabyte_body_answers_413(backend: Backend) {
    let app = spawn_app(backend).await;
    let huge = format!(r#"{{"id_number": "{}"}}"#, "1".repeat(10 * 1024 * 1024));
    problem(check(&app, &huge).await, 413, "request.body_too_large").await;
    // Without a length up front (chunked), the limit still holds.
    let stream = futures_stream(huge.into_bytes());
    let res = app
        .client
        .post(app.url(CHECK))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    problem(res, 413, "request.body_too_large").await;
    assert_eq!(
        app.get("/readyz").await.status(),
        200,
        "the service is still up"
    );
}

async fn a_wrong_method_answers_405_with_allow(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .client
        .delete(app.url("/api/v1/streets"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "GET");
    problem(res, 405, "request.method_not_allowed").await;
    let res = app.client.get(app.url(CHECK)).send().await.unwrap();
    assert_eq!(res.headers()["allow"], "POST");
    problem(res, 405, "request.method_not_allowed").await;
}

async fn an_unknown_path_answers_404(backend: Backend) {
    let app = spawn_app(backend).await;
    problem(
        app.get("/api/v1/no-such-thing").await,
        404,
        "request.not_found",
    )
    .await;
    problem(app.get("/").await, 404, "request.not_found").await;
    let res = app
        .client
        .post(app.url("/api/v2/anything"))
        .body(vec![0u8; 1024])
        .send()
        .await
        .unwrap();
    problem(res, 404, "request.not_found").await;
}

async fn messages_are_chinese_by_default_and_english_on_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let zh = problem(app.get("/nope").await, 404, "request.not_found").await;
    assert_eq!(zh["title"], "请求的地址不存在");
    let en = app
        .client
        .get(app.url("/nope"))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(en.headers()["content-language"], "en");
    let en = problem(en, 404, "request.not_found").await;
    assert_eq!(en["title"], "No such resource");
}

async fn bad_query_parameters_answer_400_naming_the_parameter(backend: Backend) {
    let app = spawn_app(backend).await;
    for (query, reason) in [
        ("limit=0", "range"),
        ("limit=101", "range"),
        ("limit=abc", "type"),
        ("color=red", "unknown"),
    ] {
        let res = app.get(&format!("/api/v1/streets?{query}")).await;
        let body = problem(res, 400, "request.invalid_query").await;
        assert_eq!(body["errors"][0]["reason"], reason, "{query}: {body}");
    }
    problem(
        app.get("/api/v1/streets?cursor=%%%").await,
        400,
        "request.invalid_cursor",
    )
    .await;
    problem(
        app.get("/api/v1/streets?cursor=bm90LWEta2V5").await,
        400,
        "request.invalid_cursor",
    )
    .await;
}

on_both_backends!(
    broken_json_answers_400_malformed_json,
    a_wrong_content_type_answers_415,
    unknown_missing_and_mistyped_fields_are_named,
    a_ten_megabyte_body_answers_413,
    a_wrong_method_answers_405_with_allow,
    an_unknown_path_answers_404,
    messages_are_chinese_by_default_and_english_on_request,
    bad_query_parameters_answer_400_naming_the_parameter
);

/// A body stream with no Content-Length, in 64 KiB chunks.
fn futures_stream(
    bytes: Vec<u8>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    futures_util::stream::iter(chunks)
}
