//! Real names (sealed at rest, masked in answers), in-person verification, and proxies
//! with consent in the audit trail.
use minzheng_tests::Backend;
use minzheng_tests::{
    Backend as Store, code_in_email, id_number, on_both_backends, spawn_app, spawn_app_with,
};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

const ZHANG: &str = "11011219800101051";
const LI: &str = "11011219900202062";

const CONSENT: &str = "/api/v1/identity/real-name/face-consent";
const WECHAT_START: &str = "/api/v1/identity/real-name/wechat-verifications";
const FACEID_START: &str = "/api/v1/identity/real-name/faceid-verifications";

fn confirm_path(started: &serde_json::Value) -> String {
    format!(
        "/api/v1/identity/real-name/attempts/{}/confirm",
        started["attempt_id"].as_str().unwrap()
    )
}

/// A citizen of an app: signed in by emailed code (no WeChat), real name bound.
async fn app_citizen(app: &minzheng_tests::TestApp, email: &str, name: &str, id: &str) -> String {
    let res = app
        .post_json("/api/v1/auth/citizen/email-codes", &json!({"email": email}))
        .await;
    assert_eq!(res.status(), 202);
    let code = code_in_email(&app.smtp.wait_for(email).await);
    let res = app
        .post_json(
            "/api/v1/auth/citizen/email/sessions",
            &json!({"email": email, "code": code}),
        )
        .await;
    let tokens: serde_json::Value = res.json().await.unwrap();
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let (status, body) = app
        .post_as(
            &token,
            "/api/v1/identity/real-name",
            &json!({"name": name, "id_number": id}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    token
}

/// The audit actions recorded so far (chained or still in the inbox).
async fn audit_actions(app: &minzheng_tests::TestApp) -> Vec<String> {
    let sql = "SELECT action FROM audit_inbox UNION ALL SELECT action FROM audit_event";
    let rows = app
        .db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", "action").unwrap())
        .collect()
}

/// Every text the database holds, as one string (PostgreSQL: each row as text; SQLite:
/// the database file and its write-ahead log as bytes).
async fn raw_database(app: &minzheng_tests::TestApp) -> String {
    match app.backend {
        Store::Sqlite => {
            let dir = &app.config.data_dir;
            let mut bytes = std::fs::read(dir.join("minzheng.sqlite")).unwrap();
            bytes.extend(std::fs::read(dir.join("minzheng.sqlite-wal")).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Store::Postgres => {
            let tables = app
                .db
                .query_all_raw(Statement::from_string(
                    app.db.get_database_backend(),
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
                ))
                .await
                .unwrap();
            let mut all = String::new();
            for row in tables {
                let table: String = row.try_get("", "tablename").unwrap();
                let sql = format!("SELECT t::text AS row FROM \"{table}\" t");
                for r in app
                    .db
                    .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
                    .await
                    .unwrap()
                {
                    all.push_str(&r.try_get::<String>("", "row").unwrap());
                }
            }
            all
        }
    }
}

async fn a_real_name_is_bound_sealed_and_shown_masked(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = id_number(ZHANG);
    let citizen = app.citizen_with_real_name("zhang", "张三丰", &id).await;
    let (status, body) = app
        .get_as(&citizen.access, "/api/v1/identity/real-name")
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["name_masked"], "张**");
    assert_eq!(
        body["id_number_masked"],
        format!("110***********{}", &id[14..])
    );
    assert_eq!(body["sex"], "male");
    assert_eq!(body["status"], "unverified");
    assert!(!body.to_string().contains(&id));

    let raw = raw_database(&app).await;
    assert!(
        raw.contains("110***********"),
        "the scan must see the real_name row (its masked number)"
    );
    assert!(
        !raw.contains(&id),
        "the ID number is in the database in clear"
    );
    assert!(
        !raw.contains(&id[..14]),
        "a long prefix of the ID number is in clear"
    );
    assert!(
        !raw.contains("张三丰"),
        "the name is in the database in clear"
    );
}

async fn an_id_number_cannot_be_bound_to_two_accounts(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = id_number(ZHANG);
    app.citizen_with_real_name("first", "张三", &id).await;
    let second = app.citizen("second").await;
    let (status, body) = app
        .post_as(
            &second.access,
            "/api/v1/identity/real-name",
            &json!({"name": "张三", "id_number": id}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("identity.id_number_taken"))
    );
    let (status, body) = app
        .post_as(
            &second.access,
            "/api/v1/identity/real-name",
            &json!({"name": "张三", "id_number": "110112198001010510"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("identity.id_number_invalid")),
        "{body}"
    );
}

async fn a_clerk_who_saw_the_card_verifies_the_real_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = id_number(ZHANG);
    let citizen = app.citizen_with_real_name("zhang", "张三", &id).await;
    let clerk = app.staff("desk.1", "clerk", "office", Some("centre")).await;
    let check = |name: &str| json!({"citizen_id": citizen.id, "name": name, "id_number": id});
    let (status, _) = app
        .post_as(
            &clerk.access,
            "/api/v1/identity/real-names/in-person-checks",
            &check("李四"),
        )
        .await;
    assert_eq!(status, 404, "a name that does not match");
    let reviewer = app
        .staff("rev.1", "reviewer", "street", Some("zhongcang"))
        .await;
    let (status, _) = app
        .post_as(
            &reviewer.access,
            "/api/v1/identity/real-names/in-person-checks",
            &check("张三"),
        )
        .await;
    assert_eq!(status, 403, "only clerks (and admins) check cards");
    let (status, body) = app
        .post_as(
            &clerk.access,
            "/api/v1/identity/real-names/in-person-checks",
            &check("张三"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "verified");
    assert_eq!(body["verified_by"], "in_person");
    let (status, body) = app
        .post_as(
            &citizen.access,
            "/api/v1/identity/real-name",
            &json!({"name": "张三", "id_number": id}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("identity.real_name_verified"))
    );
    let (status, _) = app
        .post_as(
            &citizen.access,
            "/api/v1/identity/real-names/in-person-checks",
            &check("张三"),
        )
        .await;
    assert_eq!(status, 401, "citizens cannot verify themselves");
}

async fn the_card_holder_at_the_desk_wins_over_a_squatter(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = id_number(ZHANG);
    let squatter = app.citizen_with_real_name("squatter", "张三", &id).await;
    let owner = app.citizen("owner").await;
    let (status, _) = app
        .post_as(
            &owner.access,
            "/api/v1/identity/real-name",
            &json!({"name": "张三", "id_number": id}),
        )
        .await;
    assert_eq!(
        status, 409,
        "the number is taken by the squatter's unverified binding"
    );
    let clerk = app.staff("desk.2", "clerk", "office", Some("centre")).await;
    let (status, body) = app
        .post_as(
            &clerk.access,
            "/api/v1/identity/real-names/in-person-checks",
            &json!({"citizen_id": owner.id, "name": "张三", "id_number": id}),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("verified")),
        "{body}"
    );
    let (status, _) = app
        .get_as(&squatter.access, "/api/v1/identity/real-name")
        .await;
    assert_eq!(status, 404, "the squatter's binding is gone");
    let (_, mine) = app
        .get_as(&owner.access, "/api/v1/identity/real-name")
        .await;
    assert_eq!(mine["status"], "verified");
}

async fn a_proxy_consent_is_recorded_revocable_and_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let parent = app
        .citizen_with_real_name("parent", "张三", &id_number(ZHANG))
        .await;
    let child = app.verified_citizen("child", "李四", &id_number(LI)).await;
    let grant = json!({"proxy_name": "李四", "proxy_id_number": id_number(LI), "relation": "child", "services": ["dibao", "survival_certification"]});
    let (status, consent) = app
        .post_as(&parent.access, "/api/v1/identity/proxies", &grant)
        .await;
    assert_eq!(status, 201, "{consent}");
    assert_eq!(consent["proxy_id"], child.id.as_str());
    let (_, listed) = app.get_as(&child.access, "/api/v1/identity/proxies").await;
    assert_eq!(
        listed["items"][0]["principal_id"],
        parent.id.as_str(),
        "the proxy sees it too"
    );

    let wrong_name = json!({"proxy_name": "王五", "proxy_id_number": id_number(LI), "relation": "child", "services": ["dibao"]});
    let (status, body) = app
        .post_as(&parent.access, "/api/v1/identity/proxies", &wrong_name)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("identity.proxy_invalid"))
    );
    let stranger = app.citizen("stranger").await;
    let (status, body) = app
        .post_as(&stranger.access, "/api/v1/identity/proxies", &grant)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("identity.real_name_required"))
    );

    let id = consent["id"].as_str().unwrap();
    let (status, _) = app
        .post_as(
            &stranger.access,
            &format!("/api/v1/identity/proxies/{id}/revoke"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404, "someone else's consent is not found");
    let (status, revoked) = app
        .post_as(
            &parent.access,
            &format!("/api/v1/identity/proxies/{id}/revoke"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(revoked["revoked_at"].is_string());

    let admin = app.admin().await;
    let (status, trail) = app
        .get_as(
            &admin.access,
            &format!(
                "/api/v1/audit-events?target_kind=citizen_account&target_id={}",
                parent.id
            ),
        )
        .await;
    assert_eq!(status, 200, "{trail}");
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "identity.real_name.bind",
        "identity.proxy.grant",
        "identity.proxy.revoke",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    assert!(
        !trail.to_string().contains(&id_number(LI)),
        "the trail shows ID numbers masked only"
    );
}

on_both_backends!(
    a_real_name_is_bound_sealed_and_shown_masked,
    an_id_number_cannot_be_bound_to_two_accounts,
    a_clerk_who_saw_the_card_verifies_the_real_name,
    the_card_holder_at_the_desk_wins_over_a_squatter,
    a_proxy_consent_is_recorded_revocable_and_audited
);

/// Which of an ID number's 18 characters the texts reveal: any 18-character window that
/// agrees with the number wherever it is not `*` (a mask), the birth date in any common
/// spelling, the six-digit region code (public for a district's residents anyway).
fn revealed(number: &str, texts: &[String]) -> [bool; 18] {
    let digits: Vec<char> = number.chars().collect();
    let mut known = [false; 18];
    let (y, m, d) = (&number[6..10], &number[10..12], &number[12..14]);
    for text in texts {
        let chars: Vec<char> = text.chars().collect();
        for window in chars.windows(18) {
            let agrees = window.iter().zip(&digits).all(|(w, n)| w == n || *w == '*');
            let shown = window.iter().filter(|c| **c != '*').count();
            if agrees && shown >= 4 {
                for (i, c) in window.iter().enumerate() {
                    known[i] |= *c != '*';
                }
            }
        }
        if [
            format!("{y}-{m}-{d}"),
            format!("{y}{m}{d}"),
            format!("{y}/{m}/{d}"),
            format!(
                "{y}年{}月{}日",
                m.trim_start_matches('0'),
                d.trim_start_matches('0')
            ),
        ]
        .iter()
        .any(|spelling| text.contains(spelling.as_str()))
        {
            known[6..14].iter_mut().for_each(|k| *k = true);
        }
        if text.contains(&number[..6]) {
            known[..6].iter_mut().for_each(|k| *k = true);
        }
    }
    known
}

/// The number is safe when at least three of its first 17 characters stay hidden: with
/// the check character that still leaves about ninety candidates.
fn assert_not_rebuildable(number: &str, texts: &[String], what: &str) {
    let hidden = hidden(number, texts);
    assert!(
        hidden >= 3,
        "{what} rebuild the ID number: only {hidden} of 17 characters stay hidden"
    );
}

fn hidden(number: &str, texts: &[String]) -> usize {
    revealed(number, texts)[..17]
        .iter()
        .filter(|k| !**k)
        .count()
}

async fn no_answer_or_clear_column_rebuilds_an_id_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = id_number(ZHANG);
    let citizen = app.verified_citizen("zhang", "张三丰", &id).await;
    let mut answers = Vec::new();
    let (status, body) = app
        .get_as(&citizen.access, "/api/v1/identity/real-name")
        .await;
    assert_eq!(status, 200);
    assert!(
        body["age"].as_u64().is_some(),
        "the rules' age is still answered: {body}"
    );
    answers.push(body.to_string());
    let check: serde_json::Value = app
        .post_json(
            "/api/v1/identity/id-number-checks",
            &json!({"id_number": id}),
        )
        .await
        .json()
        .await
        .unwrap();
    answers.push(check.to_string());
    let (_, me) = app.get_as(&citizen.access, "/api/v1/auth/citizen/me").await;
    answers.push(me.to_string());
    assert_not_rebuildable(&id, &answers, "the answers about the person");
    assert_not_rebuildable(&id, &[raw_database(&app).await], "the clear columns");
    // The test itself can fail: the old mask beside the birth date rebuilds it.
    let old = format!("{}********{}", &id[..6], &id[14..]);
    assert_eq!(
        hidden(&id, &[old, "1980-01-01".into()]),
        0,
        "the old mask and the birth date must count as a rebuild"
    );
}

async fn existing_masks_and_birth_dates_are_migrated(backend: Backend) {
    use migration::MigratorTrait;
    let dir = tempfile::tempdir().unwrap();
    let url = match backend {
        Store::Sqlite => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("old.sqlite").display()
        ),
        Store::Postgres => minzheng_tests::fresh_pg_database().await,
    };
    let db = sea_orm::Database::connect(&url).await.unwrap();
    // The schema as it was before the mask changed (the 16 earlier migrations).
    migration::Migrator::up(&db, Some(16)).await.unwrap();
    let id = id_number(ZHANG);
    let old = format!("{}********{}", &id[..6], &id[14..]);
    db.execute_unprepared(&format!(
        "INSERT INTO real_name (citizen_id, name_sealed, id_number_sealed, id_number_index, id_number_masked, sex, birth_date, status, created_at, updated_at) \
         VALUES ('0193a6c4-3333-7b61-9d1e-3f0c2a9b8e71', 'x', 'x', 'index', '{old}', 'male', '1980-01-01', 'unverified', '2026-11-29T10:00:00Z', '2026-11-29T10:00:00Z')"
    )).await.unwrap();
    migration::Migrator::up(&db, None).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT * FROM real_name",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let masked: String = rows[0].try_get("", "id_number_masked").unwrap();
    assert_eq!(masked, format!("110***********{}", &id[14..]));
    assert!(
        rows[0].try_get::<String>("", "birth_date").is_err(),
        "the clear birth date column must be gone"
    );
}

on_both_backends!(
    no_answer_or_clear_column_rebuilds_an_id_number,
    existing_masks_and_birth_dates_are_migrated
);

/// Names follow one rule (Chinese characters with `·`, or Latin letters and spaces),
/// refused with a field error otherwise; free text anywhere loses control and bidi
/// characters; a full-width ID number is the same number.
async fn names_and_free_text_carry_no_junk(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = app.citizen("junk").await;
    for name in [
        "张\n三",
        "张\t三",
        "<b>张三</b>",
        "张三😀",
        "张三1",
        "·张三",
        &"张".repeat(31),
    ] {
        let (status, body) = app
            .post_as(
                &citizen.access,
                "/api/v1/identity/real-name",
                &json!({"name": name, "id_number": id_number(ZHANG)}),
            )
            .await;
        assert_eq!(
            (status, body["errors"][0]["field"].as_str()),
            (422, Some("name")),
            "{name:?}: {body}"
        );
    }
    let full_width: String = id_number(ZHANG)
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    let (status, body) = app
        .post_as(
            &citizen.access,
            "/api/v1/identity/real-name",
            &json!({"name": "阿依古丽•买买提\u{202e}", "id_number": full_width}),
        )
        .await;
    assert_eq!(
        status, 200,
        "a full-width number, a typed dot, a bidi control removed: {body}"
    );
    assert_eq!(
        body["id_number_masked"],
        format!("110***********{}", &id_number(ZHANG)[14..])
    );
    let (status, body) = app
        .post_as(
            &app.citizen("foreigner").await.access,
            "/api/v1/identity/real-name",
            &json!({"name": "john  smith", "id_number": id_number(LI)}),
        )
        .await;
    assert_eq!(
        (status, body["name_masked"].as_str()),
        (200, Some("J*********")),
        "{body}"
    );

    // Free text staff read: a display name with a bidi override and a bell.
    let admin = app.admin().await;
    let (status, created) = app.post_as(&admin.access, "/api/v1/staff-accounts",
        &json!({"username": "clean.clerk", "display_name": "窗口\u{202e}一号\u{7}", "role": "clerk", "scope_kind": "office", "scope_id": "marriage-centre"})).await;
    assert_eq!(
        (status, created["account"]["display_name"].as_str()),
        (201, Some("窗口一号")),
        "{created}"
    );
}

async fn a_citizen_verifies_their_real_name_by_wechat_face_after_a_separate_consent(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let id = id_number(ZHANG);
    let citizen = app.citizen_with_real_name("zhang", "张三", &id).await;
    let token = citizen.access.as_str();
    let (status, body) = app.post_as(token, WECHAT_START, &json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.face_consent_required")),
        "consent comes first"
    );
    let (status, body) = app.post_as(token, CONSENT, &json!({})).await;
    assert_eq!(
        (status, body["face_consent"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    let (status, started) = app.post_as(token, WECHAT_START, &json!({})).await;
    assert_eq!(status, 201, "{started}");
    let asked = app.wechat.face_calls().last().unwrap().body.clone();
    assert_eq!(asked["cert_info"]["cert_name"], "张三");
    assert_eq!(asked["cert_info"]["cert_no"], id.as_str());
    assert_eq!(asked["openid"], "openid-zhang");
    // Never done in the mini-program: WeChat says 90017, and the attempt is used.
    let (status, body) = app
        .post_as(token, &confirm_path(&started), &json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("certification.face_timeout")),
        "{body}"
    );
    let (status, body) = app
        .post_as(token, &confirm_path(&started), &json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("certification.attempt_used"))
    );
    // Another account cannot confirm it.
    let (_, second) = app.post_as(token, WECHAT_START, &json!({})).await;
    let other = app.citizen("li").await;
    let (status, _) = app
        .post_as(&other.access, &confirm_path(&second), &json!({}))
        .await;
    assert_eq!(status, 403);
    app.wechat
        .finish_face(second["verify_id"].as_str().unwrap(), 10000);
    let (status, verified) = app.post_as(token, &confirm_path(&second), &json!({})).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(
        (
            verified["status"].as_str(),
            verified["verified_by"].as_str()
        ),
        (Some("verified"), Some("face"))
    );
    let query = app.wechat.face_calls().last().unwrap().body.clone();
    assert_eq!(
        query["verify_id"], second["verify_id"],
        "the server asked WeChat itself"
    );
    let (status, body) = app.post_as(token, WECHAT_START, &json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("identity.real_name_verified"))
    );
    let actions = audit_actions(&app).await;
    for action in [
        "identity.face_consent.give",
        "identity.real_name.face_start",
        "identity.real_name.verify",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    let raw = raw_database(&app).await;
    assert!(
        !raw.contains(&id) && !raw.contains("张三"),
        "the checks keep no name or number in clear"
    );
}

async fn an_app_verifies_by_faceid_and_the_rules_hold_between_start_and_confirm(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.face_attempts_per_day = 5).await;
    let id = id_number(LI);
    let token = app_citizen(&app, "li@example.com", "李四", &id).await;
    let token = token.as_str();
    assert_eq!(app.post_as(token, CONSENT, &json!({})).await.0, 200);
    let (status, body) = app.post_as(token, WECHAT_START, &json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("certification.wechat_account_required")),
        "no WeChat, no WeChat face"
    );
    // A face that does not match.
    let (status, started) = app.post_as(token, FACEID_START, &json!({})).await;
    assert_eq!(status, 201, "{started}");
    app.faceid
        .finish(started["face_id_token"].as_str().unwrap(), "-1101", 31.0);
    let (status, body) = app
        .post_as(token, &confirm_path(&started), &json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("certification.face_not_matched")),
        "{body}"
    );
    // Consent withdrawn between start and confirm: the result is not used.
    let (_, started) = app.post_as(token, FACEID_START, &json!({})).await;
    app.faceid
        .finish(started["face_id_token"].as_str().unwrap(), "0", 95.0);
    let (status, body) = app.delete_as(token, CONSENT).await;
    assert_eq!((status, body["face_consent"].as_bool()), (200, Some(false)));
    let (status, body) = app
        .post_as(token, &confirm_path(&started), &json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certification.face_consent_required")),
        "{body}"
    );
    // The real name re-bound between start and confirm: the old check verifies nothing.
    assert_eq!(app.post_as(token, CONSENT, &json!({})).await.0, 200);
    let (_, started) = app.post_as(token, FACEID_START, &json!({})).await;
    app.faceid
        .finish(started["face_id_token"].as_str().unwrap(), "0", 95.0);
    let other = id_number(ZHANG);
    assert_eq!(
        app.post_as(
            token,
            "/api/v1/identity/real-name",
            &json!({"name": "张三", "id_number": other})
        )
        .await
        .0,
        200
    );
    let (status, body) = app
        .post_as(token, &confirm_path(&started), &json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("identity.real_name_changed")),
        "{body}"
    );
    let (_, real_name) = app.get_as(token, "/api/v1/identity/real-name").await;
    assert_eq!(
        (
            real_name["status"].as_str(),
            real_name["face_consent"].as_bool()
        ),
        (Some("unverified"), Some(true)),
        "{real_name}"
    );
    // A pass for the name bound now verifies it.
    let (_, started) = app.post_as(token, FACEID_START, &json!({})).await;
    let face_id_token = started["face_id_token"].as_str().unwrap();
    let asked = app
        .faceid
        .calls()
        .iter()
        .rev()
        .find(|c| c.action == "GetFaceIdToken")
        .unwrap()
        .body
        .clone();
    assert_eq!(
        (asked["IdCard"].as_str(), asked["Name"].as_str()),
        (Some(other.as_str()), Some("张三"))
    );
    app.faceid.finish(face_id_token, "0", 92.5);
    let (status, verified) = app
        .post_as(token, &confirm_path(&started), &json!({}))
        .await;
    assert_eq!(
        (status, verified["verified_by"].as_str()),
        (200, Some("face")),
        "{verified}"
    );
    assert_eq!(app.faceid.signature_failures(), 0);
}

async fn face_checks_of_a_real_name_are_limited_a_day(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.face_attempts_per_day = 2).await;
    minzheng_tests::with_room_in_window(86_400, 120).await;
    let citizen = app
        .citizen_with_real_name("zhang", "张三", &id_number(ZHANG))
        .await;
    let token = citizen.access.as_str();
    assert_eq!(app.post_as(token, CONSENT, &json!({})).await.0, 200);
    assert_eq!(app.post_as(token, FACEID_START, &json!({})).await.0, 201);
    assert_eq!(app.post_as(token, WECHAT_START, &json!({})).await.0, 201);
    let (status, body) = app.post_as(token, FACEID_START, &json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("identity.face_attempts_exhausted")),
        "{body}"
    );
    // The way without a face stays: a clerk who sees the card verifies in person.
    let clerk = app.staff("desk.1", "clerk", "office", Some("centre")).await;
    let check = json!({"citizen_id": citizen.id, "name": "张三", "id_number": id_number(ZHANG)});
    let (status, body) = app
        .post_as(
            &clerk.access,
            "/api/v1/identity/real-names/in-person-checks",
            &check,
        )
        .await;
    assert_eq!(
        (status, body["verified_by"].as_str()),
        (200, Some("in_person")),
        "{body}"
    );
}

async fn a_citizen_sees_which_role_and_unit_read_their_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let number = id_number("11011219420101007");
    let chen = app.verified_citizen("chen", "陈大山", &number).await;
    let admin = app.admin().await;
    let (status, t) = app.post_as(&admin.access, "/api/v1/certification/transferees", &json!({"name": "陈大山", "id_number": number, "street_id": "yongshun", "village": "前北营村", "phone": "13800138000"})).await;
    assert_eq!(status, 201, "{t}");
    // A street clerk reads his contact; the district exports the street's list.
    let clerk = app
        .staff("yongshun.clerk", "clerk", "street", Some("yongshun"))
        .await;
    let contact = format!(
        "/api/v1/certification/transferees/{}/contact",
        t["id"].as_str().unwrap()
    );
    assert_eq!(app.get_as(&clerk.access, &contact).await.0, 200);
    let csv = app
        .authed(
            reqwest::Method::GET,
            "/api/v1/certification/streets/yongshun/export.csv",
            &admin.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    // He books a marriage appointment; the desk looks it up by his ID number.
    let date = minzheng_tests::next_weekday(2);
    let days: serde_json::Value = app.get(&format!("/api/v1/resources/marriage-centre/availability?business_type=marriage&from={date}&to={date}")).await.json().await.unwrap();
    let slot = &days["days"][0]["slots"][0];
    let parties = json!([{"name": "陈大山", "id_number": number}, {"name": "李娜", "id_number": id_number("11011219520304002")}]);
    let (status, booked) = app.post_as(&chen.access, "/api/v1/marriage/appointments", &json!({"office_id": "marriage-centre", "business_type": "marriage", "slot_id": slot["slot_id"], "parties": parties})).await;
    assert_eq!(status, 201, "{booked}");
    let desk = app
        .staff("centre.clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    let (status, found) = app
        .get_as(
            &desk.access,
            &format!("/api/v1/desk/marriage/lookup?q={number}"),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    // What he sees: who (role and unit, no name), what, when.
    let (status, seen) = app
        .get_as(&chen.access, "/api/v1/identity/access-events")
        .await;
    assert_eq!(status, 200, "{seen}");
    let items = seen["items"].as_array().unwrap();
    let kinds: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["role"].as_str().unwrap(),
                e["unit_kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("desk_lookup", "clerk", "office"),
            ("export", "admin", "district"),
            ("contact_read", "clerk", "street")
        ],
        "{seen}"
    );
    assert_eq!(items[2]["unit"], "永顺镇", "{seen}");
    assert_eq!(items[1]["unit"], "通州区民政局");
    for who in ["yongshun.clerk", "centre.clerk", "test-admin"] {
        assert!(!seen.to_string().contains(who), "no staff name: {seen}");
    }
    // Nobody else's reads: the other party (no account) and another citizen see none of his.
    let other = app
        .verified_citizen("wang", "王五", &id_number("11011219850505031"))
        .await;
    let (_, none) = app
        .get_as(&other.access, "/api/v1/identity/access-events")
        .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0, "{none}");
}

async fn a_citizen_downloads_a_copy_of_their_data_unmasked(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = id_number(ZHANG);
    let citizen = app.verified_citizen("zhang", "张三", &id).await;
    assert_eq!(
        app.post_as(&citizen.access, CONSENT, &json!({})).await.0,
        200
    );
    // A record made about him before (or without) his account: the registry's.
    let admin = app.admin().await;
    let (status, _) = app.post_as(&admin.access, "/api/v1/certification/transferees", &json!({"name": "张三", "id_number": id, "street_id": "yongshun", "village": "前北营村", "phone": "13800138000"})).await;
    assert_eq!(status, 201);
    let res = app
        .authed(
            reqwest::Method::GET,
            "/api/v1/identity/my-data",
            &citizen.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("my-data.json")
    );
    let copy: serde_json::Value = res.json().await.unwrap();
    let tables = &copy["tables"];
    assert_eq!(copy["account_id"], citizen.id.as_str());
    assert_eq!(
        (
            tables["real_name"][0]["name"].as_str(),
            tables["real_name"][0]["id_number"].as_str()
        ),
        (Some("张三"), Some(id.as_str())),
        "unmasked: {copy}"
    );
    assert!(
        tables["real_name"][0]["face_consent_at"].is_string(),
        "{copy}"
    );
    assert_eq!(
        tables["citizen_account"][0]["wechat_openid"],
        "openid-zhang"
    );
    assert_eq!(
        (
            tables["transferee"][0]["name"].as_str(),
            tables["transferee"][0]["phone"].as_str()
        ),
        (Some("张三"), Some("13800138000")),
        "{copy}"
    );
    let text = copy.to_string();
    assert!(
        !text.contains("_sealed") && !text.contains("_index") && !text.contains("v1."),
        "keys and sealed values stay out: {text}"
    );
    let actions = audit_actions(&app).await;
    assert!(
        actions.iter().any(|a| a == "identity.my_data.download"),
        "{actions:?}"
    );
    // Someone else's copy holds none of it.
    let other = app.verified_citizen("li", "李四", &id_number(LI)).await;
    let res = app
        .authed(
            reqwest::Method::GET,
            "/api/v1/identity/my-data",
            &other.access,
        )
        .send()
        .await
        .unwrap();
    let theirs: serde_json::Value = res.json().await.unwrap();
    assert!(
        !theirs.to_string().contains("张三") && !theirs.to_string().contains(&id),
        "{theirs}"
    );
}

/// Every sealed value in `raw` that opens under the test keys, opened.
fn opened(raw: &str) -> String {
    let sealer = minzheng::platform::crypto::Sealer::new(&minzheng_tests::test_secrets());
    let token = |c: char| c.is_ascii_alphanumeric() || "+/.".contains(c);
    raw.match_indices("v1.")
        .filter_map(|(at, _)| {
            let end = raw[at..].find(|c| !token(c)).map_or(raw.len(), |n| at + n);
            sealer.open(&raw[at..end]).ok()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Account deletion: refused while a booking is ahead or a duty as a proxy stands, each
/// named; then the person's data goes (sealed values opened, nothing of theirs left but
/// pseudonymised records), every session ends, the audit chain still verifies, and a new
/// sign-in starts an empty account.
async fn a_citizen_deletes_their_account_unless_something_blocks_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = id_number("11011219800101077");
    let companion = id_number("11011219820202088");
    let citizen = app.verified_citizen("zhen", "甄可删", &id).await;
    let proxy = app.verified_citizen("li", "李四", &id_number(LI)).await;
    assert_eq!(
        app.post_as(&citizen.access, CONSENT, &json!({})).await.0,
        200
    );
    let grant = json!({"proxy_name": "李四", "proxy_id_number": id_number(LI), "relation": "child", "services": ["dibao"]});
    let (status, body) = app
        .post_as(&citizen.access, "/api/v1/identity/proxies", &grant)
        .await;
    assert_eq!(status, 201, "{body}");
    let date =
        (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(3)).date_naive();
    let path = format!(
        "/api/v1/resources/luhe-cemetery/availability?business_type=visit&from={date}&to={date}"
    );
    let day: serde_json::Value = app.get(&path).await.json().await.unwrap();
    let visitors =
        json!([{"name": "甄可删", "id_number": id}, {"name": "甄同行", "id_number": companion}]);
    let body = json!({"cemetery_id": "luhe-cemetery", "slot_id": day["days"][0]["slots"][0]["slot_id"], "grave": {"section": "A", "row": "3", "number": "12"}, "visitors": visitors, "plates": ["京A12345"]});
    let (status, visit) = app
        .post_as(&citizen.access, "/api/v1/tomb-visits", &body)
        .await;
    assert_eq!(status, 201, "{visit}");
    let visit_id = visit["id"].as_str().unwrap().to_owned();

    // The visit ahead blocks, named; so does the proxy's duty for the principal.
    let (status, check) = app
        .get_as(&citizen.access, "/api/v1/identity/account/deletion")
        .await;
    assert_eq!(status, 200, "{check}");
    assert_eq!(check["deletable"], false);
    assert_eq!(
        check["blockers"],
        json!([{"kind": "tomb_visit", "id": visit_id, "message": check["blockers"][0]["message"]}])
    );
    assert!(
        check["blockers"][0]["message"]
            .as_str()
            .unwrap()
            .contains(visit["code"].as_str().unwrap()),
        "{check}"
    );
    let (status, refused) = app
        .delete_as(&citizen.access, "/api/v1/identity/account")
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("identity.account_deletion_blocked")),
        "{refused}"
    );
    assert_eq!(
        refused["errors"][0]["field"],
        format!("tomb_visit:{visit_id}")
    );
    assert_eq!(refused["errors"][0]["reason"], "tomb_visit");
    let (status, duty) = app
        .delete_as(&proxy.access, "/api/v1/identity/account")
        .await;
    assert_eq!(
        (status, duty["errors"][0]["reason"].as_str()),
        (409, Some("proxy_consent")),
        "{duty}"
    );
    assert_eq!(
        app.get_as(&citizen.access, "/api/v1/identity/real-name")
            .await
            .0,
        200,
        "nothing was lost"
    );

    let (status, _) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/tomb-visits/{visit_id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, check) = app
        .get_as(&citizen.access, "/api/v1/identity/account/deletion")
        .await;
    assert_eq!(check, json!({"deletable": true, "blockers": []}));
    let (status, body) = app
        .delete_as(&citizen.access, "/api/v1/identity/account")
        .await;
    assert_eq!(status, 204, "{body}");

    // Signed out everywhere; the proxy's duty ended with the consent.
    let (status, body) = app
        .get_as(&citizen.access, "/api/v1/identity/real-name")
        .await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = app
        .delete_as(&proxy.access, "/api/v1/identity/account")
        .await;
    assert_eq!(
        status, 204,
        "a consent the deleted account gave ends with it: {body}"
    );

    // Nothing of theirs is left, in clear or sealed: not the name, the ID numbers, the
    // companion's name, the openid or the plate (SQLite: the log folded into the file).
    if app.backend == Store::Sqlite {
        for _ in 0..50 {
            let sql = Statement::from_string(
                app.db.get_database_backend(),
                "PRAGMA wal_checkpoint(TRUNCATE)",
            );
            let row = app.db.query_one_raw(sql).await.unwrap().unwrap();
            if row.try_get_by_index::<i32>(0).unwrap() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    let raw = raw_database(&app).await;
    let opened = opened(&raw);
    for secret in [
        "甄可删",
        id.as_str(),
        "甄同行",
        companion.as_str(),
        "openid-zhen",
        "京A12345",
        "李四",
        &id_number(LI),
    ] {
        assert!(!raw.contains(secret), "{secret} is still in the database");
        assert!(
            !opened.contains(secret),
            "{secret} is still in a sealed value"
        );
    }
    // The kept records are there, pseudonymised: the cancelled visit and its audit trail.
    let (kept, audit) = (raw.contains(&visit_id), audit_actions(&app).await);
    assert!(kept, "the visit's record stays");
    assert!(
        audit.iter().any(|a| a == "identity.account.delete"),
        "{audit:?}"
    );
    minzheng::platform::audit::chain_pending(&app.db)
        .await
        .unwrap();
    assert!(matches!(
        minzheng::platform::audit::verify(&app.db).await.unwrap(),
        minzheng::platform::audit::Verdict::Intact(_)
    ));

    // Signing in again with the same WeChat makes a new, empty account.
    let again = app.citizen("zhen").await;
    assert_ne!(again.id, citizen.id);
    assert_eq!(
        app.get_as(&again.access, "/api/v1/identity/real-name")
            .await
            .0,
        404
    );
}

on_both_backends!(
    names_and_free_text_carry_no_junk,
    a_citizen_verifies_their_real_name_by_wechat_face_after_a_separate_consent,
    an_app_verifies_by_faceid_and_the_rules_hold_between_start_and_confirm,
    face_checks_of_a_real_name_are_limited_a_day,
    a_citizen_sees_which_role_and_unit_read_their_data,
    a_citizen_downloads_a_copy_of_their_data_unmasked,
    a_citizen_deletes_their_account_unless_something_blocks_it
);

/// On SQLite, what is deleted is zeroed in the file (`secure_delete`), not left in a free
/// page for a raw scan to find; and the one-time `VACUUM` of older databases has run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_values_do_not_linger_in_the_sqlite_file() {
    let app = spawn_app(Store::Sqlite).await;
    let probe = "逝者姓名-probe-7391-删除后不应残留";
    let run = |sql: String| {
        let db = app.db.clone();
        async move {
            db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap();
        }
    };
    // Every change in the main file, none left in the write-ahead log.
    let checkpoint = || async {
        for _ in 0..50 {
            let row = app
                .db
                .query_one_raw(Statement::from_string(
                    app.db.get_database_backend(),
                    "PRAGMA wal_checkpoint(TRUNCATE)",
                ))
                .await
                .unwrap()
                .unwrap();
            if row.try_get_by_index::<i32>(0).unwrap() == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the checkpoint stayed busy");
    };
    run(format!(
        "INSERT INTO app_meta (key, value, created_at) VALUES ('probe', '{probe}', '2026-12-03T00:00:00Z')"
    ))
    .await;
    checkpoint().await;
    assert!(
        raw_database(&app).await.contains(probe),
        "the probe is written"
    );
    run("DELETE FROM app_meta WHERE key = 'probe'".into()).await;
    checkpoint().await;
    assert!(
        !raw_database(&app).await.contains(probe),
        "zeroed, not left in a free page"
    );
    let vacuumed = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT value FROM app_meta WHERE key = 'sqlite_vacuumed'",
        ))
        .await
        .unwrap();
    assert!(
        vacuumed.is_some(),
        "the one-time VACUUM ran and was recorded"
    );
}
