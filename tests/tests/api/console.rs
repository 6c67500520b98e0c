//! The desk and bureau console at `/console`, driven in headless Chromium (Debian's
//! package, through chromedriver): a clerk's check-in by code with the keyboard, a
//! reviewer's decision, an admin's calendar change, the other admin pages, large fonts on
//! a tablet, and no request leaving the server's origin. Screenshots are saved in
//! `target/console-screenshots/`. The page is the same whatever the database, so these run
//! on SQLite; the API under it is tested on both backends by the other files.
use chrono::Duration;
use fantoccini::key::Key;
use minzheng_tests::applications::ready;
use minzheng_tests::browser::Browser;
use minzheng_tests::{
    Backend, STAFF_PASSWORD, TestApp, id_number, next_weekday, spawn_app, totp_code_next,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

fn enter() -> String {
    char::from(Key::Enter).to_string()
}

/// Opens the console and signs in through its form.
async fn sign_in(app: &TestApp, username: &str, totp: Option<String>) -> Browser {
    let browser = Browser::start(1280, 900).await;
    browser.goto(&format!("{}/console", app.address)).await;
    browser.fill("#sign-in [name=username]", username).await;
    browser
        .fill("#sign-in [name=password]", STAFF_PASSWORD)
        .await;
    if let Some(code) = totp {
        browser.fill("#sign-in [name=totp_code]", &code).await;
    }
    browser.click("#sign-in button[type=submit]").await;
    browser.wait_text("#who", username).await;
    browser
}

/// A confirmed marriage appointment at the centre on `date` for a new couple.
async fn appointment(app: &TestApp, n: u32, date: chrono::NaiveDate) -> Value {
    let (he_id, she_id) = (
        id_number(&format!("1101121990010{n}001")),
        id_number(&format!("1101121992030{n}002")),
    );
    let he = app
        .verified_citizen(&format!("he{n}"), "张伟", &he_id)
        .await;
    let she = app
        .verified_citizen(&format!("she{n}"), "李娜", &she_id)
        .await;
    let path = format!(
        "/api/v1/resources/marriage-centre/availability?business_type=marriage&from={date}&to={date}"
    );
    let day: Value = app.get(&path).await.json().await.unwrap();
    let slot = &day["days"][0]["slots"][0];
    let body = json!({"office_id": "marriage-centre", "business_type": "marriage", "slot_id": slot["slot_id"],
        "parties": [{"name": "张伟", "id_number": he_id}, {"name": "李娜", "id_number": she_id}]});
    let (status, booked) = app
        .post_as(&he.access, "/api/v1/marriage/appointments", &body)
        .await;
    assert_eq!(status, 201, "{booked}");
    let id = booked["id"].as_str().unwrap();
    let (status, confirmed) = app
        .post_as(
            &she.access,
            &format!("/api/v1/marriage/appointments/{id}/confirm"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
    confirmed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_finds_a_couple_by_code_and_checks_them_in_with_the_keyboard() {
    let app = spawn_app(Backend::Sqlite).await;
    let later = next_weekday(2);
    let today_one = appointment(&app, 1, later).await;
    let later_one = appointment(&app, 2, later).await;
    // The day has come for the first couple.
    let today = (chrono::Utc::now() + Duration::hours(8)).date_naive();
    let id = uuid::Uuid::parse_str(today_one["id"].as_str().unwrap()).unwrap();
    entity::marriage_appointment::Entity::update_many()
        .col_expr(
            entity::marriage_appointment::Column::Date,
            Expr::value(today),
        )
        .filter(entity::marriage_appointment::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    let clerk = app
        .staff("centre.clerk", "clerk", "office", Some("marriage-centre"))
        .await;

    let browser = sign_in(
        &app,
        &clerk.username,
        Some(totp_code_next(clerk.totp_secret.as_deref().unwrap())),
    )
    .await;
    let code = today_one["code"].as_str().unwrap();
    browser.wait_text("#day-list", code).await;
    // The clerk's page says which office it is.
    browser.wait_text("h1", "通州区婚姻登记中心").await;
    assert_eq!(
        browser.text("#place-name").await,
        "场所：通州区婚姻登记中心"
    );
    assert!(
        !browser
            .text("#day-list")
            .await
            .contains(later_one["code"].as_str().unwrap()),
        "only today's list"
    );
    // The search box has the focus: a QR scanner types the QR content and Enter; the first
    // action button gets the focus, and Enter presses it.
    let focused = browser.eval("return document.activeElement.id").await;
    assert_eq!(focused, "q", "the search box is ready for the scanner");
    browser
        .keys(&format!(
            "{}{}",
            today_one["qr_content"].as_str().unwrap(),
            enter()
        ))
        .await;
    browser.wait_text("#day-list", "查找").await;
    let focused = browser
        .eval("return document.activeElement.dataset.action")
        .await;
    assert_eq!(focused, "check-in");
    browser.keys(&enter()).await;
    browser.wait_text("#message", "签到成功").await;
    browser.wait_text("#day-list", "已签到").await;
    let focused = browser.eval("return document.activeElement.id").await;
    assert_eq!(focused, "q", "ready for the next scan");
    let (_, now) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/desk/marriage/lookup?q={code}"),
        )
        .await;
    assert_eq!(now["items"][0]["status"], "checked_in");
    browser.screenshot("clerk-check-in").await;

    // Every API error shows its Chinese message and code: a couple of another day.
    browser
        .fill("#q", later_one["code"].as_str().unwrap())
        .await;
    browser.click("#search button[type=submit]").await;
    browser
        .wait_text("#day-list", later_one["code"].as_str().unwrap())
        .await;
    browser
        .click("#day-list button[data-action=check-in]")
        .await;
    let message = browser.wait_text("#message", "marriage.wrong_state").await;
    assert!(
        message
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "a Chinese message: {message}"
    );
    browser.screenshot("clerk-error").await;
    // An ID number finds the couple too; an unknown code says so.
    browser.fill("#q", &id_number("11011219900102001")).await;
    browser.click("#search button[type=submit]").await;
    browser
        .wait_text("#day-list", later_one["code"].as_str().unwrap())
        .await;
    browser.fill("#q", "NOSUCH0").await;
    browser.click("#search button[type=submit]").await;
    browser.wait_text("#message", "request.invalid_query").await;
    browser.fill("#q", "MZ-XXXXXXXX").await;
    browser.click("#search button[type=submit]").await;
    browser.wait_text("#message", "没有找到").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_accepts_then_decides_an_application() {
    let app = spawn_app(Backend::Sqlite).await;
    let reviewer = app
        .staff("zc.reviewer", "reviewer", "street", Some("zhongcang"))
        .await;
    let own_id = id_number("11011219800101003");
    let citizen = app.verified_citizen("applicant", "申请人", &own_id).await;
    let id = ready(&app, &citizen, &own_id, "education_grant", vec![]).await;
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/applications/{id}/submit"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let browser = sign_in(
        &app,
        &reviewer.username,
        Some(totp_code_next(reviewer.totp_secret.as_deref().unwrap())),
    )
    .await;
    browser
        .click(&format!("#queue a[href='#/review/{id}']"))
        .await;
    browser.find("#materials img").await;
    // The full view opens in a dialog and Escape closes it.
    browser.click("#materials button").await;
    browser.find("dialog[open] img, dialog[open] object").await;
    browser.keys(&char::from(Key::Escape).to_string()).await;
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('dialog[open]').length")
            .await,
        0
    );

    browser.click("button[data-action=accept]").await;
    browser.wait_text("#message", "当前状态").await;
    // A decision needs its reason: the page says so before asking the server.
    browser.click("button[data-action=approve]").await;
    browser.wait_text("#message", "请先填写").await;
    browser.fill("#reason", "家庭困难属实，符合条件").await;
    browser.click("button[data-action=approve]").await;
    browser.wait_text("#message", "当前状态").await;
    browser.wait_text("#history", "家庭困难属实").await;
    browser.screenshot("reviewer-decision").await;
    let (_, app_now) = app
        .get_as(
            &reviewer.access,
            &format!("/api/v1/review/applications/{id}"),
        )
        .await;
    assert_eq!(app_now["status"], "approved");
    assert_eq!(
        app_now["history"].as_array().unwrap().last().unwrap()["note"],
        "家庭困难属实，符合条件"
    );
    browser.close().await;

    // The thumbnails the page shows: the reviewer's street only.
    let material = app_now["materials"][0]["id"].as_str().unwrap();
    let path = format!("/api/v1/review/applications/{id}/materials/{material}/thumbnail");
    let thumb = app
        .authed(reqwest::Method::GET, &path, &reviewer.access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            thumb.status().as_u16(),
            thumb.headers()["content-type"].to_str().unwrap()
        ),
        (200, "image/jpeg")
    );
    let other = app
        .staff("xh.reviewer", "reviewer", "street", Some("xinhua"))
        .await;
    assert_eq!(
        app.authed(reqwest::Method::GET, &path, &other.access)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_closes_a_day_and_changes_the_weekly_template() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.admin().await;
    let code = totp_code_next(admin.totp_secret.as_deref().unwrap());
    let browser = sign_in(&app, &admin.username, Some(code)).await;
    browser
        .goto(&format!("{}/console#/calendar", app.address))
        .await;
    browser
        .click("#resource option[value='marriage-centre']")
        .await;
    let day = next_weekday(3);
    browser
        .wait_text(
            &format!("#days[data-resource='marriage-centre:marriage'] tr[data-id='{day}']"),
            "开放",
        )
        .await;
    browser
        .find("#template[data-resource='marriage-centre:marriage'] tbody tr")
        .await;
    browser
        .eval(&format!(
            "document.querySelector('#exception-form [name=date]').value = '{day}'; return null"
        ))
        .await;
    browser
        .fill("#exception-form [name=note]", "设备检修")
        .await;
    browser.click("#exception-form button[type=submit]").await;
    browser.wait_text("#message", "已设为休息").await;
    browser
        .wait_text(
            &format!("#days[data-resource='marriage-centre:marriage'] tr[data-id='{day}']"),
            "不开放",
        )
        .await;
    let path = format!(
        "/api/v1/resources/marriage-centre/availability?business_type=marriage&from={day}&to={day}"
    );
    let after: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(after["days"][0]["state"], "closed", "{after}");

    // The weekly template: its current slots are shown; change the first one's capacity.
    browser
        .fill("#template-form tbody tr:first-child [name=capacity]", "7")
        .await;
    browser.click("#template-form button[type=submit]").await;
    browser.wait_text("#message", "每周模板已保存").await;
    let template: Value = app
        .get("/api/v1/resources/marriage-centre/templates/marriage")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(template["slots"][0]["capacity"], 7, "{template}");
    assert!(
        template["slots"].as_array().unwrap().len() > 1,
        "the other slots were kept"
    );
    browser.screenshot("admin-calendar").await;

    // The other admin pages load without an error.
    for (view, ready) in [
        ("staff", "#staff-form"),
        ("certification", "#certification .counts"),
        ("stats", "#application-stats"),
        ("desk", "#day-list"),
        ("review", "#queue"),
    ] {
        browser
            .goto(&format!("{}/console#/{view}", app.address))
            .await;
        browser.find(ready).await;
        assert_eq!(browser.text("#message").await, "", "{view}");
        browser.screenshot(&format!("admin-{view}")).await;
    }
    // A new clerk account: its first password is shown once.
    browser
        .goto(&format!("{}/console#/staff", app.address))
        .await;
    browser
        .fill("#staff-form [name=username]", "new.clerk")
        .await;
    browser
        .fill("#staff-form [name=display_name]", "新职员")
        .await;
    browser
        .fill("#staff-form [name=scope_id]", "marriage-centre")
        .await;
    browser.click("#staff-form button[type=submit]").await;
    browser.find("#first-password").await;
    browser.wait_text("#staff-list", "new.clerk").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_fonts_on_a_tablet_fit_and_nothing_leaves_the_origin() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.admin().await;
    let browser = Browser::start(800, 1200).await;
    browser.goto(&format!("{}/console", app.address)).await;
    browser.find("#sign-in").await;
    for _ in 0..3 {
        browser.click("#larger").await;
    }
    let size = browser
        .eval("return getComputedStyle(document.documentElement).fontSize")
        .await;
    assert_eq!(size, "28px", "175% of 16 px (the default is 112.5%)");
    browser
        .fill("#sign-in [name=username]", &admin.username)
        .await;
    browser
        .fill("#sign-in [name=password]", STAFF_PASSWORD)
        .await;
    browser
        .fill(
            "#sign-in [name=totp_code]",
            &totp_code_next(admin.totp_secret.as_deref().unwrap()),
        )
        .await;
    browser.click("#sign-in button[type=submit]").await;
    browser
        .goto(&format!("{}/console#/calendar", app.address))
        .await;
    browser.find("#days table").await;
    let overflow = browser
        .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        .await;
    assert_eq!(
        overflow, 0,
        "no sideways scrolling of the page (wide tables scroll in their own box)"
    );
    browser.screenshot("tablet-large-font").await;
    let foreign = browser.eval("return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin) && !n.startsWith('blob:'))").await;
    assert_eq!(foreign, json!([]), "every request stays on the server");
    browser.close().await;
}

#[tokio::test]
async fn the_console_is_served_from_the_binary_with_a_same_origin_policy() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.get("/console").await;
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("default-src 'self'"), "{policy}");
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no address elsewhere"
    );
    for (file, kind) in [("app.js", "text/javascript"), ("console.css", "text/css")] {
        let res = app.get(&format!("/console/assets/{file}")).await;
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
    }
    let missing = app.get("/console/assets/nothing.js").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    let wrong = app.post_json("/console", &json!({})).await;
    assert_eq!(wrong.status(), 405);
    // The weekly template the calendar page shows.
    let template: Value = app
        .get("/api/v1/resources/marriage-centre/templates/marriage")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        template["slots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["weekday"].as_i64().unwrap() <= 5),
        "{template}"
    );
    assert_eq!(
        app.get("/api/v1/resources/nowhere/templates/marriage")
            .await
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_clerk_changes_the_first_password_then_works() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.admin().await;
    let (status, created) = app
        .post_as(
            &admin.access,
            "/api/v1/staff-accounts",
            &json!({
        "username": "first.clerk", "display_name": "新来的", "role": "clerk",
        "scope_kind": "cemetery", "scope_id": "luhe-cemetery"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let first = created["first_password"].as_str().unwrap();
    let browser = Browser::start(1024, 768).await;
    browser.goto(&format!("{}/console", app.address)).await;
    browser
        .fill("#sign-in [name=username]", "first.clerk")
        .await;
    browser
        .fill("#sign-in [name=password]", "wrong password")
        .await;
    browser.click("#sign-in button[type=submit]").await;
    browser.wait_text("#message", "auth.").await;
    browser.fill("#sign-in [name=password]", first).await;
    browser.click("#sign-in button[type=submit]").await;
    // A mistyped current password is an error on the form, not the end of the session.
    browser
        .fill("[name=current_password]", "not the first one")
        .await;
    browser
        .fill("[name=new_password]", "a brand new passphrase")
        .await;
    browser.click("main button[type=submit]").await;
    browser.wait_text("#message", "auth.").await;
    assert_eq!(
        browser.text("#sign-in").await,
        "",
        "still signed in, still on the form"
    );
    browser.fill("[name=current_password]", first).await;
    browser
        .fill("[name=new_password]", "a brand new passphrase")
        .await;
    browser.click("main button[type=submit]").await;
    browser.wait_text("#message", "密码已修改").await;
    browser
        .fill("#sign-in [name=username]", "first.clerk")
        .await;
    browser
        .fill("#sign-in [name=password]", "a brand new passphrase")
        .await;
    browser.click("#sign-in button[type=submit]").await;
    // Every staff role sets up two-factor after the first password (clerks read
    // personal data too), then signs in with a code.
    let secret = browser.find("#totp-secret").await.text().await.unwrap();
    browser
        .fill("main [name=code]", &minzheng_tests::totp_code(&secret))
        .await;
    browser.click("main button[type=submit]").await;
    browser.wait_text("#message", "两步验证已开启").await;
    browser
        .fill("#sign-in [name=username]", "first.clerk")
        .await;
    browser
        .fill("#sign-in [name=password]", "a brand new passphrase")
        .await;
    browser
        .fill("#sign-in [name=totp_code]", &totp_code_next(&secret))
        .await;
    browser.click("#sign-in button[type=submit]").await;
    // A cemetery clerk lands on the gate's day, with the day's load.
    browser.find("#load .counts").await;
    browser.wait_text("#day-list", "祭扫预约").await;
    browser.screenshot("cemetery-clerk").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_admin_changes_the_password_sets_up_two_factor_and_signs_in_with_a_code() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.admin().await;
    let (status, created) = app.post_as(&admin.access, "/api/v1/staff-accounts", &json!({
        "username": "second.admin", "display_name": "第二管理员", "role": "admin", "scope_kind": "district"})).await;
    assert_eq!(status, 201, "{created}");
    let first = created["first_password"].as_str().unwrap();
    let browser = Browser::start(1280, 900).await;
    browser.goto(&format!("{}/console", app.address)).await;
    browser
        .fill("#sign-in [name=username]", "second.admin")
        .await;
    browser.fill("#sign-in [name=password]", first).await;
    browser.click("#sign-in button[type=submit]").await;
    browser.fill("[name=current_password]", first).await;
    browser
        .fill("[name=new_password]", "the second admin's passphrase")
        .await;
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('#nav a').length")
            .await,
        0,
        "no menu before the steps are done"
    );
    browser.click("main button[type=submit]").await;
    browser.wait_text("#message", "密码已修改").await;
    browser
        .fill("#sign-in [name=username]", "second.admin")
        .await;
    browser
        .fill("#sign-in [name=password]", "the second admin's passphrase")
        .await;
    browser.click("#sign-in button[type=submit]").await;
    // Two-factor set-up: the secret is shown to type into an authenticator app.
    let secret = browser.find("#totp-secret").await.text().await.unwrap();
    browser.screenshot("admin-totp-setup").await;
    browser
        .fill("main [name=code]", &minzheng_tests::totp_code(&secret))
        .await;
    browser.click("main button[type=submit]").await;
    browser.wait_text("#message", "两步验证已开启").await;
    browser
        .fill("#sign-in [name=username]", "second.admin")
        .await;
    browser
        .fill("#sign-in [name=password]", "the second admin's passphrase")
        .await;
    browser
        .fill("#sign-in [name=totp_code]", &totp_code_next(&secret))
        .await;
    browser.click("#sign-in button[type=submit]").await;
    browser.wait_text("#who", "第二管理员").await;
    browser.find("#day-list").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_funeral_home_clerk_confirms_one_booking_and_proposes_a_time_for_another() {
    const HOME: &str = "tongzhou-funeral-home";
    let app = spawn_app(Backend::Sqlite).await;
    let family = app
        .verified_citizen("family", "王小明", &id_number("11011219700101003"))
        .await;
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82".to_vec();
    let (_, media) = app
        .upload(&family.access, png, "image/png", "death_certificate")
        .await;
    let day = next_weekday(2);
    let path = format!(
        "/api/v1/resources/{HOME}/availability?business_type=cremation&from={day}&to={day}"
    );
    let cremation: Value = app.get(&path).await.json().await.unwrap();
    let mut ids = vec![];
    for (n, deceased) in ["11011219400101001", "11011219450202002"]
        .into_iter()
        .enumerate()
    {
        let mut body = json!({"funeral_home_id": HOME,
            "deceased": {"name": "王建国", "id_number": id_number(deceased), "date_of_death": (chrono::Utc::now() + Duration::hours(8)).date_naive().to_string(),
                "death_certificate_number": format!("B11011220261128000{n}"), "death_certificate_media_id": media["id"]},
            "cremation_slot_id": cremation["days"][0]["slots"][n]["slot_id"], "items": [{"code": "cremation"}]});
        if n == 1 {
            body["transport"] = json!({"address": "通州区中仓街道某小区 1 号楼", "requested_at": format!("{day}T07:00:00+08:00"),
                "contact_name": "王小明", "contact_phone": "13812345678"});
            body["items"] = json!([{"code": "cremation"}, {"code": "transport"}]);
        }
        let (status, booked) = app
            .post_as(&family.access, "/api/v1/funeral/bookings", &body)
            .await;
        assert_eq!(status, 201, "{booked}");
        ids.push(booked["id"].as_str().unwrap().to_owned());
    }
    let clerk = app
        .staff("home.clerk", "clerk", "funeral_home", Some(HOME))
        .await;
    let browser = sign_in(
        &app,
        "home.clerk",
        Some(totp_code_next(clerk.totp_secret.as_deref().unwrap())),
    )
    .await;
    browser.eval(&format!("const d = document.getElementById('day'); d.value = '{day}'; d.dispatchEvent(new Event('change')); return null")).await;
    browser.wait_text("#day-list", "共 2 条").await;
    browser
        .click(&format!(
            "#day-list tr[data-id='{}'] button[data-action=confirm]",
            ids[0]
        ))
        .await;
    browser.wait_text("#message", "确认成功").await;
    browser
        .wait_text(&format!("#day-list tr[data-id='{}']", ids[0]), "已确认")
        .await;
    // The second asks for transport: the home proposes another time instead.
    let at = format!("{day}T09:30");
    browser.eval(&format!("document.querySelector(\"#day-list tr[data-id='{}'] input[name=at]\").value = '{at}'; return null", ids[1])).await;
    browser
        .click(&format!("#day-list tr[data-id='{}'] form button", ids[1]))
        .await;
    browser.wait_text("#message", "已向家属提出").await;
    browser.screenshot("funeral-clerk").await;
    let (_, proposed) = app
        .get_as(
            &family.access,
            &format!("/api/v1/funeral/bookings/{}", ids[1]),
        )
        .await;
    assert_eq!(proposed["transport"]["status"], "proposed", "{proposed}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_finds_its_icon() {
    let app = spawn_app(Backend::Sqlite).await;
    let icon = app.get("/favicon.ico").await;
    assert_eq!(
        icon.status(),
        200,
        "browsers ask for /favicon.ico on every page, /docs too"
    );
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    let page = app.get("/console").await.text().await.unwrap();
    assert!(
        page.contains(r#"rel="icon" href="/console/assets/icon.svg""#),
        "{page}"
    );
    assert_eq!(app.get("/console/assets/icon.svg").await.status(), 200);
}
