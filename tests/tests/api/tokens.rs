//! Access and refresh tokens: every way a token can be wrong is refused; refresh tokens
//! rotate, and a reused one ends the session.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use minzheng_tests::Backend;
use minzheng_tests::{TEST_TOKEN_KEY, TestApp, on_both_backends, spawn_app};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const ME: &str = "/api/v1/auth/citizen/me";

fn kid() -> String {
    hex::encode(&Sha256::digest(TEST_TOKEN_KEY)[..4])
}

/// A token signed with the test key, with the given claims and header changes.
fn forge(claims: &Value, alg: Algorithm, key: &[u8], kid: Option<String>) -> String {
    let mut header = Header::new(alg);
    header.kid = kid;
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(key).unwrap()).unwrap()
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn status_with(app: &TestApp, token: &str) -> (u16, Value) {
    app.get_as(token, ME).await
}

async fn a_good_token_works_and_every_bad_one_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = app.citizen("alice").await;
    assert_eq!(status_with(&app, &citizen.access).await.0, 200);
    let claims = claims_of(&citizen.access);
    let now = chrono::Utc::now().timestamp();

    let missing = app.client.get(app.url(ME)).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert!(
        missing.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );

    let mut expired = claims.clone();
    expired["iat"] = json!(now - 3600);
    expired["nbf"] = json!(now - 3600);
    expired["exp"] = json!(now - 60);
    let mut future = claims.clone();
    future["nbf"] = json!(now + 600);
    future["exp"] = json!(now + 1200);
    let mut staff_audience = claims.clone();
    staff_audience["aud"] = json!("minzheng-staff");
    let mut other_issuer = claims.clone();
    other_issuer["iss"] = json!("someone-else");
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        citizen.access.split('.').nth(1).unwrap()
    );
    let mut tampered_claims = claims.clone();
    tampered_claims["sub"] = json!(uuid::Uuid::now_v7().to_string());
    let parts: Vec<&str> = citizen.access.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(tampered_claims.to_string()),
        parts[2]
    );

    let bad = [
        ("garbage", "not-a-token".to_owned()),
        (
            "expired",
            forge(&expired, Algorithm::HS256, &TEST_TOKEN_KEY, Some(kid())),
        ),
        (
            "not yet valid",
            forge(&future, Algorithm::HS256, &TEST_TOKEN_KEY, Some(kid())),
        ),
        (
            "wrong audience",
            forge(
                &staff_audience,
                Algorithm::HS256,
                &TEST_TOKEN_KEY,
                Some(kid()),
            ),
        ),
        (
            "wrong issuer",
            forge(
                &other_issuer,
                Algorithm::HS256,
                &TEST_TOKEN_KEY,
                Some(kid()),
            ),
        ),
        (
            "other key",
            forge(&claims, Algorithm::HS256, &[9; 32], Some(kid())),
        ),
        (
            "no key id",
            forge(&claims, Algorithm::HS256, &TEST_TOKEN_KEY, None),
        ),
        (
            "HS512 confusion",
            forge(&claims, Algorithm::HS512, &TEST_TOKEN_KEY, Some(kid())),
        ),
        ("alg none", unsigned),
        ("tampered payload", tampered),
    ];
    for (what, token) in bad {
        let (status, body) = status_with(&app, &token).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(body["code"], "auth.unauthenticated", "{what}");
    }
}

async fn a_staff_token_does_not_open_citizen_routes_nor_the_other_way(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = app.citizen("bob").await;
    let clerk = app
        .staff("clerk.x", "clerk", "office", Some("centre"))
        .await;
    assert_eq!(app.get_as(&clerk.access, ME).await.0, 401);
    assert_eq!(
        app.get_as(&citizen.access, "/api/v1/auth/staff/me").await.0,
        401
    );
}

async fn refresh_tokens_rotate_and_a_reused_one_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = app.citizen("carol").await;
    let res = app
        .post_json(
            "/api/v1/auth/citizen/tokens",
            &json!({"refresh_token": citizen.refresh}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let fresh: Value = res.json().await.unwrap();
    let new_refresh = fresh["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, citizen.refresh);
    assert_eq!(
        status_with(&app, fresh["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );

    // The old token comes back: someone copied it. The whole session ends.
    let reuse = app
        .post_json(
            "/api/v1/auth/citizen/tokens",
            &json!({"refresh_token": citizen.refresh}),
        )
        .await;
    assert_eq!(reuse.status(), 401);
    let after = app
        .post_json(
            "/api/v1/auth/citizen/tokens",
            &json!({"refresh_token": new_refresh}),
        )
        .await;
    assert_eq!(
        after.status(),
        401,
        "the newest token of the family is revoked too"
    );
    assert_eq!(
        status_with(&app, fresh["access_token"].as_str().unwrap())
            .await
            .0,
        401,
        "and its access token"
    );
    let staff_route = app
        .post_json(
            "/api/v1/auth/staff/tokens",
            &json!({"refresh_token": "made-up"}),
        )
        .await;
    assert_eq!(staff_route.status(), 401);
}

async fn logout_revokes_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = app.citizen("dave").await;
    let res = app
        .authed(
            reqwest::Method::POST,
            "/api/v1/auth/citizen/logout",
            &citizen.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(status_with(&app, &citizen.access).await.0, 401);
    let refresh = app
        .post_json(
            "/api/v1/auth/citizen/tokens",
            &json!({"refresh_token": citizen.refresh}),
        )
        .await;
    assert_eq!(refresh.status(), 401);
}

on_both_backends!(
    a_good_token_works_and_every_bad_one_is_refused,
    a_staff_token_does_not_open_citizen_routes_nor_the_other_way,
    refresh_tokens_rotate_and_a_reused_one_ends_the_session,
    logout_revokes_the_session
);
