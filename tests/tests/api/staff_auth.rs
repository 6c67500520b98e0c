//! Staff sign-in: password rules, same answer for unknown user and wrong password,
//! lockout, the first-password change, TOTP for every staff role, its reset by an admin and from the server, session limits.
use minzheng_tests::Backend;
use std::time::Instant;

use chrono::{Duration, Utc};
use minzheng_tests::{STAFF_PASSWORD, on_both_backends, spawn_app, totp_code, totp_code_next};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

async fn the_seeded_admin_must_change_the_generated_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = entity::staff_account::Entity::find()
        .filter(entity::staff_account::Column::Username.eq("admin"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(admin.must_change_password);
    assert_eq!(admin.role, "admin");
    assert!(admin.password_hash.starts_with("$argon2id$"));
}

async fn a_new_account_signs_in_changes_its_first_password_then_works(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (status, created) = app.post_as(&admin.access, "/api/v1/staff-accounts",
        &json!({"username": "Clerk.One", "display_name": "一号窗口", "role": "clerk", "scope_kind": "office", "scope_id": "marriage-centre"})).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["account"]["username"], "clerk.one");
    let first = created["first_password"].as_str().unwrap().to_owned();

    let (status, signed) = app.staff_sign_in("clerk.one", &first, None).await;
    assert_eq!(status, 200, "{signed}");
    assert_eq!(signed["pending_step"], "password_change");
    let token = signed["access_token"].as_str().unwrap().to_owned();
    let (status, body) = app
        .get_as(&token, "/api/v1/audit-events?target_kind=x&target_id=y")
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("auth.password_change_required"))
    );

    let (status, weak) = app
        .post_as(
            &token,
            "/api/v1/auth/staff/password",
            &json!({"current_password": first, "new_password": "qwertyuiop12"}),
        )
        .await;
    assert_eq!(
        (status, weak["code"].as_str()),
        (422, Some("auth.password_too_weak"))
    );
    assert_eq!(weak["errors"][0]["reason"], "common");
    let (status, short) = app
        .post_as(
            &token,
            "/api/v1/auth/staff/password",
            &json!({"current_password": first, "new_password": "short"}),
        )
        .await;
    assert_eq!(
        (status, short["errors"][0]["reason"].as_str()),
        (422, Some("length"))
    );
    let (status, _) = app
        .post_as(
            &token,
            "/api/v1/auth/staff/password",
            &json!({"current_password": "wrong", "new_password": "a fine new passphrase"}),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .post_as(
            &token,
            "/api/v1/auth/staff/password",
            &json!({"current_password": first, "new_password": "a fine new passphrase"}),
        )
        .await;
    assert_eq!(status, 204);

    let (status, me) = app.get_as(&token, "/api/v1/auth/staff/me").await;
    assert_eq!(
        (status, me["pending_step"].as_str()),
        (200, Some("totp_setup")),
        "a clerk sets up two-factor too: {me}"
    );
    let (status, _) = app.staff_sign_in("clerk.one", &first, None).await;
    assert_eq!(status, 401, "the old password is gone");
    let (status, _) = app
        .staff_sign_in("clerk.one", "a fine new passphrase", None)
        .await;
    assert_eq!(status, 200);
}

async fn unknown_user_and_wrong_password_get_the_same_answer_in_similar_time(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_staff("real.user", "clerk", "office", Some("centre"))
        .await;
    let mut timings = (Vec::new(), Vec::new());
    let mut bodies = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let (status, body) = app
            .staff_sign_in("nobody.here", "whatever password", None)
            .await;
        timings.0.push(started.elapsed().as_secs_f64());
        assert_eq!(status, 401);
        bodies.push(body);
        let started = Instant::now();
        let (status, body) = app
            .staff_sign_in("real.user", "not the password", None)
            .await;
        timings.1.push(started.elapsed().as_secs_f64());
        assert_eq!(status, 401);
        bodies.push(body);
    }
    for body in &bodies {
        assert_eq!(body["code"], "auth.invalid_credentials");
        assert_eq!(body["detail"], bodies[0]["detail"]);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[1]
    };
    let ratio = median(&mut timings.0) / median(&mut timings.1);
    assert!(
        (0.33..3.0).contains(&ratio),
        "unknown user {:?} vs wrong password {:?}",
        timings.0,
        timings.1
    );
}

async fn ten_wrong_passwords_lock_the_account_until_an_admin_enables_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app
        .create_staff("tries.hard", "clerk", "office", Some("centre"))
        .await;
    for _ in 0..10 {
        assert_eq!(
            app.staff_sign_in("tries.hard", "wrong password!", None)
                .await
                .0,
            401
        );
    }
    let (status, body) = app.staff_sign_in("tries.hard", STAFF_PASSWORD, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("auth.invalid_credentials")),
        "locked, even with the right password"
    );
    let admin = app.admin().await;
    let (status, _) = app
        .post_as(
            &admin.access,
            &format!("/api/v1/staff-accounts/{id}/enable"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.staff_sign_in("tries.hard", STAFF_PASSWORD, None)
            .await
            .0,
        200
    );
}

async fn admins_must_set_up_totp_and_then_sign_in_with_it(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_staff("boss", "admin", "district", None).await;
    let (status, signed) = app.staff_sign_in("boss", STAFF_PASSWORD, None).await;
    assert_eq!(
        (status, signed["pending_step"].as_str()),
        (200, Some("totp_setup"))
    );
    let token = signed["access_token"].as_str().unwrap().to_owned();
    let (status, body) = app.get_as(&token, "/api/v1/staff-accounts").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("auth.totp_setup_required"))
    );
    let (_, setup) = app
        .post_as(&token, "/api/v1/auth/staff/totp", &json!({}))
        .await;
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(
        setup["otpauth_url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let (status, _) = app
        .post_as(
            &token,
            "/api/v1/auth/staff/totp/confirm",
            &json!({"code": "000000"}),
        )
        .await;
    assert_eq!(status, 401);
    // The code that confirms is the one replayed below: computing it again later could
    // fall into the next 30-second step and be a fresh, valid code.
    let used = totp_code(&secret);
    let (status, _) = app
        .post_as(
            &token,
            "/api/v1/auth/staff/totp/confirm",
            &json!({"code": used}),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        app.get_as(&token, "/api/v1/staff-accounts").await.0,
        200,
        "the step is done"
    );

    let (status, body) = app.staff_sign_in("boss", STAFF_PASSWORD, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("auth.totp_required"))
    );
    let wrong = if used == "123456" { "654321" } else { "123456" };
    let (status, body) = app
        .staff_sign_in("boss", STAFF_PASSWORD, Some(wrong.into()))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("auth.totp_invalid"))
    );
    let (status, body) = app.staff_sign_in("boss", STAFF_PASSWORD, Some(used)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("auth.totp_invalid")),
        "a code works once (RFC 6238 5.2)"
    );
    // The next time step's code is within the allowed skew and not used yet.
    let (status, body) = app
        .staff_sign_in("boss", STAFF_PASSWORD, Some(totp_code_next(&secret)))
        .await;
    assert_eq!(
        (status, &body["pending_step"]),
        (200, &serde_json::Value::Null),
        "{body}"
    );
    let (status, body) = app
        .post_as(&token, "/api/v1/auth/staff/totp", &json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("auth.totp_already_enabled")),
        "a token alone cannot replace the factor"
    );
}

async fn disabling_an_account_ends_its_sessions_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let clerk = app
        .staff("desk.two", "clerk", "office", Some("centre"))
        .await;
    assert_eq!(
        app.get_as(&clerk.access, "/api/v1/auth/staff/me").await.0,
        200
    );
    let (status, _) = app
        .post_as(
            &admin.access,
            &format!("/api/v1/staff-accounts/{}/disable", clerk.id),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app.get_as(&clerk.access, "/api/v1/auth/staff/me").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("auth.session_ended"))
    );
    let status = app
        .post_json(
            "/api/v1/auth/staff/tokens",
            &json!({"refresh_token": clerk.refresh}),
        )
        .await
        .status()
        .as_u16();
    assert_eq!(status, 401);
    assert_eq!(
        app.staff_sign_in("desk.two", STAFF_PASSWORD, None).await.0,
        401
    );
}

/// Staff list their signed-in devices and sign one out (this one too).
async fn staff_see_their_sessions_and_sign_one_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let clerk = app
        .staff("desk.three", "clerk", "office", Some("marriage-centre"))
        .await;
    let (status, mine) = app
        .get_as(&clerk.access, "/api/v1/auth/staff/sessions")
        .await;
    assert_eq!(status, 200, "{mine}");
    let items = mine["items"].as_array().unwrap();
    assert_eq!(
        (items.len(), items[0]["current"].as_bool()),
        (1, Some(true)),
        "{mine}"
    );
    let missing = uuid::Uuid::now_v7();
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/auth/staff/sessions/{missing}/revoke"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("auth.session_not_found"))
    );
    assert_eq!(
        app.post_as(
            &clerk.access,
            "/api/v1/auth/staff/sessions/revoke-others",
            &json!({})
        )
        .await
        .0,
        204
    );
    assert_eq!(
        app.get_as(&clerk.access, "/api/v1/auth/staff/me").await.0,
        200,
        "this one stays"
    );
    let this = items[0]["id"].as_str().unwrap();
    assert_eq!(
        app.post_as(
            &clerk.access,
            &format!("/api/v1/auth/staff/sessions/{this}/revoke"),
            &json!({})
        )
        .await
        .0,
        204
    );
    assert_eq!(
        app.get_as(&clerk.access, "/api/v1/auth/staff/me").await.0,
        401
    );
}

async fn staff_sessions_end_after_15_idle_minutes_and_12_hours(backend: Backend) {
    let app = spawn_app(backend).await;
    let clerk = app
        .staff("desk.three", "clerk", "office", Some("centre"))
        .await;
    use entity::auth_session::{Column, Entity};
    Entity::update_many()
        .col_expr(
            Column::LastSeenAt,
            Expr::value(Utc::now() - Duration::minutes(16)),
        )
        .filter(Column::AccountId.eq(uuid::Uuid::parse_str(&clerk.id).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(
        app.get_as(&clerk.access, "/api/v1/auth/staff/me").await.0,
        401,
        "idle"
    );

    let again = app
        .staff_sign_in(
            "desk.three",
            STAFF_PASSWORD,
            Some(totp_code_next(clerk.totp_secret.as_ref().unwrap())),
        )
        .await
        .1;
    let token = again["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get_as(&token, "/api/v1/auth/staff/me").await.0, 200);
    Entity::update_many()
        .col_expr(
            Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(Column::AccountId.eq(uuid::Uuid::parse_str(&clerk.id).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(
        app.get_as(&token, "/api/v1/auth/staff/me").await.0,
        401,
        "12 hours in all"
    );
}

async fn only_admins_manage_staff_accounts(backend: Backend) {
    let app = spawn_app(backend).await;
    let reviewer = app
        .staff("rev.one", "reviewer", "street", Some("zhongcang"))
        .await;
    let (status, body) = app.post_as(&reviewer.access, "/api/v1/staff-accounts",
        &json!({"username": "sneaky", "display_name": "x", "role": "admin", "scope_kind": "district"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("auth.forbidden"))
    );
    let admin = app.admin().await;
    let (status, body) = app.post_as(&admin.access, "/api/v1/staff-accounts",
        &json!({"username": "rev.two", "display_name": "x", "role": "reviewer", "scope_kind": "street", "scope_id": "nowhere"})).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("scope_id"))
    );
    let (status, body) = app.post_as(&admin.access, "/api/v1/staff-accounts",
        &json!({"username": "rev.one", "display_name": "x", "role": "reviewer", "scope_kind": "street", "scope_id": "xinhua"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("staff.username_taken"))
    );
}

on_both_backends!(
    the_seeded_admin_must_change_the_generated_password,
    a_new_account_signs_in_changes_its_first_password_then_works,
    unknown_user_and_wrong_password_get_the_same_answer_in_similar_time,
    ten_wrong_passwords_lock_the_account_until_an_admin_enables_it,
    admins_must_set_up_totp_and_then_sign_in_with_it,
    disabling_an_account_ends_its_sessions_at_once,
    staff_see_their_sessions_and_sign_one_out,
    staff_sessions_end_after_15_idle_minutes_and_12_hours,
    only_admins_manage_staff_accounts
);

/// A scope names a place of its kind that exists, or the account would see nothing.
async fn a_scope_must_name_an_existing_place_of_its_kind(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    for (kind, id) in [
        ("office", "marriage-centre-typo"),
        ("office", "luhe-cemetery"),
        ("cemetery", "marriage-centre"),
        ("funeral_home", ""),
    ] {
        let (status, body) = app.post_as(&admin.access, "/api/v1/staff-accounts",
            &json!({"username": format!("clerk.{kind}.{}", id.len()), "display_name": "窗口", "role": "clerk", "scope_kind": kind, "scope_id": id})).await;
        assert_eq!(status, 422, "{kind} {id}: {body}");
        assert_eq!(body["errors"][0]["field"], "scope_id", "{body}");
    }
    for (kind, id) in [
        ("office", "marriage-centre"),
        ("cemetery", "songzhuang-burial"),
        ("funeral_home", "tongzhou-funeral-home"),
    ] {
        let (status, body) = app.post_as(&admin.access, "/api/v1/staff-accounts",
            &json!({"username": format!("ok.{}", id.len()), "display_name": "窗口", "role": "clerk", "scope_kind": kind, "scope_id": id})).await;
        assert_eq!(status, 201, "{kind} {id}: {body}");
    }
}

on_both_backends!(a_scope_must_name_an_existing_place_of_its_kind);

/// The only enabled district admin cannot disable itself (nothing could undo it);
/// with a second admin it can be disabled.
async fn the_last_district_admin_cannot_be_disabled(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    // The seeded admin still has its first password: disable it, so that the test
    // admin is the only enabled one.
    let (_, page) = app
        .get_as(&admin.access, "/api/v1/staff-accounts?limit=100")
        .await;
    let seeded = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "admin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = app
        .post_as(
            &admin.access,
            &format!("/api/v1/staff-accounts/{seeded}/disable"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post_as(
            &admin.access,
            &format!("/api/v1/staff-accounts/{}/disable", admin.id),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("staff.last_admin")),
        "{body}"
    );
    let (_, me) = app.get_as(&admin.access, "/api/v1/auth/staff/me").await;
    assert_eq!(me["username"], admin.username, "still signed in: {me}");
    let (status, _) = app
        .post_as(
            &admin.access,
            &format!("/api/v1/staff-accounts/{seeded}/enable"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post_as(
            &admin.access,
            &format!("/api/v1/staff-accounts/{}/disable", admin.id),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "with another admin enabled: {body}");
}

on_both_backends!(the_last_district_admin_cannot_be_disabled);

/// Every staff role reads personal data, so every role needs a second factor; an
/// existing account without one sets it up at its next sign-in.
async fn every_staff_role_sets_up_two_factor_before_working(backend: Backend) {
    let app = spawn_app(backend).await;
    for (role, kind, scope) in [
        ("clerk", "office", Some("marriage-centre")),
        ("reviewer", "street", Some("zhongcang")),
        ("approver", "district", None),
        ("admin", "district", None),
    ] {
        let username = format!("two-factor.{role}");
        app.create_staff(&username, role, kind, scope).await;
        let (status, signed) = app.staff_sign_in(&username, STAFF_PASSWORD, None).await;
        assert_eq!(
            (status, signed["pending_step"].as_str()),
            (200, Some("totp_setup")),
            "{role}: {signed}"
        );
        let token = signed["access_token"].as_str().unwrap();
        let (status, body) = app
            .get_as(
                token,
                "/api/v1/desk/marriage/appointments?office_id=marriage-centre",
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("auth.totp_setup_required")),
            "{role}: {body}"
        );
    }
}

/// A district admin clears a clerk's lost second factor: the clerk's sessions end and
/// the next sign-in asks for a new setup. An admin cannot clear their own.
async fn an_admin_resets_another_staff_members_two_factor(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let clerk = app
        .staff("lost.phone", "clerk", "office", Some("marriage-centre"))
        .await;
    assert!(clerk.totp_secret.is_some());
    let (status, body) = app
        .post_as(
            &admin.access,
            &format!("/api/v1/staff-accounts/{}/totp-reset", clerk.id),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.get_as(&clerk.access, "/api/v1/auth/staff/me").await;
    assert_eq!(status, 401, "the clerk's sessions end");
    let (status, signed) = app.staff_sign_in("lost.phone", STAFF_PASSWORD, None).await;
    assert_eq!(
        (status, signed["pending_step"].as_str()),
        (200, Some("totp_setup")),
        "{signed}"
    );
    let (status, body) = app
        .post_as(
            &admin.access,
            &format!("/api/v1/staff-accounts/{}/totp-reset", admin.id),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("staff.own_totp_reset")),
        "{body}"
    );
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/staff-accounts/{}/totp-reset", admin.id),
            &json!({}),
        )
        .await;
    assert_eq!(status, 401, "{body}");
    let (_, events) = app
        .get_as(
            &admin.access,
            &format!(
                "/api/v1/audit-events?target_kind=staff_account&target_id={}",
                clerk.id
            ),
        )
        .await;
    assert!(
        events.to_string().contains("auth.staff.totp_reset"),
        "{events}"
    );
}

/// `minzheng admin-reset USERNAME` on the server: a one-time password printed once,
/// two-factor cleared, the account enabled, its sessions ended, audited.
async fn admin_reset_on_the_server_lets_a_locked_out_admin_back_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let minzheng = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_minzheng-under-test"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("MINZHENG_DATA_DIR", &app.config.data_dir)
            .current_dir(&app.config.data_dir)
            .args(args);
        if let Some(url) = &app.config.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().unwrap()
    };
    let unknown = minzheng(&["admin-reset", "nobody"]);
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("staff.not_found"),
        "{unknown:?}"
    );

    let out = minzheng(&["admin-reset", &admin.username]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let password = stdout
        .split("one-time password ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let (status, _) = app.get_as(&admin.access, "/api/v1/auth/staff/me").await;
    assert_eq!(status, 401, "the admin's sessions end");
    let (status, _) = app
        .staff_sign_in(
            &admin.username,
            STAFF_PASSWORD,
            totp_code_next(admin.totp_secret.as_ref().unwrap()).into(),
        )
        .await;
    assert_eq!(status, 401, "the old password is gone");
    let (status, signed) = app.staff_sign_in(&admin.username, &password, None).await;
    assert_eq!(
        (status, signed["pending_step"].as_str()),
        (200, Some("password_change")),
        "no TOTP asked: {signed}"
    );
    let account = entity::staff_account::Entity::find()
        .filter(entity::staff_account::Column::Username.eq(&admin.username))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !account.totp_enabled
            && account.totp_secret_sealed.is_none()
            && account.must_change_password
            && !account.disabled
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(&password),
        "the password is printed once, not logged"
    );
    let events = entity::audit_event::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| e.action == "auth.staff.server_reset"),
        "audited"
    );
}

on_both_backends!(
    every_staff_role_sets_up_two_factor_before_working,
    an_admin_resets_another_staff_members_two_factor,
    admin_reset_on_the_server_lets_a_locked_out_admin_back_in
);
