//! Survival certification of transferees: the registry (admin API and the
//! `import-transferees` command), the cycle (reminders, suspension, back pay,
//! exemption), the WeChat way against the fake WeChat with every failure, the FaceID way
//! against a fake that checks the TC3 signature, proxies, consent, manual review, staff
//! scope and statistics. Desk comparisons on test faces are in `certification_face.rs`.
use minzheng_tests::Backend;
use std::time::Duration;

use chrono::Datelike;
use minzheng_tests::peers::{self, FACE_ERR_CERT_HASH_MISMATCH, FakeSms, FakeWechat};
use minzheng_tests::{
    CitizenLogin, TestApp, id_number, on_both_backends, spawn_app, spawn_app_with,
};
use serde_json::{Value, json};

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// A transferee in the registry (made by an admin), with the ID number.
async fn transferee(
    app: &TestApp,
    admin: &str,
    name: &str,
    first17: &str,
    street: &str,
) -> (String, String) {
    let number = id_number(first17);
    let (status, body) = app
        .post_as(admin, "/api/v1/certification/transferees", &json!({"name": name, "id_number": number, "street_id": street, "village": "前北营村", "phone": "13800138000"}))
        .await;
    assert_eq!(status, 201, "{body}");
    (body["id"].as_str().unwrap().to_owned(), number)
}

/// The transferee's own WeChat account (real name verified), with face consent given.
async fn own_account(
    app: &TestApp,
    login: &str,
    name: &str,
    number: &str,
    id: &str,
) -> CitizenLogin {
    let citizen = app.verified_citizen(login, name, number).await;
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/certification/transferees/{id}/face-consent"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["face_consent"], true);
    citizen
}

/// Starts a WeChat face verification; the verify id and the attempt id.
async fn start_wechat(app: &TestApp, token: &str, id: &str) -> (u16, Value) {
    app.post_as(
        token,
        &format!("/api/v1/certification/transferees/{id}/wechat-verifications"),
        &json!({}),
    )
    .await
}

async fn wechat_round(app: &TestApp, token: &str, id: &str, verify_ret: i64) -> (u16, Value) {
    let (status, started) = start_wechat(app, token, id).await;
    assert_eq!(status, 201, "{started}");
    app.wechat
        .finish_face(started["verify_id"].as_str().unwrap(), verify_ret);
    confirm(app, token, started["attempt_id"].as_str().unwrap()).await
}

async fn confirm(app: &TestApp, token: &str, attempt: &str) -> (u16, Value) {
    app.post_as(
        token,
        &format!("/api/v1/certification/attempts/{attempt}/confirm"),
        &json!({}),
    )
    .await
}

fn expected_cert_hash(name: &str, number: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    let text = format!(
        "cert_type={}&cert_name={}&cert_no={}",
        b64("IDENTITY_CARD"),
        b64(name),
        b64(number)
    );
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// Runs a sweep as the admin does: the job is accepted (202), then polled until done;
/// its counts.
async fn sweep(app: &TestApp, admin: &str) -> Value {
    let (status, job) = app
        .post_as(admin, "/api/v1/certification/sweeps", &json!({}))
        .await;
    assert_eq!(
        (status, job["kind"].as_str()),
        (202, Some("certification_sweep")),
        "{job}"
    );
    wait_for_job(app, admin, job["id"].as_str().unwrap()).await["result"].clone()
}

/// Sets a window as the admin does: accepted (202, with the job's address), then polled
/// until done; the finished job.
async fn window(app: &TestApp, admin: &str, body: Value) -> Value {
    let res = app
        .authed(reqwest::Method::POST, "/api/v1/certification/window", admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let job: Value = res.json().await.unwrap();
    assert_eq!(
        (job["kind"].as_str(), location),
        (
            Some("certification_window"),
            format!("/api/v1/jobs/{}", job["id"].as_str().unwrap())
        ),
        "{job}"
    );
    wait_for_job(app, admin, job["id"].as_str().unwrap()).await
}

async fn wait_for_job(app: &TestApp, admin: &str, id: &str) -> Value {
    for _ in 0..600 {
        let (status, job) = app.get_as(admin, &format!("/api/v1/jobs/{id}")).await;
        assert_eq!(status, 200, "{job}");
        match job["status"].as_str() {
            Some("done") => return job,
            Some("failed") => panic!("the job failed: {job}"),
            _ => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    panic!("the job {id} did not finish");
}

async fn patch(app: &TestApp, admin: &str, id: &str, body: Value) -> Value {
    let res = app
        .authed(
            reqwest::Method::PATCH,
            &format!("/api/v1/certification/transferees/{id}"),
            admin,
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

async fn wechat_messages(wechat: &FakeWechat, openid: &str) -> Vec<Value> {
    wechat
        .sent
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m["touser"] == openid && m["template_id"] == "tmpl-certification")
        .cloned()
        .collect()
}

async fn wait_for_messages(wechat: &FakeWechat, openid: &str, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let got = wechat_messages(wechat, openid).await;
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wechat_messages(wechat, openid).await
}

/// An app whose SMS go to a fake Tencent Cloud SMS, with an approved certification
/// template (`{1}` the state in 5 characters, `{2}` the due date) and `cap` notice SMS a
/// day per number.
async fn sms_notice_app(backend: minzheng_tests::Backend, cap: u32) -> (TestApp, FakeSms) {
    let sms = peers::fake_sms().await;
    sms.approve_template("3000001", &[5, 12]);
    let endpoint = sms.address.clone();
    let app = spawn_app_with(backend, move |c| {
        c.sms_app_id = Some(peers::SMS_APP_ID.into());
        c.sms_endpoint = endpoint;
        c.sms_sign_name = peers::SMS_SIGN_NAME.into();
        c.sms_templates.get_mut("sign_in_code").unwrap().id = peers::SMS_CODE_TEMPLATE.into();
        let template = minzheng::config::SmsTemplate {
            id: "3000001".into(),
            param_limits: vec![5, 12],
            params: vec!["phrase2".into(), "date3".into()],
        };
        c.sms_templates.insert("certification".into(), template);
        c.sms_daily_cap_per_number = cap;
    })
    .await;
    (app, sms)
}

/// The desk's list of the transferee's notices once `n` of them are no longer pending.
async fn settled_notices(app: &TestApp, staff: &str, id: &str, n: usize) -> Vec<Value> {
    let path = format!("/api/v1/certification/transferees/{id}/notices");
    for _ in 0..100 {
        let (status, body) = app.get_as(staff, &path).await;
        assert_eq!(status, 200, "{body}");
        let items = body["items"].as_array().unwrap().clone();
        if items.len() >= n && items.iter().all(|m| m["status"] != "pending") {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{n} settled notices expected");
}

async fn a_transferee_without_an_account_is_reminded_by_sms_and_the_desk_sees_it(backend: Backend) {
    let (app, sms) = sms_notice_app(backend, 1).await;
    let admin = app.admin().await;
    let (id, number) = transferee(
        &app,
        &admin.access,
        "陈大山",
        "11011219420101007",
        "yongshun",
    )
    .await;
    patch(
        &app,
        &admin.access,
        &id,
        json!({"due_on": today() + chrono::Duration::days(10)}),
    )
    .await;
    assert_eq!(sweep(&app, &admin.access).await["reminded_before"], 1);
    let clerk = app
        .staff("yongshun.clerk", "clerk", "street", Some("yongshun"))
        .await;
    let items = settled_notices(&app, &clerk.access, &id, 1).await;
    assert_eq!(
        (items[0]["channel"].as_str(), items[0]["status"].as_str()),
        (Some("sms"), Some("sent")),
        "{items:?}"
    );
    assert_eq!(
        (
            items[0]["recipient"].as_str(),
            items[0]["to_account"].as_str()
        ),
        (Some("+86 138****8000"), None)
    );
    let delivered = sms.delivered();
    assert_eq!(
        (
            delivered.len(),
            delivered[0].phone.as_str(),
            delivered[0].template_id.as_str()
        ),
        (1, "+8613800138000", "3000001")
    );
    let due = (today() + chrono::Duration::days(10))
        .format("%Y年%-m月%-d日")
        .to_string();
    assert_eq!(delivered[0].params[1], due);
    // The number's daily cap (1 here): the next notice is given up, and the desk sees why.
    patch(&app, &admin.access, &id, json!({"due_on": today()})).await;
    assert_eq!(sweep(&app, &admin.access).await["reminded_on"], 1);
    let items = settled_notices(&app, &clerk.access, &id, 2).await;
    assert_eq!(items[0]["status"], "failed", "{items:?}");
    assert!(
        items[0]["failure"].as_str().unwrap().contains("cap"),
        "{items:?}"
    );
    assert_eq!(sms.delivered().len(), 1);
    // Once the transferee has an account on WeChat, notices go there instead.
    let own = own_account(&app, "chendashan", "陈大山", &number, &id).await;
    patch(
        &app,
        &admin.access,
        &id,
        json!({"due_on": today() - chrono::Duration::days(40)}),
    )
    .await;
    assert_eq!(sweep(&app, &admin.access).await["suspended"], 1);
    let items = settled_notices(&app, &clerk.access, &id, 3).await;
    assert_eq!(
        (
            items[0]["channel"].as_str(),
            items[0]["to_account"].as_str()
        ),
        (Some("wechat"), Some(own.id.as_str())),
        "{items:?}"
    );
    assert_eq!(sms.delivered().len(), 1, "one channel a notice");
    let other = app
        .staff("songzhuang.clerk", "clerk", "street", Some("songzhuang"))
        .await;
    assert_eq!(
        app.get_as(
            &other.access,
            &format!("/api/v1/certification/transferees/{id}/notices")
        )
        .await
        .0,
        403
    );
    assert_eq!(sms.signature_failures(), 0);
}

async fn the_registry_takes_single_records_and_refuses_bad_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, number) =
        transferee(&app, &admin.access, "张三", "11011219500101001", "yongshun").await;
    let (status, body) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{id}"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "张*");
    assert_eq!(
        body["id_number"],
        format!("{}***********{}", &number[..3], &number[14..])
    );
    assert_eq!(
        body["status"], "due",
        "a new record is due within one notice period: {body}"
    );
    assert!(
        !body.to_string().contains(&number),
        "never the full ID number"
    );

    let again =
        json!({"name": "张三", "id_number": number, "street_id": "永顺镇", "village": "前北营村"});
    let (status, body) = app
        .post_as(&admin.access, "/api/v1/certification/transferees", &again)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("certification.transferee_exists")),
        "{body}"
    );
    let bad_id = json!({"name": "李四", "id_number": "110112195001010010", "street_id": "yongshun", "village": "前北营村"});
    let (status, body) = app
        .post_as(&admin.access, "/api/v1/certification/transferees", &bad_id)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("identity.id_number_invalid")),
        "{body}"
    );
    let bad_street = json!({"name": "李四", "id_number": id_number("11011219500101002"), "street_id": "atlantis", "village": "前北营村"});
    let (status, body) = app
        .post_as(
            &admin.access,
            "/api/v1/certification/transferees",
            &bad_street,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("certification.unknown_street")),
        "{body}"
    );
    let bad_phone = json!({"name": "李四", "id_number": id_number("11011219500101002"), "street_id": "yongshun", "village": "前北营村", "phone": "12"});
    let (status, body) = app
        .post_as(
            &admin.access,
            "/api/v1/certification/transferees",
            &bad_phone,
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("phone")),
        "{body}"
    );

    // Street staff: their street only; clerks cannot add records.
    let clerk = app
        .staff("yongshun.clerk", "clerk", "street", Some("yongshun"))
        .await;
    let other = app
        .staff("lucheng.clerk", "clerk", "street", Some("lucheng"))
        .await;
    let (status, _) = app
        .post_as(
            &clerk.access,
            "/api/v1/certification/transferees",
            &bad_phone,
        )
        .await;
    assert_eq!(status, 403);
    let (status, page) = app
        .get_as(&clerk.access, "/api/v1/certification/transferees")
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (status, page) = app
        .get_as(&other.access, "/api/v1/certification/transferees")
        .await;
    assert_eq!((status, page["items"].as_array().unwrap().len()), (200, 0));
    let (status, _) = app
        .get_as(
            &other.access,
            &format!("/api/v1/certification/transferees/{id}"),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .get_as(
            &other.access,
            "/api/v1/certification/transferees?street=yongshun",
        )
        .await;
    assert_eq!(status, 403);
    let (status, found) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/certification/transferees?id_number={number}"),
        )
        .await;
    assert_eq!(
        (status, found["items"][0]["id"].as_str()),
        (200, Some(id.as_str())),
        "{found}"
    );
}

async fn the_wechat_way_certifies_once_for_this_transferee(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, number) = transferee(
        &app,
        &admin.access,
        "王秀英",
        "11011219480302002",
        "yongshun",
    )
    .await;
    let citizen = app
        .citizen_with_real_name("wangxiuying", "王秀英", &number)
        .await;
    // Consent first: no face check without it.
    let (status, body) = start_wechat(&app, &citizen.access, &id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.face_consent_required")),
        "{body}"
    );
    let (status, _) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/certification/transferees/{id}/face-consent"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, mine) = app
        .get_as(&citizen.access, "/api/v1/certification/mine")
        .await;
    assert_eq!(status, 200);
    assert_eq!(mine["items"][0]["as_proxy"], false);
    assert_eq!(mine["items"][0]["transferee"]["id"], id.as_str());

    let (status, started) = start_wechat(&app, &citizen.access, &id).await;
    assert_eq!(status, 201, "{started}");
    let verify_id = started["verify_id"].as_str().unwrap();
    app.wechat.finish_face(verify_id, 10000);
    let attempt = started["attempt_id"].as_str().unwrap();
    let (status, done) = confirm(&app, &citizen.access, attempt).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["via"], "wechat");
    assert_eq!(done["by_proxy"], false);
    assert_eq!(
        done["next_due_on"],
        (today().checked_add_months(chrono::Months::new(12)).unwrap()).to_string()
    );
    // What WeChat was sent: the registry's identity, the caller's openid, the hash.
    let calls = app.wechat.face_calls();
    let get = calls.iter().find(|c| c.api == "getverifyid").unwrap();
    assert_eq!(get.body["cert_info"]["cert_name"], "王秀英");
    assert_eq!(get.body["cert_info"]["cert_no"], number.as_str());
    assert_eq!(get.body["openid"], "openid-wangxiuying");
    let query = calls.iter().find(|c| c.api == "queryverifyinfo").unwrap();
    assert_eq!(
        query.body["cert_hash"],
        expected_cert_hash("王秀英", &number).as_str()
    );
    assert_eq!(query.body["out_seq_no"], get.body["out_seq_no"]);
    // Once: a replay is refused and WeChat is not asked again.
    let (status, body) = confirm(&app, &citizen.access, attempt).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("certification.attempt_used")),
        "{body}"
    );
    assert_eq!(
        app.wechat
            .face_calls()
            .iter()
            .filter(|c| c.api == "queryverifyinfo")
            .count(),
        1
    );
    let (_, record) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{id}"),
        )
        .await;
    assert_eq!(
        (
            record["status"].as_str(),
            record["last_certified_via"].as_str()
        ),
        (Some("certified"), Some("wechat")),
        "{record}"
    );
    // A passed check of one's own face verifies one's real name too.
    let (_, me) = app
        .get_as(&citizen.access, "/api/v1/identity/real-name")
        .await;
    assert_eq!(me["status"], "verified", "{me}");
    // Someone unrelated may do nothing with this transferee.
    let stranger = app.citizen("stranger").await;
    let (status, body) = start_wechat(&app, &stranger.access, &id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.not_your_transferee")),
        "{body}"
    );
}

async fn every_wechat_failure_has_its_own_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, number) = transferee(
        &app,
        &admin.access,
        "刘桂兰",
        "11011219450101003",
        "yongshun",
    )
    .await;
    let citizen = own_account(&app, "liuguilan", "刘桂兰", &number, &id).await;
    for (ret, status, code) in [
        (90003, 422, "certification.face_cancelled"),
        (90017, 422, "certification.face_timeout"),
        (90199, 502, "certification.provider_error"),
    ] {
        let (got, body) = wechat_round(&app, &citizen.access, &id, ret).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some(code)),
            "verify_ret {ret}: {body}"
        );
    }
    // A changed registry name after the start: WeChat refuses the hash.
    let (_, started) = start_wechat(&app, &citizen.access, &id).await;
    app.wechat
        .finish_face(started["verify_id"].as_str().unwrap(), 10000);
    patch(&app, &admin.access, &id, json!({"name": "刘桂芝"})).await;
    let (status, body) = confirm(
        &app,
        &citizen.access,
        started["attempt_id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("certification.provider_rejected")),
        "{body}"
    );
    let last = app
        .wechat
        .face_calls()
        .into_iter()
        .rev()
        .find(|c| c.api == "queryverifyinfo")
        .unwrap();
    assert_eq!(last.answer["errcode"], FACE_ERR_CERT_HASH_MISMATCH);
    patch(&app, &admin.access, &id, json!({"name": "刘桂兰"})).await;
    // Daily limit (5): four used above, one left.
    let (status, started) = start_wechat(&app, &citizen.access, &id).await;
    assert_eq!(status, 201, "{started}");
    let (status, body) = start_wechat(&app, &citizen.access, &id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("certification.attempts_exhausted")),
        "{body}"
    );
    // Another account cannot confirm this attempt (wrong openid).
    let other = app.citizen("intruder").await;
    let (status, body) =
        confirm(&app, &other.access, started["attempt_id"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.attempt_not_yours")),
        "{body}"
    );
    let (_, record) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{id}"),
        )
        .await;
    assert_eq!(
        record["failed_attempts"], 0,
        "cancels, timeouts and provider faults are not failed faces: {record}"
    );
}

async fn an_expired_verification_is_refused_without_asking_wechat(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, number) =
        transferee(&app, &admin.access, "赵明", "11011219470101004", "yongshun").await;
    let citizen = own_account(&app, "zhaoming", "赵明", &number, &id).await;
    app.wechat.set_verify_expires_in(1);
    let (_, started) = start_wechat(&app, &citizen.access, &id).await;
    app.wechat
        .finish_face(started["verify_id"].as_str().unwrap(), 10000);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, body) = confirm(
        &app,
        &citizen.access,
        started["attempt_id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("certification.verification_expired")),
        "{body}"
    );
    assert_eq!(
        app.wechat
            .face_calls()
            .iter()
            .filter(|c| c.api == "queryverifyinfo")
            .count(),
        0
    );
}

async fn three_failed_faces_open_a_manual_review(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, number) =
        transferee(&app, &admin.access, "孙丽", "11011219490101005", "yongshun").await;
    let citizen = own_account(&app, "sunli", "孙丽", &number, &id).await;
    for _ in 0..3 {
        let (status, body) = wechat_round(&app, &citizen.access, &id, 90100).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("certification.face_not_matched")),
            "{body}"
        );
    }
    let (status, body) = start_wechat(&app, &citizen.access, &id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("certification.review_pending")),
        "{body}"
    );
    let reviewer = app
        .staff("yongshun.reviewer", "reviewer", "street", Some("yongshun"))
        .await;
    let clerk = app
        .staff("yongshun.clerk", "clerk", "street", Some("yongshun"))
        .await;
    let far = app
        .staff("lucheng.reviewer", "reviewer", "street", Some("lucheng"))
        .await;
    let (status, queue) = app
        .get_as(&reviewer.access, "/api/v1/certification/reviews")
        .await;
    assert_eq!(status, 200, "{queue}");
    let review = queue["items"][0].clone();
    assert_eq!(
        (review["reason"].as_str(), review["transferee_id"].as_str()),
        (Some("failed_attempts"), Some(id.as_str())),
        "{queue}"
    );
    let path = format!(
        "/api/v1/certification/reviews/{}/decision",
        review["id"].as_str().unwrap()
    );
    let decision = json!({"approve": true, "reason": "社区工作人员上门核实本人健在"});
    let (status, _) = app.post_as(&clerk.access, &path, &decision).await;
    assert_eq!(status, 403, "clerks do not decide");
    let (status, _) = app.post_as(&far.access, &path, &decision).await;
    assert_eq!(status, 404, "another street's review is not found");
    let (status, body) = app
        .post_as(
            &reviewer.access,
            &path,
            &json!({"approve": true, "reason": " "}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, decided) = app.post_as(&reviewer.access, &path, &decision).await;
    assert_eq!(
        (status, decided["status"].as_str()),
        (200, Some("approved")),
        "{decided}"
    );
    let (status, body) = app.post_as(&reviewer.access, &path, &decision).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("certification.review_decided"))
    );
    let (_, record) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{id}"),
        )
        .await;
    assert_eq!(
        (
            record["last_certified_via"].as_str(),
            record["failed_attempts"].as_i64(),
            record["review_open"].as_bool()
        ),
        (Some("manual_review"), Some(0), Some(false)),
        "{record}"
    );
}

async fn withdrawn_consent_leaves_review_and_home_visit(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, number) =
        transferee(&app, &admin.access, "周强", "11011219460101006", "yongshun").await;
    let citizen = own_account(&app, "zhouqiang", "周强", &number, &id).await;
    let (status, body) = app
        .delete_as(
            &citizen.access,
            &format!("/api/v1/certification/transferees/{id}/face-consent"),
        )
        .await;
    assert_eq!(
        (status, body["face_consent"].as_bool()),
        (200, Some(false)),
        "{body}"
    );
    let (status, body) = start_wechat(&app, &citizen.access, &id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.face_consent_required"))
    );
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/certification/transferees/{id}/faceid-verifications"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.face_consent_required"))
    );
    let (status, review) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/certification/transferees/{id}/reviews"),
            &json!({"note": "不愿使用人脸识别"}),
        )
        .await;
    assert_eq!(
        (status, review["reason"].as_str()),
        (201, Some("requested")),
        "{review}"
    );
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/certification/transferees/{id}/reviews"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("certification.review_pending"))
    );
    // A home visit certifies without a face; the desk comparison needs consent.
    let clerk = app
        .staff("yongshun.clerk", "clerk", "street", Some("yongshun"))
        .await;
    let far = app
        .staff("lucheng.clerk", "clerk", "street", Some("lucheng"))
        .await;
    let (status, _) = app
        .post_as(
            &far.access,
            &format!("/api/v1/desk/certification/transferees/{id}/home-visits"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, done) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/certification/transferees/{id}/home-visits"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, done["via"].as_str()),
        (201, Some("home_visit")),
        "{done}"
    );
    // The certification answers the open review: it leaves the queue and blocks nothing.
    let (_, record) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{id}"),
        )
        .await;
    assert_eq!(record["review_open"].as_bool(), Some(false), "{record}");
    let reviewer = app
        .staff("yongshun.reviewer", "reviewer", "street", Some("yongshun"))
        .await;
    let (_, queue) = app
        .get_as(&reviewer.access, "/api/v1/certification/reviews")
        .await;
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(0), "{queue}");
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/certification/transferees/{id}/reviews"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "a new review may be asked for: {body}");
}

async fn a_window_makes_a_street_due_on_one_date(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (here, _) = transferee(&app, &admin.access, "韩梅", "11011219480101003", "yongshun").await;
    let (there, _) = transferee(&app, &admin.access, "韩雪", "11011219480101004", "lucheng").await;
    let due_on = today() + chrono::Duration::days(60);
    let reviewer = app
        .staff("district.reviewer", "reviewer", "district", None)
        .await;
    assert_eq!(
        app.post_as(
            &reviewer.access,
            "/api/v1/certification/window",
            &json!({"due_on": due_on, "street_id": "yongshun"})
        )
        .await
        .0,
        403
    );
    let (status, body) = app
        .post_as(
            &admin.access,
            "/api/v1/certification/window",
            &json!({"due_on": today(), "street_id": "yongshun"}),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("due_on")),
        "{body}"
    );
    let (status, body) = app
        .post_as(
            &admin.access,
            "/api/v1/certification/window",
            &json!({"due_on": due_on, "street_id": "atlantis"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("certification.unknown_street"))
    );
    let moved = window(
        &app,
        &admin.access,
        json!({"due_on": due_on, "street_id": "yongshun"}),
    )
    .await;
    assert_eq!(moved["result"]["moved"], 1, "{moved}");
    let (_, record) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{here}"),
        )
        .await;
    assert_eq!(record["due_on"], due_on.to_string());
    let (_, record) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{there}"),
        )
        .await;
    assert_ne!(
        record["due_on"],
        due_on.to_string(),
        "another street keeps its date"
    );
    let moved = window(&app, &admin.access, json!({"due_on": due_on})).await;
    assert_eq!(
        moved["result"]["moved"], 1,
        "the whole district, where not due on the date yet: {moved}"
    );
    let (_, record) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{there}"),
        )
        .await;
    assert_eq!(record["due_on"], due_on.to_string());
    let again = window(&app, &admin.access, json!({"due_on": due_on})).await;
    assert_eq!(
        (again["result"]["moved"].as_u64(), again["total"].as_i64()),
        (Some(0), Some(0)),
        "nobody moves twice: {again}"
    );
}

/// A window over more records than one batch, and one left by a runner that died
/// part-way: taken up again by the sweeper, it moves the rest and counts on from
/// what the dead runner reported.
async fn a_window_runs_in_batches_and_resumes_after_a_crash(backend: Backend) {
    let app = minzheng_tests::spawn_app_with(backend, |c| c.sweep_interval_secs = 1).await;
    let admin = app.admin().await;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
    let sealer = minzheng::platform::crypto::Sealer::new(&minzheng_tests::test_secrets());
    let rows: Vec<entity::transferee::ActiveModel> = (0..2500)
        .map(|n| {
            let number = id_number(&format!(
                "11011219{}{:02}{:02}{:03}",
                30 + n / 336,
                n / 28 % 12 + 1,
                n % 28 + 1,
                100 + n % 336
            ));
            let t = minzheng::certification::registry::NewTransferee {
                name: "韩梅".into(),
                id_number: minzheng::identity::domain::IdNumber::parse(&number, today()).unwrap(),
                street_id: "yongshun".into(),
                village: "东村".into(),
                phone: None,
                due_on: None,
            };
            minzheng::certification::registry::active(
                &sealer,
                &t,
                today() + chrono::Duration::days(30),
            )
        })
        .collect();
    for chunk in rows.chunks(500) {
        entity::transferee::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .unwrap();
    }
    let due_on = today() + chrono::Duration::days(90);
    let job = window(&app, &admin.access, json!({"due_on": due_on})).await;
    assert_eq!(
        (
            job["result"]["moved"].as_u64(),
            job["done"].as_i64(),
            job["total"].as_i64()
        ),
        (Some(2500), Some(2500), Some(2500)),
        "{job}"
    );
    // A runner that died after its first batch of a window to another date.
    let later = today() + chrono::Duration::days(120);
    let stale = chrono::Utc::now() - chrono::Duration::minutes(2);
    let first: Vec<uuid::Uuid> = entity::transferee::Entity::find()
        .order_by_asc(entity::transferee::Column::Id)
        .limit(1000)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    entity::transferee::Entity::update_many()
        .col_expr(entity::transferee::Column::DueOn, Expr::value(later))
        .filter(entity::transferee::Column::Id.is_in(first))
        .exec(&app.db)
        .await
        .unwrap();
    let dead = uuid::Uuid::now_v7();
    use sea_orm::ActiveValue::Set;
    entity::job::Entity::insert(entity::job::ActiveModel {
        id: Set(dead),
        kind: Set("certification_window".into()),
        status: Set("running".into()),
        params: Set(
            json!({"due_on": later, "street": null, "admin": admin.id, "request_id": null})
                .to_string(),
        ),
        done: Set(1000),
        total: Set(Some(2500)),
        result: Set(Some(json!({"moved": 1000}).to_string())),
        error: Set(None),
        attempts: Set(1),
        created_by: Set(None),
        created_at: Set(stale),
        heartbeat_at: Set(stale),
        finished_at: Set(None),
    })
    .exec(&app.db)
    .await
    .unwrap();
    let resumed = wait_for_job(&app, &admin.access, &dead.to_string()).await;
    assert_eq!(
        (
            resumed["result"]["moved"].as_u64(),
            resumed["done"].as_i64()
        ),
        (Some(2500), Some(2500)),
        "{resumed}"
    );
    let still = entity::transferee::Entity::find()
        .filter(entity::transferee::Column::DueOn.ne(later))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(still, 0, "everyone is due on the later date");
}

/// Anyone may bind a transferee's ID number as their real name; until a face check
/// verifies it, that account may only consent and try.
async fn an_unverified_claim_may_only_consent_and_try_a_face(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, number) =
        transferee(&app, &admin.access, "郑华", "11011219470101007", "yongshun").await;
    let claimant = app
        .citizen_with_real_name("zhenghua", "郑华", &number)
        .await;
    let consent = format!("/api/v1/certification/transferees/{id}/face-consent");
    let (status, _) = app.post_as(&claimant.access, &consent, &json!({})).await;
    assert_eq!(status, 200);
    let (status, body) = app.delete_as(&claimant.access, &consent).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("identity.real_name_unverified")),
        "{body}"
    );
    let (status, body) = app
        .post_as(
            &claimant.access,
            &format!("/api/v1/certification/transferees/{id}/reviews"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("identity.real_name_unverified")),
        "{body}"
    );
    // Failing on purpose opens no review for the real transferee.
    for _ in 0..3 {
        let (status, body) = wechat_round(&app, &claimant.access, &id, 90100).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("certification.face_not_matched")),
            "{body}"
        );
    }
    let (_, record) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{id}"),
        )
        .await;
    assert_eq!(
        (
            record["review_open"].as_bool(),
            record["failed_attempts"].as_i64()
        ),
        (Some(false), Some(0)),
        "{record}"
    );
    // The transferee's own face verifies the account; then it speaks for them.
    let (status, body) = wechat_round(&app, &claimant.access, &id, 10000).await;
    assert_eq!(status, 200, "{body}");
    let (_, real_name) = app
        .get_as(&claimant.access, "/api/v1/identity/real-name")
        .await;
    assert_eq!(real_name["status"], "verified", "{real_name}");
    let (status, body) = app.delete_as(&claimant.access, &consent).await;
    assert_eq!(
        (status, body["face_consent"].as_bool()),
        (200, Some(false)),
        "{body}"
    );
}

async fn an_unverified_claimant_spends_only_their_own_face_attempts(backend: Backend) {
    let app = spawn_app(backend).await;
    minzheng_tests::with_room_in_window(86_400, 120).await;
    let admin = app.admin().await;
    let (id, number) = transferee(
        &app,
        &admin.access,
        "冯秀英",
        "11011219470101008",
        "yongshun",
    )
    .await;
    let stranger = app
        .citizen_with_real_name("stranger", "冯秀英", &number)
        .await;
    let consent = format!("/api/v1/certification/transferees/{id}/face-consent");
    assert_eq!(
        app.post_as(&stranger.access, &consent, &json!({})).await.0,
        200
    );
    for n in 0..5 {
        let (status, body) = start_wechat(&app, &stranger.access, &id).await;
        assert_eq!(status, 201, "the claimant's attempt {n}: {body}");
    }
    let (status, body) = start_wechat(&app, &stranger.access, &id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("certification.attempts_exhausted")),
        "{body}"
    );
    // The transferee's own budget (for their verified account and proxies) is untouched.
    use sea_orm::EntityTrait;
    let row = entity::transferee::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.attempts_that_day, 0, "{row:?}");
}

async fn the_faceid_way_is_signed_and_checked(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, number) =
        transferee(&app, &admin.access, "吴芳", "11011219510101007", "yongshun").await;
    let citizen = own_account(&app, "wufang", "吴芳", &number, &id).await;
    let start = format!("/api/v1/certification/transferees/{id}/faceid-verifications");
    let (status, started) = app.post_as(&citizen.access, &start, &json!({})).await;
    assert_eq!(status, 201, "{started}");
    let token = started["face_id_token"].as_str().unwrap();
    app.faceid.finish(token, "-1101", 31.0);
    let (status, body) = confirm(
        &app,
        &citizen.access,
        started["attempt_id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("certification.face_not_matched")),
        "{body}"
    );
    let (_, started) = app.post_as(&citizen.access, &start, &json!({})).await;
    app.faceid
        .finish(started["face_id_token"].as_str().unwrap(), "0", 92.5);
    let (status, done) = confirm(
        &app,
        &citizen.access,
        started["attempt_id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (status, done["via"].as_str()),
        (200, Some("faceid")),
        "{done}"
    );
    assert_eq!(
        app.faceid.signature_failures(),
        0,
        "every request carried a valid TC3 signature"
    );
    let calls = app.faceid.calls();
    let token_call = calls.iter().find(|c| c.action == "GetFaceIdToken").unwrap();
    assert_eq!(
        (
            token_call.body["IdCard"].as_str(),
            token_call.body["Name"].as_str(),
            token_call.body["CompareLib"].as_str()
        ),
        (Some(number.as_str()), Some("吴芳"), Some("BUSINESS"))
    );
    // The provider-neutral record: provider, session, result code, score; no image.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let attempts = entity::face_attempt::Entity::find()
        .filter(entity::face_attempt::Column::TransfereeId.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .all(&app.db)
        .await
        .unwrap();
    let codes: Vec<_> = attempts
        .iter()
        .map(|a| (a.provider.as_str(), a.result_code.as_deref(), a.passed))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("faceid", Some("-1101"), Some(false)),
            ("faceid", Some("0"), Some(true))
        ]
    );
    assert_eq!(attempts[1].score, Some(92.5));
}

async fn a_proxy_certifies_with_the_transferees_face(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, number) = transferee(
        &app,
        &admin.access,
        "郑国华",
        "11011219440101008",
        "yongshun",
    )
    .await;
    let elder = own_account(&app, "zhengguohua", "郑国华", &number, &id).await;
    let son_number = id_number("11011219750101009");
    let son = app
        .verified_citizen("zhengson", "郑小华", &son_number)
        .await;
    let (status, body) = app.post_as(&elder.access, "/api/v1/identity/proxies", &json!({"proxy_name": "郑小华", "proxy_id_number": son_number, "relation": "child", "services": ["survival_certification"]})).await;
    assert_eq!(status, 201, "{body}");
    let (_, mine) = app.get_as(&son.access, "/api/v1/certification/mine").await;
    assert_eq!(
        (
            mine["items"][0]["as_proxy"].as_bool(),
            mine["items"][0]["transferee"]["id"].as_str()
        ),
        (Some(true), Some(id.as_str())),
        "{mine}"
    );
    // A relative cannot consent to someone else's face processing.
    let (status, body) = app
        .post_as(
            &son.access,
            &format!("/api/v1/certification/transferees/{id}/face-consent"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.consent_by_transferee_only"))
    );
    let (status, done) = wechat_round(&app, &son.access, &id, 10000).await;
    assert_eq!(
        (status, done["by_proxy"].as_bool()),
        (200, Some(true)),
        "{done}"
    );
    let get = app
        .wechat
        .face_calls()
        .into_iter()
        .find(|c| c.api == "getverifyid")
        .unwrap();
    assert_eq!(
        (
            get.body["openid"].as_str(),
            get.body["cert_info"]["cert_name"].as_str()
        ),
        (Some("openid-zhengson"), Some("郑国华")),
        "the proxy's phone, the transferee's face"
    );

    // A transferee without an account: the desk records the paper consent and the proxy.
    let (lone, _) = transferee(
        &app,
        &admin.access,
        "冯兰英",
        "11011219430101001",
        "yongshun",
    )
    .await;
    let clerk = app
        .staff("yongshun.clerk", "clerk", "street", Some("yongshun"))
        .await;
    let (status, body) = app.post_as(&clerk.access, &format!("/api/v1/certification/transferees/{lone}/proxies"), &json!({"proxy_name": "郑小华", "proxy_id_number": son_number, "relation": "other_relative"})).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/certification/transferees/{lone}/face-consent"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["face_consent"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    let (status, done) = wechat_round(&app, &son.access, &lone, 10000).await;
    assert_eq!(
        (status, done["by_proxy"].as_bool()),
        (200, Some(true)),
        "{done}"
    );
    // Revoking the online consent ends the first proxy.
    let (_, list) = app.get_as(&elder.access, "/api/v1/identity/proxies").await;
    let consent = list["items"][0]["id"].as_str().unwrap();
    let (status, _) = app
        .post_as(
            &elder.access,
            &format!("/api/v1/identity/proxies/{consent}/revoke"),
            &json!({}),
        )
        .await;
    assert!(status == 200 || status == 204, "{status}");
    let (status, body) = start_wechat(&app, &son.access, &id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.not_your_transferee"))
    );

    // Street staff see how to reach each: the phone and the linked accounts.
    let (status, reach) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/certification/transferees/{id}/contact"),
        )
        .await;
    assert_eq!(
        (status, reach["phone"].as_str()),
        (200, Some("13800138000")),
        "{reach}"
    );
    let links: Vec<(&str, &str)> = reach["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["citizen_id"].as_str().unwrap(),
                a["link"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        links,
        vec![(elder.id.as_str(), "own")],
        "the revoked online proxy is gone: {reach}"
    );
    let (_, reach) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/certification/transferees/{lone}/contact"),
        )
        .await;
    assert_eq!(reach["accounts"][0]["link"], "proxy", "{reach}");
    assert_eq!(
        app.get_as(
            &app.staff("lucheng.x", "clerk", "street", Some("lucheng"))
                .await
                .access,
            &format!("/api/v1/certification/transferees/{id}/contact")
        )
        .await
        .0,
        403
    );

    // Staff see who certified, and list and revoke the recorded relative.
    let (status, history) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/certification/transferees/{lone}/certifications"),
        )
        .await;
    assert_eq!(status, 200, "{history}");
    let last = &history["items"][0];
    assert_eq!(
        (
            last["via"].as_str(),
            last["by_proxy"].as_bool(),
            last["by_citizen"].as_str(),
            last["by_staff"].as_str()
        ),
        (Some("wechat"), Some(true), Some(son.id.as_str()), None),
        "{history}"
    );
    let far = app
        .staff("lucheng.clerk", "clerk", "street", Some("lucheng"))
        .await;
    assert_eq!(
        app.get_as(
            &far.access,
            &format!("/api/v1/certification/transferees/{lone}/certifications")
        )
        .await
        .0,
        403
    );
    let (status, proxies) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/certification/transferees/{lone}/proxies"),
        )
        .await;
    assert_eq!(status, 200, "{proxies}");
    let recorded = &proxies["items"][0];
    assert_eq!(
        (
            recorded["relation"].as_str(),
            recorded["revoked_at"].as_str()
        ),
        (Some("other_relative"), None),
        "{proxies}"
    );
    assert_eq!(
        recorded["proxy_id_number"],
        format!("{}***********{}", &son_number[..3], &son_number[14..])
    );
    let revoke = format!(
        "/api/v1/certification/transferees/{lone}/proxies/{}",
        recorded["id"].as_str().unwrap()
    );
    assert_eq!(app.delete_as(&far.access, &revoke).await.0, 403);
    let (status, revoked) = app.delete_as(&clerk.access, &revoke).await;
    assert_eq!(
        (status, revoked["revoked_at"].is_string()),
        (200, true),
        "{revoked}"
    );
    assert_eq!(
        app.delete_as(&clerk.access, &revoke).await.0,
        200,
        "again: the same record"
    );
    let (status, body) = start_wechat(&app, &son.access, &lone).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.not_your_transferee")),
        "{body}"
    );
    let unknown = format!(
        "/api/v1/certification/transferees/{lone}/proxies/{}",
        uuid::Uuid::now_v7()
    );
    let (status, body) = app.delete_as(&clerk.access, &unknown).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("identity.proxy_not_found"))
    );
}

/// Authority is checked again when a two-step check takes effect: a proxy revoked,
/// or a recorded relative removed, after starting a face check cannot finish it,
/// even with a passing face; the transferee stays uncertified.
async fn a_proxy_revoked_mid_check_cannot_finish_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, number) = transferee(
        &app,
        &admin.access,
        "郑国华",
        "11011219440101008",
        "yongshun",
    )
    .await;
    let elder = own_account(&app, "zhengguohua", "郑国华", &number, &id).await;
    let son_number = id_number("11011219750101009");
    let son = app
        .verified_citizen("zhengson", "郑小华", &son_number)
        .await;
    let (status, consent) = app.post_as(&elder.access, "/api/v1/identity/proxies", &json!({"proxy_name": "郑小华", "proxy_id_number": son_number, "relation": "child", "services": ["survival_certification"]})).await;
    assert_eq!(status, 201, "{consent}");
    let (status, started) = start_wechat(&app, &son.access, &id).await;
    assert_eq!(status, 201, "{started}");
    let (status, _) = app
        .post_as(
            &elder.access,
            &format!(
                "/api/v1/identity/proxies/{}/revoke",
                consent["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert!(status == 200 || status == 204, "{status}");
    app.wechat
        .finish_face(started["verify_id"].as_str().unwrap(), 10000);
    let (status, body) = confirm(&app, &son.access, started["attempt_id"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.not_your_transferee")),
        "{body}"
    );
    let (_, history) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{id}/certifications"),
        )
        .await;
    assert_eq!(
        history["items"].as_array().map(Vec::len),
        Some(0),
        "nobody was certified: {history}"
    );

    // The same for a relative recorded at the desk and revoked there meanwhile.
    let clerk = app
        .staff("yongshun.clerk", "clerk", "street", Some("yongshun"))
        .await;
    let (lone, _) = transferee(
        &app,
        &admin.access,
        "冯兰英",
        "11011219430101001",
        "yongshun",
    )
    .await;
    let (status, recorded) = app.post_as(&clerk.access, &format!("/api/v1/certification/transferees/{lone}/proxies"), &json!({"proxy_name": "郑小华", "proxy_id_number": son_number, "relation": "other_relative"})).await;
    assert_eq!(status, 201, "{recorded}");
    app.post_as(
        &clerk.access,
        &format!("/api/v1/desk/certification/transferees/{lone}/face-consent"),
        &json!({}),
    )
    .await;
    let (status, started) = start_wechat(&app, &son.access, &lone).await;
    assert_eq!(status, 201, "{started}");
    let revoke = format!(
        "/api/v1/certification/transferees/{lone}/proxies/{}",
        recorded["id"].as_str().unwrap()
    );
    assert_eq!(app.delete_as(&clerk.access, &revoke).await.0, 200);
    app.wechat
        .finish_face(started["verify_id"].as_str().unwrap(), 10000);
    let (status, body) = confirm(&app, &son.access, started["attempt_id"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.not_your_transferee")),
        "{body}"
    );
    let (_, history) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{lone}/certifications"),
        )
        .await;
    assert_eq!(
        history["items"].as_array().map(Vec::len),
        Some(0),
        "{history}"
    );
}

/// A sweep is a job: 202 at once, progress and counts at `GET /jobs/{id}`; a job
/// whose runner died (heartbeat stale, as after `kill -9`) is taken up again by the
/// sweeper and finishes, adding to what the dead runner reported.
async fn a_sweep_runs_as_a_job_and_resumes_after_a_crash(backend: Backend) {
    let app = minzheng_tests::spawn_app_with(backend, |c| c.sweep_interval_secs = 1).await;
    let admin = app.admin().await;
    let (id, _) = transferee(
        &app,
        &admin.access,
        "陈大山",
        "11011219420101007",
        "yongshun",
    )
    .await;
    patch(
        &app,
        &admin.access,
        &id,
        json!({"due_on": today() - chrono::Duration::days(3)}),
    )
    .await;
    let (status, job) = app
        .post_as(&admin.access, "/api/v1/certification/sweeps", &json!({}))
        .await;
    assert_eq!(status, 202, "{job}");
    let done = wait_for_job(&app, &admin.access, job["id"].as_str().unwrap()).await;
    assert!(
        done["total"].as_i64().is_some() && done["finished_at"].is_string(),
        "{done}"
    );
    let (_, record) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{id}"),
        )
        .await;
    assert_eq!(
        record["suspended_since"],
        json!((today() - chrono::Duration::days(2)).to_string()),
        "the day after the due date: {record}"
    );
    // A runner that died mid-job: running, silent for two minutes, 7 reminders done.
    let stale = chrono::Utc::now() - chrono::Duration::minutes(2);
    let dead = uuid::Uuid::now_v7();
    use sea_orm::{ActiveValue::Set, EntityTrait};
    entity::job::Entity::insert(entity::job::ActiveModel {
        id: Set(dead),
        kind: Set("certification_sweep".into()),
        status: Set("running".into()),
        params: Set(json!({"today": today()}).to_string()),
        done: Set(7),
        total: Set(Some(7)),
        result: Set(Some(
            json!({"reminded_before": 7, "reminded_on": 0, "suspended": 0}).to_string(),
        )),
        error: Set(None),
        attempts: Set(1),
        created_by: Set(None),
        created_at: Set(stale),
        heartbeat_at: Set(stale),
        finished_at: Set(None),
    })
    .exec(&app.db)
    .await
    .unwrap();
    let resumed = wait_for_job(&app, &admin.access, &dead.to_string()).await;
    assert_eq!(
        (
            resumed["result"]["reminded_before"].as_u64(),
            resumed["done"].as_i64()
        ),
        (Some(7), Some(7)),
        "{resumed}"
    );
    let row = entity::job::Entity::find_by_id(dead)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.attempts, 2, "taken up once more");
    let (status, body) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/jobs/{}", uuid::Uuid::now_v7()),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("job.not_found"))
    );
    let clerk = app
        .staff("yongshun.clerk", "clerk", "street", Some("yongshun"))
        .await;
    assert_eq!(
        app.get_as(&clerk.access, &format!("/api/v1/jobs/{dead}"))
            .await
            .0,
        403
    );
}

async fn the_cycle_reminds_suspends_and_resumes_with_back_pay(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, number) = transferee(
        &app,
        &admin.access,
        "陈大山",
        "11011219420101007",
        "yongshun",
    )
    .await;
    let _own = own_account(&app, "chendashan", "陈大山", &number, &id).await;
    // Ten days before the due date: one reminder, however often the sweep runs.
    patch(
        &app,
        &admin.access,
        &id,
        json!({"due_on": today() + chrono::Duration::days(10)}),
    )
    .await;
    assert_eq!(sweep(&app, &admin.access).await["reminded_before"], 1);
    assert_eq!(sweep(&app, &admin.access).await["reminded_before"], 0);
    assert_eq!(
        wait_for_messages(&app.wechat, "openid-chendashan", 1)
            .await
            .len(),
        1
    );
    // On the due date.
    patch(&app, &admin.access, &id, json!({"due_on": today()})).await;
    let swept = sweep(&app, &admin.access).await;
    assert_eq!(
        (swept["reminded_on"].as_u64(), swept["suspended"].as_u64()),
        (Some(1), Some(0)),
        "{swept}"
    );
    // Overdue since yesterday: payment suspended, once.
    patch(
        &app,
        &admin.access,
        &id,
        json!({"due_on": today() - chrono::Duration::days(40)}),
    )
    .await;
    assert_eq!(sweep(&app, &admin.access).await["suspended"], 1);
    assert_eq!(sweep(&app, &admin.access).await["suspended"], 0);
    let (_, record) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{id}"),
        )
        .await;
    assert_eq!(
        (
            record["status"].as_str(),
            record["allowance_status"].as_str()
        ),
        (Some("overdue"), Some("suspended")),
        "{record}"
    );
    let messages = wait_for_messages(&app.wechat, "openid-chendashan", 3).await;
    assert_eq!(
        messages.len(),
        3,
        "before, on the day, suspended: {messages:?}"
    );
    // A later certification resumes payment and records the back pay.
    let clerk = app
        .staff("yongshun.clerk", "clerk", "street", Some("yongshun"))
        .await;
    let (status, done) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/certification/transferees/{id}/home-visits"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    // The allowance stopped the day after the due date, not the day the sweep came.
    let stopped = today() - chrono::Duration::days(39);
    assert_eq!(
        (
            done["back_pay_from"].as_str(),
            done["back_pay_until"].as_str()
        ),
        (
            Some(stopped.to_string().as_str()),
            Some(today().to_string().as_str())
        ),
        "{done}"
    );
    let months = (today().year() * 12 + today().month() as i32)
        - (stopped.year() * 12 + stopped.month() as i32)
        + 1;
    assert_eq!(done["back_pay_months"], months);
    let (_, record) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/certification/transferees/{id}"),
        )
        .await;
    assert_eq!(
        (
            record["status"].as_str(),
            record["allowance_status"].as_str()
        ),
        (Some("certified"), Some("paid")),
        "{record}"
    );
    // Every change is in the audit log.
    use sea_orm::{ConnectionTrait, Statement};
    let sql = format!(
        "SELECT action FROM audit_inbox WHERE target_id = '{id}' UNION ALL SELECT action FROM audit_event WHERE target_id = '{id}'"
    );
    let rows = app
        .db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap();
    let actions: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "action").unwrap())
        .collect();
    for action in [
        "certification.remind_before",
        "certification.remind_on",
        "certification.suspend",
        "certification.certify",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} missing from {actions:?}"
        );
    }
}

async fn an_exemption_keeps_payment_going(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (id, _) = transferee(
        &app,
        &admin.access,
        "黄玉兰",
        "11011219410101002",
        "yongshun",
    )
    .await;
    patch(
        &app,
        &admin.access,
        &id,
        json!({"due_on": today() - chrono::Duration::days(3)}),
    )
    .await;
    let clerk = app
        .staff("yongshun.clerk", "clerk", "street", Some("yongshun"))
        .await;
    let until = today() + chrono::Duration::days(30);
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/certification/transferees/{id}/exemption"),
            &clerk.access,
        )
        .json(&json!({"until": until, "reason": "住院治疗"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let record: Value = res.json().await.unwrap();
    assert_eq!(record["status"], "exempt");
    assert_eq!(sweep(&app, &admin.access).await["suspended"], 0);
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/certification/transferees/{id}/exemption"),
            &clerk.access,
        )
        .json(&json!({"until": until, "reason": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let (status, record) = app
        .delete_as(
            &clerk.access,
            &format!("/api/v1/certification/transferees/{id}/exemption"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        record["due_on"],
        (until + chrono::Duration::days(30)).to_string(),
        "due one notice period after the exemption: {record}"
    );
}

async fn street_staff_see_counts_the_overdue_list_an_export_and_a_plot(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (late, late_number) =
        transferee(&app, &admin.access, "林海", "11011219400101004", "yongshun").await;
    transferee(&app, &admin.access, "林河", "11011219400101005", "yongshun").await;
    transferee(&app, &admin.access, "林山", "11011219400101006", "lucheng").await;
    patch(
        &app,
        &admin.access,
        &late,
        json!({"due_on": today() - chrono::Duration::days(2)}),
    )
    .await;
    sweep(&app, &admin.access).await;
    let clerk = app
        .staff("yongshun.clerk", "clerk", "street", Some("yongshun"))
        .await;
    let (status, stats) = app
        .get_as(
            &clerk.access,
            "/api/v1/certification/streets/yongshun/stats",
        )
        .await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(
        (
            stats["total"].as_u64(),
            stats["counts"]["overdue"].as_u64(),
            stats["counts"]["due"].as_u64(),
            stats["suspended"].as_u64()
        ),
        (Some(2), Some(1), Some(1), Some(1)),
        "{stats}"
    );
    let (status, _) = app
        .get_as(&clerk.access, "/api/v1/certification/streets/lucheng/stats")
        .await;
    assert_eq!(status, 403);
    let (_, district) = app
        .get_as(
            &admin.access,
            "/api/v1/certification/streets/district/stats",
        )
        .await;
    assert_eq!(district["total"], 3, "{district}");
    let (status, overdue) = app
        .get_as(
            &clerk.access,
            "/api/v1/certification/streets/yongshun/overdue",
        )
        .await;
    assert_eq!(
        (status, overdue["items"].as_array().unwrap().len()),
        (200, 1),
        "{overdue}"
    );
    assert_eq!(overdue["items"][0]["id"], late.as_str());
    let res = app
        .authed(
            reqwest::Method::GET,
            "/api/v1/certification/streets/yongshun/export.csv",
            &clerk.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("逾期") && csv.contains("暂停发放"), "{csv}");
    assert!(
        !csv.contains(&late_number) && !csv.contains("林海"),
        "masked: {csv}"
    );
    let res = app
        .authed(
            reqwest::Method::GET,
            "/api/v1/certification/streets/yongshun/progress.svg",
            &clerk.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let svg = res.text().await.unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("<polyline") && svg.contains("应认证 2 人"),
        "{svg}"
    );
    let res = app
        .authed(
            reqwest::Method::GET,
            "/api/v1/certification/streets/lucheng/progress.svg",
            &clerk.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

on_both_backends!(
    a_transferee_without_an_account_is_reminded_by_sms_and_the_desk_sees_it,
    the_registry_takes_single_records_and_refuses_bad_ones,
    the_wechat_way_certifies_once_for_this_transferee,
    every_wechat_failure_has_its_own_answer,
    an_expired_verification_is_refused_without_asking_wechat,
    three_failed_faces_open_a_manual_review,
    withdrawn_consent_leaves_review_and_home_visit,
    a_window_makes_a_street_due_on_one_date,
    a_window_runs_in_batches_and_resumes_after_a_crash,
    an_unverified_claim_may_only_consent_and_try_a_face,
    an_unverified_claimant_spends_only_their_own_face_attempts,
    the_faceid_way_is_signed_and_checked,
    a_proxy_certifies_with_the_transferees_face,
    a_proxy_revoked_mid_check_cannot_finish_it,
    a_sweep_runs_as_a_job_and_resumes_after_a_crash,
    the_cycle_reminds_suspends_and_resumes_with_back_pay,
    an_exemption_keeps_payment_going,
    street_staff_see_counts_the_overdue_list_an_export_and_a_plot
);

/// The `minzheng import-transferees` command, run as a user would.
mod import {
    use std::process::Command;

    use super::*;
    use minzheng_tests::{Backend, fresh_pg_database};
    use sea_orm::{ConnectionTrait, Database, Statement};

    fn minzheng(url: Option<&str>, dir: &std::path::Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_minzheng-under-test"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("MINZHENG_DATA_DIR", dir)
            .env("MINZHENG_LOG_FORMAT", "json")
            .current_dir(dir);
        if let Some(url) = url {
            cmd.env("DATABASE_URL", url);
        }
        cmd
    }

    async fn rows(url: &str) -> Vec<(String, String, String)> {
        let db = Database::connect(url).await.unwrap();
        let sql =
            "SELECT id_number_masked, street_id, village FROM transferee ORDER BY id_number_masked";
        db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.try_get("", "id_number_masked").unwrap(),
                    r.try_get("", "street_id").unwrap(),
                    r.try_get("", "village").unwrap(),
                )
            })
            .collect()
    }

    async fn run(backend: Backend) {
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_pg_database().await),
        };
        let db_url = url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("minzheng.sqlite").display()
            )
        });
        let (a, b, c) = (
            id_number("11011219500101011"),
            id_number("11011219500101012"),
            id_number("11011219500101013"),
        );
        let good = format!(
            "\u{feff}name,id_number,street,village,phone\n张一,{a},永顺镇,前北营村,13800138000\n张二,{b},yongshun,后北营村,\n张三,{c},潞城镇,东堡村,010-69541234\n"
        );
        std::fs::write(dir.path().join("good.csv"), &good).unwrap();
        let out = minzheng(url.as_deref(), dir.path())
            .args(["import-transferees", "good.csv"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("新增 3 条"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let first = rows(&db_url).await;
        assert_eq!(first.len(), 3);

        // Bad rows: each named by line, nothing written (not even the good row).
        let d = id_number("11011219500101014");
        let bad = format!(
            "name,id_number,street,village\n李一,{d},yongshun,前北营村\n李二,110112195001010010,yongshun,前北营村\n李三,{d},yongshun,前北营村\n李四,{a},atlantis,前北营村\n,{b},yongshun,\n"
        );
        std::fs::write(dir.path().join("bad.csv"), &bad).unwrap();
        let out = minzheng(url.as_deref(), dir.path())
            .args(["import-transferees", "bad.csv"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        for needle in [
            "第 3 行 id_number",
            "第 4 行 id_number: 身份证号码与第 2 行重复",
            "第 5 行 street",
            "第 6 行 name",
            "第 6 行 village",
            "nothing was imported",
        ] {
            assert!(err.contains(needle), "{needle} not in {err}");
        }
        assert_eq!(rows(&db_url).await, first, "a bad file changes nothing");
        let out = minzheng(url.as_deref(), dir.path())
            .args(["import-transferees", "missing.csv"])
            .output()
            .unwrap();
        assert!(
            !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("missing.csv")
        );
        std::fs::write(dir.path().join("header.csv"), "name,id,street\n").unwrap();
        let out = minzheng(url.as_deref(), dir.path())
            .args(["import-transferees", "header.csv"])
            .output()
            .unwrap();
        assert!(
            !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("id_number"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        // Re-running updates what is there and adds nothing twice.
        let rerun = good.replace("后北营村", "新北营村");
        std::fs::write(dir.path().join("good.csv"), rerun).unwrap();
        let out = minzheng(url.as_deref(), dir.path())
            .args(["import-transferees", "good.csv"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("更新 3 条"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let second = rows(&db_url).await;
        assert_eq!(second.len(), 3);
        assert!(second.iter().any(|r| r.2 == "新北营村"), "{second:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_import_checks_every_row_and_reruns_update_sqlite() {
        run(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_import_checks_every_row_and_reruns_update_postgres() {
        run(Backend::Postgres).await
    }

    /// A sweep job survives `kill -9` of the real server mid-way: started again, the
    /// server takes the job up once its heartbeat is stale and finishes it, and every
    /// transferee got exactly one reminder (none lost, none twice).
    async fn killed(backend: Backend) {
        use sea_orm::{ActiveValue::Set, EntityTrait};
        const ROWS: usize = 3000;
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_pg_database().await),
        };
        let db_url = url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("minzheng.sqlite").display()
            )
        });
        let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
        let soon = today + chrono::Duration::days(10);
        let digits = |i: usize| {
            i.to_string()
                .chars()
                .map(|d| {
                    "〇一二三四五六七八九"
                        .chars()
                        .nth(d.to_digit(10).unwrap() as usize)
                        .unwrap()
                })
                .collect::<String>()
        };
        let mut csv = String::from("name,id_number,street,village,due_on\n");
        for i in 0..ROWS {
            let born = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).unwrap()
                + chrono::Duration::days(i as i64);
            let number = id_number(&format!("110112{}{:03}", born.format("%Y%m%d"), 11 + i % 2));
            csv.push_str(&format!(
                "居民{},{number},yongshun,前北营村,{soon}\n",
                digits(i)
            ));
        }
        std::fs::write(dir.path().join("many.csv"), csv).unwrap();
        let out = minzheng(url.as_deref(), dir.path())
            .args(["import-transferees", "many.csv"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let db = Database::connect(&db_url).await.unwrap();
        let job = uuid::Uuid::now_v7();
        let now = chrono::Utc::now();
        entity::job::Entity::insert(entity::job::ActiveModel {
            id: Set(job),
            kind: Set("certification_sweep".into()),
            status: Set("queued".into()),
            params: Set(json!({"today": today}).to_string()),
            done: Set(0),
            total: Set(None),
            result: Set(None),
            error: Set(None),
            attempts: Set(0),
            created_by: Set(None),
            created_at: Set(now),
            heartbeat_at: Set(now),
            finished_at: Set(None),
        })
        .exec(&db)
        .await
        .unwrap();
        let serve = || {
            let mut cmd = minzheng(url.as_deref(), dir.path());
            cmd.env("MINZHENG_BIND", "127.0.0.1:0")
                .env("MINZHENG_SWEEP_INTERVAL_SECS", "1")
                .env("MINZHENG_JOB_STALE_SECS", "2")
                .arg("serve")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            cmd.spawn().unwrap()
        };
        let read = || async {
            entity::job::Entity::find_by_id(job)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        };
        let mut server = serve();
        let mut seen = read().await;
        for _ in 0..3000 {
            seen = read().await;
            if seen.done >= 200 || seen.status == "done" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.kill().unwrap(); // SIGKILL: no shutdown, no last heartbeat
        server.wait().unwrap();
        let cut = read().await;
        assert_eq!(cut.status, "running", "killed mid-way ({seen:?})");
        assert!(cut.done > 0 && cut.done < ROWS as i64, "{cut:?}");
        tokio::time::sleep(Duration::from_secs(3)).await; // its heartbeat goes stale
        let mut server = serve();
        let mut last = read().await;
        for _ in 0..1200 {
            last = read().await;
            if last.status == "done" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server.kill().unwrap();
        server.wait().unwrap();
        assert_eq!(last.status, "done", "{last:?}");
        assert_eq!(last.attempts, 2, "taken up again after the kill: {last:?}");
        let count = |sql: &str| {
            let (db, sql) = (&db, sql.to_owned());
            async move {
                let row = db
                    .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                    .await
                    .unwrap()
                    .unwrap();
                row.try_get_by_index::<i64>(0).unwrap()
            }
        };
        assert_eq!(
            count("SELECT COUNT(*) FROM transferee WHERE reminded_before_for IS NOT NULL").await,
            ROWS as i64,
            "everyone reminded"
        );
        let audited =
            count("SELECT COUNT(*) FROM audit_inbox WHERE action = 'certification.remind_before'")
                .await
                + count(
                    "SELECT COUNT(*) FROM audit_event WHERE action = 'certification.remind_before'",
                )
                .await;
        assert_eq!(audited, ROWS as i64, "each reminded once, none twice");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sweep_job_survives_kill_9_sqlite() {
        killed(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sweep_job_survives_kill_9_postgres() {
        killed(Backend::Postgres).await
    }
}
