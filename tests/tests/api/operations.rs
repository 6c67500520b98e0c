//! Health, readiness, metrics, request ids and the docs page.
use minzheng_tests::Backend;
use minzheng_tests::{on_both_backends, spawn_app};

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
    assert_eq!(
        names,
        ["face_comparison", "wechat", "faceid", "sms", "email"],
        "{body}"
    );
    for p in parts {
        assert_eq!(p["on"].as_bool().unwrap(), p["reason"].is_null(), "{p}");
    }
    let face = &parts[0];
    if !cfg!(feature = "face") {
        assert!(
            face["reason"].as_str().unwrap().contains("--features face"),
            "a build without face comparison says how to get it: {face}"
        );
    }
}

async fn readyz_answers_503_when_the_database_is_gone(backend: Backend) {
    let app = spawn_app(backend).await;
    app.db.clone().close().await.unwrap();
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["code"], "server.database_unavailable");
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "liveness does not depend on the database"
    );
}

async fn metrics_count_requests_by_route_pattern(backend: Backend) {
    let app = spawn_app(backend).await;
    app.get("/api/v1/streets?limit=2").await;
    app.get("/no/such/path/123").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(text.contains(r#"minzheng_http_requests_total{endpoint="/api/v1/streets",method="GET",status="200"} 1"#), "{text}");
    assert!(
        text.contains("minzheng_http_requests_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        !text.contains("/no/such/path"),
        "unmatched paths must share one label: {text}"
    );
}

async fn every_answer_carries_a_request_id_and_echoes_a_plain_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let own = app.get("/healthz").await;
    let id = own.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "mini-program-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "mini-program-42");
    let odd = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
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
    for line in html
        .lines()
        .filter(|l| l.contains("src=") || l.contains("href="))
    {
        assert!(
            !line.contains("http://") && !line.contains("https://"),
            "external asset: {line}"
        );
    }
    assert_eq!(app.get("/docs/swagger-ui-bundle.js").await.status(), 200);
    let init = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/v1/openapi.json"), "{init}");
}

on_both_backends!(
    healthz_and_readyz_answer_200,
    readyz_answers_503_when_the_database_is_gone,
    metrics_count_requests_by_route_pattern,
    every_answer_carries_a_request_id_and_echoes_a_plain_one,
    docs_page_is_served_from_the_binary_without_internet
);

/// `rotate-blind-index`: every stored index is keyed again (the ones kept only as an
/// index too), a run killed after its first batch goes on where it stopped, and the
/// service refuses to start mid-rotation or with the old keys, then works as before
/// with the new ones.
async fn the_blind_index_key_rotates_resumes_after_a_crash_and_the_service_checks_its_keys(
    backend: Backend,
) {
    use minzheng::admin::blind_index;
    use minzheng::platform::crypto::Sealer;
    use minzheng_tests::{TestApp, id_number, next_weekday, test_secrets};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use serde_json::{Value, json};
    let app = spawn_app(backend).await;
    let (he_id, she_id) = (
        id_number("11011219900101001"),
        id_number("11011219920304002"),
    );
    let (x_id, y_id) = (
        id_number("11011219800101003"),
        id_number("11011219820304004"),
    );
    let he = app.verified_citizen("he", "张伟", &he_id).await;
    let clerk = app
        .staff("centre.clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    let date = next_weekday(2);
    let day: Value = app.get(&format!("/api/v1/resources/marriage-centre/availability?business_type=marriage&from={date}&to={date}")).await.json().await.unwrap();
    let booking = json!({"office_id": "marriage-centre", "business_type": "marriage", "slot_id": day["days"][0]["slots"][0]["slot_id"],
        "parties": [{"name": "张伟", "id_number": he_id}, {"name": "李娜", "id_number": she_id}]});
    let (status, booked) = app
        .post_as(&he.access, "/api/v1/marriage/appointments", &booking)
        .await;
    assert_eq!(status, 201, "{booked}");
    // A divorce application keeps its parties' ID numbers as indexes only.
    let divorce = json!({"office_id": "marriage-centre", "parties": [{"name": "王强", "id_number": x_id}, {"name": "赵丽", "id_number": y_id}]});
    assert_eq!(
        app.post_as(
            &clerk.access,
            "/api/v1/desk/marriage/divorce-applications",
            &divorce
        )
        .await
        .0,
        201
    );
    let old = Sealer::new(&test_secrets()).blind_index("id_number", &he_id);
    let stored = |db: sea_orm::DatabaseConnection, index: String| async move {
        entity::real_name::Entity::find()
            .filter(entity::real_name::Column::IdNumberIndex.eq(index))
            .count(&db)
            .await
            .unwrap()
    };
    assert_eq!(
        stored(app.db.clone(), old.clone()).await,
        1,
        "the index as the service computes it"
    );

    // Killed after its first committed batch.
    let parts = app.stop().await;
    let db = minzheng::platform::db::connect(&parts.0).await.unwrap();
    let sealer = Sealer::new(&test_secrets());
    let next = [5u8; 32];
    let killed = {
        let (db, sealer) = (db.clone(), sealer.clone());
        tokio::spawn(
            async move { blind_index::rotate(&db, &sealer, &next, |_| panic!("killed")).await },
        )
    };
    assert!(killed.await.unwrap_err().is_panic());
    let refused = minzheng::startup::Application::build(parts.0.clone(), test_secrets())
        .await
        .err()
        .expect("refused mid-rotation");
    assert!(refused.to_string().contains("under way"), "{refused}");
    let other = blind_index::rotate(&db, &sealer, &[6u8; 32], |_| {})
        .await
        .unwrap_err();
    assert!(other.to_string().contains("under way"), "{other}");
    let mut rows = 0;
    blind_index::rotate(&db, &sealer, &next, |n| rows += n)
        .await
        .unwrap();
    assert!(rows > 0);
    let rotated_index = minzheng::platform::crypto::rekey(&next, &old);
    assert_eq!(
        (
            stored(db.clone(), old.clone()).await,
            stored(db.clone(), rotated_index).await
        ),
        (0, 1),
        "keyed again from the stored value"
    );

    // The old keys alone are refused; with the rotation's key everything is found.
    let refused = minzheng::startup::Application::build(parts.0.clone(), test_secrets())
        .await
        .err()
        .expect("refused with the old keys");
    assert!(
        refused
            .to_string()
            .contains("MINZHENG_BLIND_INDEX_KEY_ROTATIONS"),
        "{refused}"
    );
    let mut keys = test_secrets();
    keys.blind_index_rotations = vec![next];
    let app = TestApp::start_again_with(parts, keys).await.unwrap();
    let (status, body) = app
        .post_as(&he.access, "/api/v1/marriage/appointments", &booking)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.party_has_active_booking")),
        "he is still held: {body}"
    );
    let (status, body) = app
        .post_as(
            &clerk.access,
            "/api/v1/desk/marriage/divorce-applications",
            &divorce,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.party_has_active_booking")),
        "the couple's application is still found: {body}"
    );
    let (_, found) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/desk/marriage/lookup?q={he_id}"),
        )
        .await;
    assert_eq!(
        found["items"][0]["id"], booked["id"],
        "found by ID number: {found}"
    );
}

/// A phone account is found by the number's blind index: after a rotation the same
/// number still reaches the same account (pending codes are dropped by the rotation).
async fn a_phone_account_is_found_again_after_the_blind_index_key_rotates(backend: Backend) {
    use minzheng::admin::blind_index;
    use minzheng::platform::crypto::Sealer;
    use minzheng_tests::{TestApp, test_secrets};
    use serde_json::{Value, json};
    async fn sign_in_by_sms(app: &TestApp) -> String {
        let sent = app
            .post_json(
                "/api/v1/auth/citizen/sms-codes",
                &json!({"phone": "13800138000"}),
            )
            .await;
        assert_eq!(sent.status(), 202);
        let mut files: Vec<_> = std::fs::read_dir(app.config.data_dir.join("sms"))
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        files.sort();
        let written: Value =
            serde_json::from_slice(&std::fs::read(files.last().unwrap()).unwrap()).unwrap();
        let code = written["params"][0].as_str().unwrap();
        let res = app
            .post_json(
                "/api/v1/auth/citizen/sms/sessions",
                &json!({"phone": "13800138000", "code": code}),
            )
            .await;
        let tokens: Value = res.json().await.unwrap();
        let (_, me) = app
            .get_as(
                tokens["access_token"].as_str().unwrap(),
                "/api/v1/auth/citizen/me",
            )
            .await;
        me["id"].as_str().unwrap().to_owned()
    }
    let app = spawn_app(backend).await;
    let before = sign_in_by_sms(&app).await;
    let parts = app.stop().await;
    let db = minzheng::platform::db::connect(&parts.0).await.unwrap();
    let next = [5u8; 32];
    blind_index::rotate(&db, &Sealer::new(&test_secrets()), &next, |_| {})
        .await
        .unwrap();
    let mut keys = test_secrets();
    keys.blind_index_rotations = vec![next];
    let app = TestApp::start_again_with(parts, keys).await.unwrap();
    assert_eq!(sign_in_by_sms(&app).await, before, "the same account");
}

on_both_backends!(
    the_blind_index_key_rotates_resumes_after_a_crash_and_the_service_checks_its_keys,
    a_phone_account_is_found_again_after_the_blind_index_key_rotates
);
