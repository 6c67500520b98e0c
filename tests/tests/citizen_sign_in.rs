//! Citizen sign-in by email code (read from the SMTP sink) and by WeChat (a fake
//! jscode2session), with their limits and error mapping, and linking WeChat later.
use minzheng_tests::{code_in_email, on_both_backends, spawn_app, spawn_app_with};
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

on_both_backends! {
    async fn an_emailed_code_signs_in_once(backend: Backend) {
        let app = spawn_app(backend).await;
        let res = ask_code(&app, " Zhang.San@Example.com ").await;
        assert_eq!(res.status(), 202);
        let mail = app.smtp.wait_for("zhang.san@example.com").await;
        let code = code_in_email(&mail);
        let (status, tokens) = sign_in(&app, "zhang.san@example.com", &code).await;
        assert_eq!(status, 200, "{tokens}");
        let (_, me) = app.get_as(tokens["access_token"].as_str().unwrap(), "/api/v1/auth/citizen/me").await;
        assert_eq!(me["email"], "zhang.san@example.com");
        let (status, body) = sign_in(&app, "zhang.san@example.com", &code).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("auth.code_invalid")), "single use");
    }

    async fn sending_is_limited_per_address(backend: Backend) {
        let app = spawn_app(backend).await;
        assert_eq!(ask_code(&app, "li@example.com").await.status(), 202);
        let again = ask_code(&app, "li@example.com").await;
        assert_eq!(again.status(), 429);
        let wait: i64 = again.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        let body: Value = again.json().await.unwrap();
        assert_eq!(body["code"], "request.rate_limited");
        assert_eq!(ask_code(&app, "other@example.com").await.status(), 202, "another address is not affected");
        let bad = ask_code(&app, "not-an-email").await;
        assert_eq!(bad.status(), 422);
    }

    async fn sending_is_limited_per_client_address(backend: Backend) {
        let app = spawn_app(backend).await;
        // The windows are fixed 5-minute spans: a run that crossed into the next one
        // would start counting again, so a run close to the edge waits for it.
        let into_window = chrono::Utc::now().timestamp().rem_euclid(300);
        if into_window > 270 {
            tokio::time::sleep(std::time::Duration::from_secs((301 - into_window) as u64)).await;
        }
        // RULES: at most 25 sends per client address per 5 minutes.
        for n in 0..25 {
            assert_eq!(ask_code(&app, &format!("user{n}@example.com")).await.status(), 202, "send {n}");
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
        let res = app.post_json("/api/v1/auth/citizen/email/sessions", &json!({"email": "wang@example.com", "code": code})).await;
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
            let res = app.post_json("/api/v1/auth/citizen/wechat/sessions", &json!({"code": code})).await;
            assert_eq!(res.status(), status, "{code}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["code"], expected);
        }
        let down = spawn_app_with(backend, |c| c.wechat_api_base = "http://127.0.0.1:9".into()).await;
        let res = down.post_json("/api/v1/auth/citizen/wechat/sessions", &json!({"code": "ok-x"})).await;
        assert_eq!(res.status(), 503, "WeChat unreachable");
        let off = spawn_app_with(backend, |c| c.wechat_app_id = None).await;
        let res = off.post_json("/api/v1/auth/citizen/wechat/sessions", &json!({"code": "ok-x"})).await;
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "auth.wechat_not_configured");
    }

    async fn an_email_account_can_link_its_wechat_once(backend: Backend) {
        let app = spawn_app(backend).await;
        ask_code(&app, "sun@example.com").await;
        let code = code_in_email(&app.smtp.wait_for("sun@example.com").await);
        let (_, tokens) = sign_in(&app, "sun@example.com", &code).await;
        let token = tokens["access_token"].as_str().unwrap().to_owned();
        let (status, _) = app.post_as(&token, "/api/v1/auth/citizen/wechat/link", &json!({"code": "ok-sun"})).await;
        assert_eq!(status, 204);
        let by_wechat = app.citizen("sun").await;
        let (_, me) = app.get_as(&token, "/api/v1/auth/citizen/me").await;
        assert_eq!(me["id"], by_wechat.id.as_str(), "WeChat now signs in to the same account");
        let zhou = app.citizen("zhou").await;
        let (status, body) = app.post_as(&token, "/api/v1/auth/citizen/wechat/link", &json!({"code": "ok-zhou"})).await;
        assert_eq!((status, body["code"].as_str()), (409, Some("auth.wechat_already_linked")), "{}", zhou.id);
    }

    async fn a_trusted_proxy_passes_each_client_address_on(backend: Backend) {
        let app = spawn_app_with(backend, |c| c.trusted_proxies = vec!["127.0.0.1".into()]).await;
        for n in 0..25 {
            let res = ask_code_from(&app, &format!("proxied{n}@example.com"), "203.0.113.7").await;
            assert_eq!(res.status(), 202, "send {n}");
        }
        let refused = ask_code_from(&app, "proxied25@example.com", "203.0.113.7").await;
        assert_eq!(refused.status(), 429, "the 26th from one client behind the proxy");
        let other = ask_code_from(&app, "proxied26@example.com", "203.0.113.8").await;
        assert_eq!(other.status(), 202, "another client behind the same proxy has its own limit");
        // A client's own fake hop on the left is not believed.
        let forged = ask_code_from(&app, "proxied27@example.com", "198.51.100.1, 203.0.113.7").await;
        assert_eq!(forged.status(), 429);
    }

    async fn forwarded_for_from_an_untrusted_peer_is_ignored(backend: Backend) {
        let app = spawn_app(backend).await;
        for n in 0..25 {
            let res = ask_code_from(&app, &format!("direct{n}@example.com"), &format!("203.0.113.{n}")).await;
            assert_eq!(res.status(), 202, "send {n}");
        }
        let refused = ask_code_from(&app, "direct25@example.com", "203.0.113.99").await;
        assert_eq!(refused.status(), 429, "a header from an untrusted peer does not make a new client");
    }

    async fn right_codes_do_not_use_up_a_shared_address(backend: Backend) {
        let app = spawn_app_with(backend, |c| c.trusted_proxies = vec!["127.0.0.1".into()]).await;
        let shared = "203.0.113.50";
        for n in 0..59 {
            let (status, _) = sign_in_from(&app, &format!("nobody{n}@example.com"), "123456", shared).await;
            assert_eq!(status, 401, "wrong check {n}");
        }
        // Five citizens behind the same carrier address sign in with their right codes.
        for n in 0..5 {
            let email = format!("shared{n}@example.com");
            assert_eq!(ask_code_from(&app, &email, &format!("198.51.100.{n}")).await.status(), 202);
            let code = code_in_email(&app.smtp.wait_for(&email).await);
            let (status, body) = sign_in_from(&app, &email, &code, shared).await;
            assert_eq!(status, 200, "right code {n}: {body}");
        }
        let (status, _) = sign_in_from(&app, "nobody59@example.com", "123456", shared).await;
        assert_eq!(status, 401, "the 60th wrong check is still answered");
        let (status, body) = sign_in_from(&app, "nobody60@example.com", "123456", shared).await;
        assert_eq!((status, body["code"].as_str()), (429, Some("request.rate_limited")), "the 61st wrong check");
    }
}

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

on_both_backends! {
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
        let devices: Vec<&str> = items.iter().map(|s| s["device"].as_str().unwrap()).collect();
        assert_eq!(devices, ["Windows WindowsWechat", "iPad MicroMessenger/8.0.49", "iPhone MicroMessenger/8.0.50"], "newest first, cleaned");
        let current: Vec<bool> = items.iter().map(|s| s["current"].as_bool().unwrap()).collect();
        assert_eq!(current, [false, false, true]);
        // The stranger cannot end wang's sessions, nor learn that they exist.
        let (_, theirs) = app.get_as(&stranger, "/api/v1/auth/citizen/sessions").await;
        let tablet_id = items[1]["id"].as_str().unwrap();
        let (status, body) = app.post_as(&stranger, &format!("/api/v1/auth/citizen/sessions/{tablet_id}/revoke"), &json!({})).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("auth.session_not_found")), "{body}");
        assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
        // The lost tablet is signed out at once.
        let (status, _) = app.post_as(&phone, &format!("/api/v1/auth/citizen/sessions/{tablet_id}/revoke"), &json!({})).await;
        assert_eq!(status, 204);
        assert_eq!(app.get_as(&tablet, "/api/v1/auth/citizen/me").await.0, 401);
        let (status, body) = app.post_as(&phone, &format!("/api/v1/auth/citizen/sessions/{tablet_id}/revoke"), &json!({})).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("auth.session_not_found")), "ended already");
        // Every other device: the laptop goes, this phone stays.
        assert_eq!(app.post_as(&phone, "/api/v1/auth/citizen/sessions/revoke-others", &json!({})).await.0, 204);
        assert_eq!(app.get_as(&laptop, "/api/v1/auth/citizen/me").await.0, 401);
        let (status, left) = app.get_as(&phone, "/api/v1/auth/citizen/sessions").await;
        assert_eq!((status, left["items"].as_array().unwrap().len()), (200, 1), "{left}");
        assert_eq!(app.get_as(&stranger, "/api/v1/auth/citizen/me").await.0, 200, "nobody else's");
    }
}
