//! Health, readiness, metrics, request ids and the docs page.
use minzheng_tests::{on_both_backends, spawn_app};

on_both_backends! {
    async fn healthz_and_readyz_answer_200(backend: Backend) {
        let app = spawn_app(backend).await;
        let health = app.get("/healthz").await;
        assert_eq!(health.status(), 200);
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200);
        let body: serde_json::Value = ready.json().await.unwrap();
        assert_eq!(body["status"], "ready");
        // The optional parts say whether they are on, and why not.
        let parts = body["parts"].as_array().unwrap();
        let names: Vec<&str> = parts.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["face_comparison", "wechat", "faceid", "email"], "{body}");
        for p in parts {
            assert_eq!(p["on"].as_bool().unwrap(), p["reason"].is_null(), "{p}");
        }
        let face = &parts[0];
        if !cfg!(feature = "face") {
            assert!(face["reason"].as_str().unwrap().contains("--features face"), "a build without face comparison says how to get it: {face}");
        }
    }

    async fn readyz_answers_503_when_the_database_is_gone(backend: Backend) {
        let app = spawn_app(backend).await;
        app.db.clone().close().await.unwrap();
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 503);
        let body: serde_json::Value = ready.json().await.unwrap();
        assert_eq!(body["code"], "server.database_unavailable");
        assert_eq!(app.get("/healthz").await.status(), 200, "liveness does not depend on the database");
    }

    async fn metrics_count_requests_by_route_pattern(backend: Backend) {
        let app = spawn_app(backend).await;
        app.get("/api/v1/streets?limit=2").await;
        app.get("/no/such/path/123").await;
        let text = app.get("/metrics").await.text().await.unwrap();
        assert!(text.contains(r#"minzheng_http_requests_total{endpoint="/api/v1/streets",method="GET",status="200"} 1"#), "{text}");
        assert!(text.contains("minzheng_http_requests_duration_seconds_bucket"), "{text}");
        assert!(!text.contains("/no/such/path"), "unmatched paths must share one label: {text}");
    }

    async fn every_answer_carries_a_request_id_and_echoes_a_plain_one(backend: Backend) {
        let app = spawn_app(backend).await;
        let own = app.get("/healthz").await;
        let id = own.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        let echoed = app.client.get(app.url("/healthz")).header("x-request-id", "mini-program-42").send().await.unwrap();
        assert_eq!(echoed.headers()["x-request-id"], "mini-program-42");
        let odd = app.client.get(app.url("/healthz")).header("x-request-id", "bad id with spaces").send().await.unwrap();
        assert_ne!(odd.headers()["x-request-id"], "bad id with spaces");
    }

    async fn docs_page_is_served_from_the_binary_without_internet(backend: Backend) {
        let app = spawn_app(backend).await;
        let redirect = app.client.get(app.url("/docs")).send().await.unwrap();
        assert_eq!(redirect.status(), 200, "/docs redirects to the page");
        let page = app.get("/docs/").await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("swagger-ui-bundle.js"), "{html}");
        for line in html.lines().filter(|l| l.contains("src=") || l.contains("href=")) {
            assert!(!line.contains("http://") && !line.contains("https://"), "external asset: {line}");
        }
        assert_eq!(app.get("/docs/swagger-ui-bundle.js").await.status(), 200);
        let init = app.get("/docs/swagger-initializer.js").await.text().await.unwrap();
        assert!(init.contains("/api/v1/openapi.json"), "{init}");
    }
}
