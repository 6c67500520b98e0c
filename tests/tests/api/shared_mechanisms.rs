//! Idempotent POSTs, the admission line (overload answered early), the audit chain (and
//! `minzheng audit-verify` finding an edited row), and outbox delivery that survives a crash.
use minzheng_tests::Backend;
use std::time::Duration;

use chrono::Utc;
use minzheng::platform::audit::{self, Verdict};
use minzheng_tests::peers::SmtpSink;
use minzheng_tests::{TestApp, code_in_email, on_both_backends, spawn_app, spawn_app_with};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

async fn create_with_key(
    app: &TestApp,
    token: &str,
    key: &str,
    body: &Value,
) -> (u16, String, bool) {
    let res = app
        .authed(reqwest::Method::POST, "/api/v1/staff-accounts", token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let replayed = res.headers().contains_key("idempotency-replayed");
    (res.status().as_u16(), res.text().await.unwrap(), replayed)
}

async fn outbox_rows(app: &TestApp) -> Vec<entity::outbox_message::Model> {
    entity::outbox_message::Entity::find()
        .order_by_asc(entity::outbox_message::Column::CreatedAt)
        .all(&app.db)
        .await
        .unwrap()
}

async fn a_retried_post_with_the_same_key_gets_the_first_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let body = json!({"username": "idem.one", "display_name": "x", "role": "clerk", "scope_kind": "office", "scope_id": "marriage-centre"});
    let first = create_with_key(&app, &admin.access, "key-1", &body).await;
    assert_eq!((first.0, first.2), (201, false), "{}", first.1);
    let again = create_with_key(&app, &admin.access, "key-1", &body).await;
    assert_eq!(
        (again.0, &again.1, again.2),
        (201, &first.1, true),
        "the same answer, the same first password"
    );
    let other = json!({"username": "idem.two", "display_name": "x", "role": "clerk", "scope_kind": "office", "scope_id": "marriage-centre"});
    let (status, text, _) = create_with_key(&app, &admin.access, "key-1", &other).await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("request.idempotency_key_reused"));
    let count = entity::staff_account::Entity::find()
        .filter(entity::staff_account::Column::Username.starts_with("idem."))
        .all(&app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(count, 1);
}

async fn parallel_duplicates_create_exactly_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let body = json!({"username": "storm", "display_name": "x", "role": "clerk", "scope_kind": "office", "scope_id": "marriage-centre"});
    let attempts = (0..10).map(|_| create_with_key(&app, &admin.access, "storm-key", &body));
    let answers = futures_util::future::join_all(attempts).await;
    // Every repeat waits for the first and gets its answer.
    assert!(
        answers.iter().all(|a| a.0 == 201 && a.1 == answers[0].1),
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    let count = entity::staff_account::Entity::find()
        .filter(entity::staff_account::Column::Username.eq("storm"))
        .all(&app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(count, 1);
}

async fn a_full_line_answers_busy_at_once_and_health_checks_still_pass(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.max_in_flight = 1;
        c.admission_wait_ms = 200;
    })
    .await;
    let citizen = app.citizen("holder").await;
    // An upload whose body trickles in holds the one place in line.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let body = reqwest::Body::wrap_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    let holder = app
        .authed(reqwest::Method::POST, "/api/v1/media", &citizen.access)
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(body)
        .send();
    let holder = tokio::spawn(holder);
    tx.send(Ok(
        b"--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n".to_vec(),
    ))
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let res = app.get("/api/v1/streets").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "server.busy");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered after the wait, not after the line"
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "health checks never wait"
    );
    drop(tx); // the upload ends (badly); its place is free again
    let _ = holder.await;
    assert_eq!(app.get("/api/v1/streets").await.status(), 200);
}

async fn the_audit_chain_verifies_and_an_edited_row_breaks_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    for n in 0..3 {
        let body = json!({"username": format!("audited.{n}"), "display_name": "x", "role": "clerk", "scope_kind": "office", "scope_id": "marriage-centre"});
        assert_eq!(
            app.post_as(&admin.access, "/api/v1/staff-accounts", &body)
                .await
                .0,
            201
        );
    }
    audit::chain_pending(&app.db).await.unwrap();
    let Verdict::Intact(n) = audit::verify(&app.db).await.unwrap() else {
        panic!("chain broken")
    };
    let sign_in = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("auth.staff.sign_in"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        sign_in.request_id.is_some(),
        "events written during a request carry its id"
    );
    assert!(n >= 5, "{n}");
    let target = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("auth.staff.create"))
        .order_by_asc(entity::audit_event::Column::Seq)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    entity::audit_event::Entity::update_many()
        .col_expr(
            entity::audit_event::Column::Summary,
            Expr::value("nothing happened"),
        )
        .filter(entity::audit_event::Column::Seq.eq(target.seq))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&app.db).await.unwrap(),
        Verdict::Broken {
            seq: target.seq,
            reason: "altered after it was written"
        }
    );

    // The command says the same and fails.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_minzheng-under-test"));
    cmd.arg("audit-verify")
        .env("MINZHENG_DATA_DIR", &app.config.data_dir)
        .env_remove("DATABASE_URL");
    if let Some(url) = &app.config.database_url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("event {}", target.seq)), "{err}");
}

async fn concurrent_writers_keep_one_unbroken_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let creates = (0..12).map(|n| {
        let body = json!({"username": format!("para.{n}"), "display_name": "x", "role": "clerk", "scope_kind": "office", "scope_id": "marriage-centre"});
        let (app, token) = (&app, admin.access.clone());
        async move { app.post_as(&token, "/api/v1/staff-accounts", &body).await.0 }
    });
    let statuses = futures_util::future::join_all(creates).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    // Several chainers at once (as with several instances) still make one chain.
    let chainers = (0..4).map(|_| audit::chain_pending(&app.db));
    for chained in futures_util::future::join_all(chainers).await {
        chained.unwrap();
    }
    assert!(matches!(
        audit::verify(&app.db).await.unwrap(),
        Verdict::Intact(_)
    ));
    assert!(
        entity::audit_inbox::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .is_none(),
        "nothing left waiting"
    );
    let creates = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("auth.staff.create"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        creates
            .iter()
            .filter(|e| e.summary.contains("para."))
            .count(),
        12,
        "every event chained once"
    );
}

async fn a_message_survives_a_crash_and_is_sent_once(backend: Backend) {
    // The mail server is down when the code is asked for.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = spawn_app_with(backend, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))
    })
    .await;
    assert_eq!(
        app.post_json(
            "/api/v1/auth/citizen/email-codes",
            &json!({"email": "crash@example.com"})
        )
        .await
        .status(),
        202
    );
    let mut rows = outbox_rows(&app).await;
    for _ in 0..100 {
        if rows[0].attempts > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        rows = outbox_rows(&app).await;
    }
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "pending", "a failed send stays queued");
    assert!(rows[0].attempts >= 1);

    // The service dies; the mail server comes up; the service starts again.
    let mut parts = app.stop().await;
    let sink = SmtpSink::start_on(port).await;
    parts.3 = sink.clone();
    parts.0.smtp_url = Some(sink.url());
    let app = TestApp::start_again(parts).await;
    entity::outbox_message::Entity::update_many()
        .col_expr(
            entity::outbox_message::Column::NextAttemptAt,
            Expr::value(Utc::now()),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let mail = sink.wait_for("crash@example.com").await;
    assert_eq!(code_in_email(&mail).len(), 6);
    let mut rows = outbox_rows(&app).await;
    for _ in 0..100 {
        if rows[0].status == "sent" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        rows = outbox_rows(&app).await;
    }
    assert_eq!(rows[0].status, "sent");
    assert!(
        !rows[0].payload.contains("验证码"),
        "payloads are sealed at rest"
    );

    // Another restart sends nothing again.
    let app = app.restart().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.count(), 1, "sent exactly once");
    drop(app);
}

on_both_backends!(
    a_retried_post_with_the_same_key_gets_the_first_answer,
    parallel_duplicates_create_exactly_one,
    a_full_line_answers_busy_at_once_and_health_checks_still_pass,
    the_audit_chain_verifies_and_an_edited_row_breaks_it,
    concurrent_writers_keep_one_unbroken_chain,
    a_message_survives_a_crash_and_is_sent_once
);

async fn a_wechat_subscribe_message_goes_out_with_one_cached_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let principal_one = app
        .citizen_with_real_name(
            "p1",
            "张三",
            &minzheng_tests::id_number("11011219800101051"),
        )
        .await;
    let principal_two = app
        .citizen_with_real_name(
            "p2",
            "王五",
            &minzheng_tests::id_number("11011219700303073"),
        )
        .await;
    app.verified_citizen(
        "helper",
        "李四",
        &minzheng_tests::id_number("11011219900202062"),
    )
    .await;
    let grant = json!({"proxy_name": "李四", "proxy_id_number": minzheng_tests::id_number("11011219900202062"), "relation": "child", "services": ["dibao", "survival_certification"]});
    assert_eq!(
        app.post_as(&principal_one.access, "/api/v1/identity/proxies", &grant)
            .await
            .0,
        201
    );
    assert_eq!(
        app.post_as(&principal_two.access, "/api/v1/identity/proxies", &grant)
            .await
            .0,
        201
    );
    for _ in 0..100 {
        if app.wechat.sent.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sent = app.wechat.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0]["touser"], "openid-helper");
    assert_eq!(sent[0]["template_id"], "tmpl-proxy-granted");
    assert_eq!(sent[0]["data"]["thing2"]["value"], "低保、生存认证");
    assert!(
        sent[0]["data"]["time3"]["value"]
            .as_str()
            .unwrap()
            .contains('年')
    );
    assert_eq!(
        app.wechat
            .token_fetches
            .load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the access token is cached"
    );
}

async fn a_refused_subscribe_message_is_given_up_not_retried(backend: Backend) {
    let app = spawn_app(backend).await;
    let message = minzheng::platform::outbox::WechatMessage {
        purpose: "proxy_granted".into(),
        page: None,
        data: [("thing1".to_owned(), "测试".to_owned())].into(),
        fallback: None,
    };
    let sealer = minzheng::platform::crypto::Sealer::new(&minzheng_tests::test_secrets());
    // Queued from outside the app: its worker finds the rows on its next pass.
    let tx = minzheng::platform::tx::AfterCommit::none()
        .begin(&app.db)
        .await
        .unwrap();
    minzheng::platform::outbox::enqueue_wechat(&tx, &sealer, (None, "openid-refuser"), &message)
        .await
        .unwrap();
    let too_long = minzheng::platform::outbox::WechatMessage {
        purpose: "proxy_granted".into(),
        page: None,
        data: [(
            "thing1".to_owned(),
            "这是一段超过二十个字的内容，微信会拒绝它，所以发送前就要检查".to_owned(),
        )]
        .into(),
        fallback: None,
    };
    minzheng::platform::outbox::enqueue_wechat(&tx, &sealer, (None, "openid-someone"), &too_long)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut rows = outbox_rows(&app).await;
    for _ in 0..100 {
        if rows.iter().all(|r| r.status != "pending") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        rows = outbox_rows(&app).await;
    }
    assert!(rows.iter().all(|r| r.status == "failed"), "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r.last_error.as_deref().unwrap_or("").contains("43101"))
    );
    assert!(
        rows.iter()
            .any(|r| r.last_error.as_deref().unwrap_or("").contains("thing1"))
    );
    assert!(app.wechat.sent.lock().unwrap().is_empty());
}

on_both_backends!(
    a_wechat_subscribe_message_goes_out_with_one_cached_token,
    a_refused_subscribe_message_is_given_up_not_retried
);

async fn stored_answers_are_sealed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let body = json!({"username": "sealed.one", "display_name": "x", "role": "clerk", "scope_kind": "office", "scope_id": "marriage-centre"});
    let (status, text, _) = create_with_key(&app, &admin.access, "seal-key", &body).await;
    assert_eq!(status, 201);
    let answer: Value = serde_json::from_str(&text).unwrap();
    let password = answer["first_password"].as_str().unwrap();
    let rows = entity::idempotency_record::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let stored = rows[0].response_body.clone().unwrap();
    assert!(
        !stored.contains(password),
        "the first password is stored in clear"
    );
}

on_both_backends!(stored_answers_are_sealed);

async fn housekeeping_purges_expired_keys_and_counters(backend: Backend) {
    use sea_orm::Set;
    let app = spawn_app(backend).await;
    let old = Utc::now() - chrono::Duration::hours(25);
    entity::idempotency_record::Entity::insert(entity::idempotency_record::ActiveModel {
        key_hash: Set("old".into()),
        request_hash: Set("x".into()),
        status: Set(Some(201)),
        response_body: Set(None),
        created_at: Set(old),
    })
    .exec(&app.db)
    .await
    .unwrap();
    entity::idempotency_record::Entity::insert(entity::idempotency_record::ActiveModel {
        key_hash: Set("fresh".into()),
        request_hash: Set("x".into()),
        status: Set(Some(201)),
        response_body: Set(None),
        created_at: Set(Utc::now()),
    })
    .exec(&app.db)
    .await
    .unwrap();
    entity::rate_counter::Entity::insert(entity::rate_counter::ActiveModel {
        key: Set("old".into()),
        window_start: Set(old.timestamp() - 3600),
        hits: Set(3),
    })
    .exec(&app.db)
    .await
    .unwrap();
    let purged = minzheng::platform::housekeeping::purge(&app.db)
        .await
        .unwrap();
    assert!(purged >= 2, "{purged}");
    let left: Vec<String> = entity::idempotency_record::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key_hash)
        .collect();
    assert_eq!(left, vec!["fresh".to_owned()]);
    assert!(
        entity::rate_counter::Entity::find_by_id("old".to_owned())
            .one(&app.db)
            .await
            .unwrap()
            .is_none()
    );
}

on_both_backends!(housekeeping_purges_expired_keys_and_counters);
