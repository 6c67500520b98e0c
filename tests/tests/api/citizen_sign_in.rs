//! Citizen sign-in by email code (read from the SMTP sink) and by WeChat (a fake
//! jscode2session), with their limits and error mapping, and linking WeChat later.
use minzheng_tests::Backend;
use minzheng_tests::{code_in_email, on_both_backends, peers, spawn_app, spawn_app_with};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

async fn ask_code(app: &minzheng_tests::TestApp, email: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/citizen/email-codes", &json!({"email": email}))
        .await
}

async fn sign_in(app: &minzheng_tests::TestApp, email: &str, code: &str) -> (u16, Value) {
    let res = app
        .post_json(
            "/api/v1/auth/citizen/email/sessions",
            &json!({"email": email, "code": code}),
        )
        .await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn an_emailed_code_signs_in_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = ask_code(&app, " Zhang.San@Example.com ").await;
    assert_eq!(res.status(), 202);
    let mail = app.smtp.wait_for("zhang.san@example.com").await;
    let code = code_in_email(&mail);
    let (status, tokens) = sign_in(&app, "zhang.san@example.com", &code).await;
    assert_eq!(status, 200, "{tokens}");
    let (_, me) = app
        .get_as(
            tokens["access_token"].as_str().unwrap(),
            "/api/v1/auth/citizen/me",
        )
        .await;
    assert_eq!(me["email"], "zhang.san@example.com");
    let (status, body) = sign_in(&app, "zhang.san@example.com", &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("auth.code_invalid")),
        "single use"
    );
}

async fn sending_is_limited_per_address(backend: Backend) {
    let app = spawn_app(backend).await;
    minzheng_tests::with_room_in_window(60, 20).await;
    assert_eq!(ask_code(&app, "li@example.com").await.status(), 202);
    let again = ask_code(&app, "li@example.com").await;
    assert_eq!(again.status(), 429);
    let wait: i64 = again.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["code"], "request.rate_limited");
    assert_eq!(
        ask_code(&app, "other@example.com").await.status(),
        202,
        "another address is not affected"
    );
    let bad = ask_code(&app, "not-an-email").await;
    assert_eq!(bad.status(), 422);
}

async fn sending_is_limited_per_client_address(backend: Backend) {
    let app = spawn_app(backend).await;
    minzheng_tests::with_room_in_window(300, 60).await;
    // RULES: at most 25 sends per client address per 5 minutes.
    for n in 0..25 {
        assert_eq!(
            ask_code(&app, &format!("user{n}@example.com"))
                .await
                .status(),
            202,
            "send {n}"
        );
    }
    let refused = ask_code(&app, "user25@example.com").await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}

async fn ten_wrong_codes_lock_the_address(backend: Backend) {
    let app = spawn_app(backend).await;
    ask_code(&app, "wang@example.com").await;
    let code = code_in_email(&app.smtp.wait_for("wang@example.com").await);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..10 {
        assert_eq!(sign_in(&app, "wang@example.com", wrong).await.0, 401);
    }
    let res = app
        .post_json(
            "/api/v1/auth/citizen/email/sessions",
            &json!({"email": "wang@example.com", "code": code}),
        )
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "auth.code_locked");
}

async fn wechat_sign_in_finds_the_same_account_by_openid(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.citizen("zhao").await;
    let second = app.citizen("zhao").await;
    assert_eq!(first.id, second.id);
    let other = app.citizen("qian").await;
    assert_ne!(first.id, other.id);
    let (_, me) = app.get_as(&first.access, "/api/v1/auth/citizen/me").await;
    assert_eq!(me["wechat_linked"], true);
    assert!(!me.to_string().contains("session_key") && !me.to_string().contains("never-leaves"));
}

async fn wechat_errors_map_to_clear_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    for (code, status, expected) in [
        ("invalid", 401, "auth.wechat_code_invalid"),
        ("used", 401, "auth.wechat_code_used"),
        ("limit", 429, "auth.wechat_rate_limited"),
        ("risky", 403, "auth.wechat_high_risk"),
        ("busy", 503, "auth.wechat_unavailable"),
    ] {
        let res = app
            .post_json(
                "/api/v1/auth/citizen/wechat/sessions",
                &json!({"code": code}),
            )
            .await;
        assert_eq!(res.status(), status, "{code}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], expected);
    }
    let down = spawn_app_with(backend, |c| c.wechat_api_base = "http://127.0.0.1:9".into()).await;
    let res = down
        .post_json(
            "/api/v1/auth/citizen/wechat/sessions",
            &json!({"code": "ok-x"}),
        )
        .await;
    assert_eq!(res.status(), 503, "WeChat unreachable");
    let off = spawn_app_with(backend, |c| c.wechat_app_id = None).await;
    let res = off
        .post_json(
            "/api/v1/auth/citizen/wechat/sessions",
            &json!({"code": "ok-x"}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "auth.wechat_not_configured");
}

async fn an_email_account_can_link_its_wechat_once(backend: Backend) {
    let app = spawn_app(backend).await;
    ask_code(&app, "sun@example.com").await;
    let code = code_in_email(&app.smtp.wait_for("sun@example.com").await);
    let (_, tokens) = sign_in(&app, "sun@example.com", &code).await;
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let (status, _) = app
        .post_as(
            &token,
            "/api/v1/auth/citizen/wechat/link",
            &json!({"code": "ok-sun"}),
        )
        .await;
    assert_eq!(status, 204);
    let by_wechat = app.citizen("sun").await;
    let (_, me) = app.get_as(&token, "/api/v1/auth/citizen/me").await;
    assert_eq!(
        me["id"],
        by_wechat.id.as_str(),
        "WeChat now signs in to the same account"
    );
    let zhou = app.citizen("zhou").await;
    let (status, body) = app
        .post_as(
            &token,
            "/api/v1/auth/citizen/wechat/link",
            &json!({"code": "ok-zhou"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("auth.wechat_already_linked")),
        "{}",
        zhou.id
    );
}

async fn a_trusted_proxy_passes_each_client_address_on(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.trusted_proxies = vec!["127.0.0.1".into()]).await;
    for n in 0..25 {
        let res = ask_code_from(&app, &format!("proxied{n}@example.com"), "203.0.113.7").await;
        assert_eq!(res.status(), 202, "send {n}");
    }
    let refused = ask_code_from(&app, "proxied25@example.com", "203.0.113.7").await;
    assert_eq!(
        refused.status(),
        429,
        "the 26th from one client behind the proxy"
    );
    let other = ask_code_from(&app, "proxied26@example.com", "203.0.113.8").await;
    assert_eq!(
        other.status(),
        202,
        "another client behind the same proxy has its own limit"
    );
    // A client's own fake hop on the left is not believed.
    let forged = ask_code_from(&app, "proxied27@example.com", "198.51.100.1, 203.0.113.7").await;
    assert_eq!(forged.status(), 429);
}

async fn forwarded_for_from_an_untrusted_peer_is_ignored(backend: Backend) {
    let app = spawn_app(backend).await;
    for n in 0..25 {
        let res = ask_code_from(
            &app,
            &format!("direct{n}@example.com"),
            &format!("203.0.113.{n}"),
        )
        .await;
        assert_eq!(res.status(), 202, "send {n}");
    }
    let refused = ask_code_from(&app, "direct25@example.com", "203.0.113.99").await;
    assert_eq!(
        refused.status(),
        429,
        "a header from an untrusted peer does not make a new client"
    );
}

async fn right_codes_do_not_use_up_a_shared_address(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.trusted_proxies = vec!["127.0.0.1".into()]).await;
    // 59 wrong checks, five sign-ins and two more, all in one 5-minute window.
    minzheng_tests::with_room_in_window(300, 120).await;
    let shared = "203.0.113.50";
    for n in 0..59 {
        let (status, _) =
            sign_in_from(&app, &format!("nobody{n}@example.com"), "123456", shared).await;
        assert_eq!(status, 401, "wrong check {n}");
    }
    // Five citizens behind the same carrier address sign in with their right codes.
    for n in 0..5 {
        let email = format!("shared{n}@example.com");
        assert_eq!(
            ask_code_from(&app, &email, &format!("198.51.100.{n}"))
                .await
                .status(),
            202
        );
        let code = code_in_email(&app.smtp.wait_for(&email).await);
        let (status, body) = sign_in_from(&app, &email, &code, shared).await;
        assert_eq!(status, 200, "right code {n}: {body}");
    }
    let (status, _) = sign_in_from(&app, "nobody59@example.com", "123456", shared).await;
    assert_eq!(status, 401, "the 60th wrong check is still answered");
    let (status, body) = sign_in_from(&app, "nobody60@example.com", "123456", shared).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("request.rate_limited")),
        "the 61st wrong check"
    );
}

on_both_backends!(
    an_emailed_code_signs_in_once,
    sending_is_limited_per_address,
    sending_is_limited_per_client_address,
    ten_wrong_codes_lock_the_address,
    wechat_sign_in_finds_the_same_account_by_openid,
    wechat_errors_map_to_clear_codes,
    an_email_account_can_link_its_wechat_once,
    a_trusted_proxy_passes_each_client_address_on,
    forwarded_for_from_an_untrusted_peer_is_ignored,
    right_codes_do_not_use_up_a_shared_address
);

async fn ask_code_from(
    app: &minzheng_tests::TestApp,
    email: &str,
    forwarded: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/citizen/email-codes"))
        .header("X-Forwarded-For", forwarded)
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap()
}

async fn sign_in_from(
    app: &minzheng_tests::TestApp,
    email: &str,
    code: &str,
    forwarded: &str,
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/api/v1/auth/citizen/email/sessions"))
        .header("X-Forwarded-For", forwarded)
        .json(&json!({"email": email, "code": code}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// Signs in from the mini-program as `name` on a device that names itself `agent`.
async fn wechat_from(app: &minzheng_tests::TestApp, name: &str, agent: &str) -> String {
    let res = app
        .client
        .post(app.url("/api/v1/auth/citizen/wechat/sessions"))
        .header(
            "User-Agent",
            reqwest::header::HeaderValue::from_bytes(agent.as_bytes()).unwrap(),
        )
        .json(&json!({"code": format!("ok-{name}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// A citizen lists their signed-in devices and signs out one (a lost phone) or every
/// other; another person's session is not theirs to end.
async fn a_citizen_sees_their_devices_and_signs_out_one_or_all_others(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = wechat_from(&app, "wang", "iPhone \u{202E}MicroMessenger/8.0.50\t").await;
    let tablet = wechat_from(&app, "wang", "iPad MicroMessenger/8.0.49").await;
    let laptop = wechat_from(&app, "wang", "Windows WindowsWechat").await;
    let stranger = wechat_from(&app, "li", "Android").await;
    let (status, mine) = app.get_as(&phone, "/api/v1/auth/citizen/sessions").await;
    assert_eq!(status, 200, "{mine}");
    let items = mine["items"].as_array().unwrap();
    let devices: Vec<&str> = items
        .iter()
        .map(|s| s["device"].as_str().unwrap())
        .collect();
    assert_eq!(
        devices,
        [
            "Windows WindowsWechat",
            "iPad MicroMessenger/8.0.49",
            "iPhone MicroMessenger/8.0.50"
        ],
        "newest first, cleaned"
    );
    let current: Vec<bool> = items
        .iter()
        .map(|s| s["current"].as_bool().unwrap())
        .collect();
    assert_eq!(current, [false, false, true]);
    // The stranger cannot end wang's sessions, nor learn that they exist.
    let (_, theirs) = app.get_as(&stranger, "/api/v1/auth/citizen/sessions").await;
    let tablet_id = items[1]["id"].as_str().unwrap();
    let (status, body) = app
        .post_as(
            &stranger,
            &format!("/api/v1/auth/citizen/sessions/{tablet_id}/revoke"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("auth.session_not_found")),
        "{body}"
    );
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    // The lost tablet is signed out at once.
    let (status, _) = app
        .post_as(
            &phone,
            &format!("/api/v1/auth/citizen/sessions/{tablet_id}/revoke"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(app.get_as(&tablet, "/api/v1/auth/citizen/me").await.0, 401);
    let (status, body) = app
        .post_as(
            &phone,
            &format!("/api/v1/auth/citizen/sessions/{tablet_id}/revoke"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("auth.session_not_found")),
        "ended already"
    );
    // Every other device: the laptop goes, this phone stays.
    assert_eq!(
        app.post_as(
            &phone,
            "/api/v1/auth/citizen/sessions/revoke-others",
            &json!({})
        )
        .await
        .0,
        204
    );
    assert_eq!(app.get_as(&laptop, "/api/v1/auth/citizen/me").await.0, 401);
    let (status, left) = app.get_as(&phone, "/api/v1/auth/citizen/sessions").await;
    assert_eq!(
        (status, left["items"].as_array().unwrap().len()),
        (200, 1),
        "{left}"
    );
    assert_eq!(
        app.get_as(&stranger, "/api/v1/auth/citizen/me").await.0,
        200,
        "nobody else's"
    );
}

on_both_backends!(a_citizen_sees_their_devices_and_signs_out_one_or_all_others);

/// An app whose SMS go to a fake Tencent Cloud SMS.
async fn sms_app(backend: minzheng_tests::Backend) -> (minzheng_tests::TestApp, peers::FakeSms) {
    let sms = peers::fake_sms().await;
    let endpoint = sms.address.clone();
    let app = spawn_app_with(backend, move |c| {
        c.sms_app_id = Some(peers::SMS_APP_ID.into());
        c.sms_endpoint = endpoint;
        c.sms_sign_name = peers::SMS_SIGN_NAME.into();
        c.sms_templates.get_mut("sign_in_code").unwrap().id = peers::SMS_CODE_TEMPLATE.into();
    })
    .await;
    (app, sms)
}

async fn ask_sms(app: &minzheng_tests::TestApp, phone: &str) -> (u16, Value) {
    let res = app
        .post_json("/api/v1/auth/citizen/sms-codes", &json!({"phone": phone}))
        .await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn sms_sign_in(app: &minzheng_tests::TestApp, phone: &str, code: &str) -> (u16, Value) {
    let res = app
        .post_json(
            "/api/v1/auth/citizen/sms/sessions",
            &json!({"phone": phone, "code": code}),
        )
        .await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// Forgets the per-minute send limits (fixed windows: the rows of this minute's window),
/// so a test can send again without waiting a minute.
async fn forget_minute_limits(app: &minzheng_tests::TestApp) {
    let now = chrono::Utc::now().timestamp();
    let minute = now - now.rem_euclid(60);
    let sql = format!("DELETE FROM rate_counter WHERE window_start = {minute}");
    app.db.execute_unprepared(&sql).await.unwrap();
}

/// Full-width digits, as a Chinese keyboard types them.
fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(c as u32 - 0x30 + 0xFF10).unwrap()
            } else {
                c
            }
        })
        .collect()
}

async fn an_sms_code_signs_in_once_and_reaches_one_account(backend: Backend) {
    let (app, sms) = sms_app(backend).await;
    let (status, sent) = ask_sms(&app, "＋86 138-0013-8000").await;
    assert_eq!(
        (status, sent["phone"].as_str()),
        (202, Some("+86 138****8000")),
        "{sent}"
    );
    assert_eq!(
        (sent["expires_in"].as_i64(), sent["resend_after"].as_i64()),
        (Some(600), Some(60))
    );
    let delivered = sms.delivered();
    assert_eq!(delivered.len(), 1);
    assert_eq!(
        (
            delivered[0].phone.as_str(),
            delivered[0].template_id.as_str()
        ),
        ("+8613800138000", peers::SMS_CODE_TEMPLATE)
    );
    let code = delivered[0].params[0].clone();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    // Typed differently, with the code in full-width digits: the same number and code.
    let (status, tokens) = sms_sign_in(&app, "13800138000", &full_width(&code)).await;
    assert_eq!(status, 200, "{tokens}");
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let (_, me) = app.get_as(&token, "/api/v1/auth/citizen/me").await;
    assert_eq!(
        (me["phone"].as_str(), me["email"].as_str()),
        (Some("+86 138****8000"), None),
        "{me}"
    );
    let (status, body) = sms_sign_in(&app, "13800138000", &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("auth.code_invalid")),
        "single use"
    );
    // The next sign-in reaches the same account.
    forget_minute_limits(&app).await;
    assert_eq!(ask_sms(&app, "8613800138000").await.0, 202);
    let again = sms.last_params("+8613800138000")[0].clone();
    let (_, tokens) = sms_sign_in(&app, "+86 13800138000", &again).await;
    let (_, me_again) = app
        .get_as(
            tokens["access_token"].as_str().unwrap(),
            "/api/v1/auth/citizen/me",
        )
        .await;
    assert_eq!(me_again["id"], me["id"]);
    assert_eq!(
        sms.signature_failures(),
        0,
        "every call signed right: {:?}",
        sms.calls()
    );
    // At rest the number is sealed and indexed blind; the outbox shows it masked.
    let backend = app.db.get_database_backend();
    for (table, sql) in [
        (
            "citizen_account",
            "SELECT CAST(phone_sealed AS TEXT) AS a, CAST(phone_index AS TEXT) AS b FROM citizen_account",
        ),
        (
            "sign_in_code",
            "SELECT address AS a, code_hash AS b FROM sign_in_code",
        ),
        (
            "outbox_message",
            "SELECT recipient AS a, payload AS b FROM outbox_message",
        ),
    ] {
        let rows = app
            .db
            .query_all_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .unwrap();
        for row in rows {
            for column in ["a", "b"] {
                let value: Option<String> = row.try_get("", column).unwrap();
                assert!(
                    !value.unwrap_or_default().contains("13800138000"),
                    "{table}.{column} holds the number in clear"
                );
            }
        }
    }
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT recipient, status FROM outbox_message WHERE channel = 'sms'",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "each sent SMS is recorded");
    assert_eq!(
        rows[0].try_get::<String>("", "recipient").unwrap(),
        "+86 138****8000"
    );
    assert_eq!(rows[0].try_get::<String>("", "status").unwrap(), "sent");
}

async fn phone_numbers_are_checked_and_sends_limited_per_number(backend: Backend) {
    let (app, sms) = sms_app(backend).await;
    for (typed, why) in [
        ("010-69541234", "a landline"),
        ("1380013800", "ten digits"),
        ("12800138000", "no 12 prefix"),
        ("+1 2025550123", "abroad"),
        ("", "empty"),
    ] {
        let (status, body) = ask_sms(&app, typed).await;
        assert_eq!(
            (status, body["errors"][0]["field"].as_str()),
            (422, Some("phone")),
            "{why}: {body}"
        );
    }
    // Control characters go before anything reads a body (as in every field).
    let (status, sent) = ask_sms(&app, "13800\u{7}138000").await;
    assert_eq!(
        (status, sent["phone"].as_str()),
        (202, Some("+86 138****8000"))
    );
    minzheng_tests::with_room_in_window(60, 20).await;
    assert_eq!(ask_sms(&app, "13900139000").await.0, 202);
    let res = app
        .post_json(
            "/api/v1/auth/citizen/sms-codes",
            &json!({"phone": "139 0013 9000"}),
        )
        .await;
    assert_eq!(res.status(), 429, "one a minute per number");
    let wait: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        ask_sms(&app, "13700137000").await.0,
        202,
        "another number is not affected"
    );
    // Ten a day: the day's counters (fixed UTC-day windows) stand at ten.
    let now = chrono::Utc::now().timestamp();
    if now.rem_euclid(86_400) < 120 {
        tokio::time::sleep(std::time::Duration::from_secs(120)).await;
    }
    let now = chrono::Utc::now().timestamp();
    let day = now - now.rem_euclid(86_400);
    app.db
        .execute_unprepared(&format!(
            "UPDATE rate_counter SET hits = 10 WHERE window_start = {day}"
        ))
        .await
        .unwrap();
    forget_minute_limits(&app).await;
    let res = app
        .post_json(
            "/api/v1/auth/citizen/sms-codes",
            &json!({"phone": "13900139000"}),
        )
        .await;
    assert_eq!(res.status(), 429, "ten a day per number");
    let wait: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 60, "until the day's window ends: {wait}");
    assert_eq!(sms.delivered().len(), 3);
}

async fn ten_wrong_sms_codes_lock_the_number(backend: Backend) {
    let (app, sms) = sms_app(backend).await;
    assert_eq!(ask_sms(&app, "13600136000").await.0, 202);
    let code = sms.last_params("+8613600136000")[0].clone();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..10 {
        assert_eq!(sms_sign_in(&app, "13600136000", wrong).await.0, 401);
    }
    let (status, body) = sms_sign_in(&app, "13600136000", &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("auth.code_locked"))
    );
    forget_minute_limits(&app).await;
    let (status, body) = ask_sms(&app, "13600136000").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("auth.code_locked")),
        "no new code while locked"
    );
}

async fn tencent_refusals_map_to_stable_codes_and_keep_the_last_code(backend: Backend) {
    let (app, sms) = sms_app(backend).await;
    assert_eq!(ask_sms(&app, "13500135000").await.0, 202);
    let code = sms.last_params("+8613500135000")[0].clone();
    for (tencent, status, expected) in [
        (
            "FailedOperation.PhoneNumberInBlacklist",
            422,
            "auth.sms_blocked",
        ),
        (
            "LimitExceeded.PhoneNumberThirtySecondLimit",
            429,
            "auth.sms_rate_limited",
        ),
        (
            "LimitExceeded.PhoneNumberDailyLimit",
            429,
            "auth.sms_rate_limited",
        ),
        (
            "InvalidParameterValue.IncorrectPhoneNumber",
            422,
            "auth.phone_rejected",
        ),
    ] {
        sms.refuse_number("+8613500135000", tencent);
        forget_minute_limits(&app).await;
        let res = app
            .post_json(
                "/api/v1/auth/citizen/sms-codes",
                &json!({"phone": "13500135000"}),
            )
            .await;
        assert_eq!(res.status(), status, "{tencent}");
        if status == 429 {
            assert!(res.headers().contains_key("retry-after"), "{tencent}");
        }
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], expected, "{tencent}");
    }
    for failure in [
        "InternalError.Timeout",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "AuthFailure.SecretIdNotFound",
    ] {
        sms.fail_calls(Some(failure));
        forget_minute_limits(&app).await;
        let (status, body) = ask_sms(&app, "13400134000").await;
        assert_eq!(
            (status, body["code"].as_str()),
            (503, Some("auth.sms_unavailable")),
            "{failure}"
        );
    }
    sms.fail_calls(None);
    let (status, _) = sms_sign_in(&app, "13500135000", &code).await;
    assert_eq!(
        status, 200,
        "a refused send leaves the code already sent working"
    );
    let down = spawn_app_with(backend, |c| {
        c.sms_app_id = Some(peers::SMS_APP_ID.into());
        c.sms_endpoint = "http://127.0.0.1:9".into();
        c.sms_templates.get_mut("sign_in_code").unwrap().id = peers::SMS_CODE_TEMPLATE.into();
    })
    .await;
    let (status, body) = ask_sms(&down, "13500135000").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("auth.sms_unavailable")),
        "Tencent unreachable"
    );
    let production = spawn_app_with(backend, |c| c.mode = minzheng::config::Mode::Production).await;
    let (status, body) = ask_sms(&production, "13500135000").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("auth.sms_unavailable")),
        "production without SMS settings"
    );
}

async fn in_dev_mode_an_sms_goes_to_the_data_folder_and_the_dev_outbox(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, _) = ask_sms(&app, "13300133000").await;
    assert_eq!(status, 202);
    let dir = app.config.data_dir.join("sms");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1);
    let written: Value =
        serde_json::from_slice(&std::fs::read(files[0].as_ref().unwrap().path()).unwrap()).unwrap();
    assert_eq!(written["to"], "+8613300133000");
    let code = written["params"][0].as_str().unwrap().to_owned();
    let outbox: Value = app.get("/dev/outbox.json").await.json().await.unwrap();
    let shown = &outbox["items"][0];
    assert_eq!(
        (shown["channel"].as_str(), shown["recipient"].as_str()),
        (Some("sms"), Some("+86 133****3000")),
        "{outbox}"
    );
    assert_eq!(shown["message"]["params"][0], code.as_str());
    assert_eq!(sms_sign_in(&app, "13300133000", &code).await.0, 200);
}

async fn a_mini_program_binds_one_phone_and_an_sms_sign_in_reaches_that_account(backend: Backend) {
    let (app, sms) = sms_app(backend).await;
    let bind = "/api/v1/auth/citizen/phone/wechat";
    let zhao = app.citizen("zhao").await;
    let (status, body) = app
        .post_as(&zhao.access, bind, &json!({"code": "phone-13800138000"}))
        .await;
    assert_eq!(
        (status, body["phone"].as_str()),
        (200, Some("+86 138****8000")),
        "{body}"
    );
    let (_, me) = app.get_as(&zhao.access, "/api/v1/auth/citizen/me").await;
    assert_eq!(me["phone"], "+86 138****8000");
    // An SMS code to that number signs in to the WeChat account.
    assert_eq!(ask_sms(&app, "13800138000").await.0, 202);
    let code = sms.last_params("+8613800138000")[0].clone();
    let (_, tokens) = sms_sign_in(&app, "13800138000", &code).await;
    let (_, by_sms) = app
        .get_as(
            tokens["access_token"].as_str().unwrap(),
            "/api/v1/auth/citizen/me",
        )
        .await;
    assert_eq!(by_sms["id"], zhao.id.as_str(), "{by_sms}");
    // A code works once.
    let (status, body) = app
        .post_as(&zhao.access, bind, &json!({"code": "phone-13800138000"}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("auth.phone_code_invalid")),
        "{body}"
    );
    // One account per phone: another account is refused the number.
    let qian = app.citizen("qian").await;
    let (status, body) = app
        .post_as(
            &qian.access,
            bind,
            &json!({"code": "phone-13800138000.qian"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("auth.phone_already_bound")),
        "{body}"
    );
    // One phone per account: a new number replaces the old one, which is free again.
    let (status, _) = app
        .post_as(&zhao.access, bind, &json!({"code": "phone-13900139000"}))
        .await;
    assert_eq!(status, 200);
    let (_, me) = app.get_as(&zhao.access, "/api/v1/auth/citizen/me").await;
    assert_eq!(me["phone"], "+86 139****9000");
    let (status, body) = app
        .post_as(
            &qian.access,
            bind,
            &json!({"code": "phone-13800138000.again"}),
        )
        .await;
    assert_eq!(
        (status, body["phone"].as_str()),
        (200, Some("+86 138****8000")),
        "{body}"
    );
    // WeChat's refusals and numbers this service cannot text.
    for (code, status, expected) in [
        ("invalid", 422, "auth.phone_code_invalid"),
        ("abroad-2025550123", 422, "auth.phone_not_mainland"),
        ("limit", 429, "auth.wechat_rate_limited"),
        ("other-app", 503, "auth.wechat_unavailable"),
        ("busy", 503, "auth.wechat_unavailable"),
    ] {
        let (got, body) = app
            .post_as(&zhao.access, bind, &json!({"code": code}))
            .await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some(expected)),
            "{code}: {body}"
        );
    }
    let (_, me) = app.get_as(&zhao.access, "/api/v1/auth/citizen/me").await;
    assert_eq!(
        me["phone"], "+86 139****9000",
        "a refusal keeps the bound number"
    );
    let res = app
        .post_json(bind, &json!({"code": "phone-13700137000"}))
        .await;
    assert_eq!(res.status(), 401);
}

on_both_backends!(
    an_sms_code_signs_in_once_and_reaches_one_account,
    phone_numbers_are_checked_and_sends_limited_per_number,
    ten_wrong_sms_codes_lock_the_number,
    tencent_refusals_map_to_stable_codes_and_keep_the_last_code,
    in_dev_mode_an_sms_goes_to_the_data_folder_and_the_dev_outbox,
    a_mini_program_binds_one_phone_and_an_sms_sign_in_reaches_that_account
);
