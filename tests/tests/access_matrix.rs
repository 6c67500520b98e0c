//! The access matrix: for every route that takes an id or reads personal data, every kind
//! of caller gets exactly the answer it should. A capability adding such a route adds a
//! row to `cases` (and, if needed, a caller to `Who`).
use minzheng_tests::{TestApp, id_number, on_both_backends, spawn_app};
use serde_json::{Value, json};

/// The callers of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// The citizen whose data the route touches.
    Owner,
    OtherCitizen,
    Clerk,
    /// A reviewer of one street.
    StreetReviewer,
    Admin,
}

const EVERYONE: [Who; 6] = [
    Who::Anonymous,
    Who::Owner,
    Who::OtherCitizen,
    Who::Clerk,
    Who::StreetReviewer,
    Who::Admin,
];

/// One route: who may call it, and what everybody else gets.
struct Case {
    name: &'static str,
    method: reqwest::Method,
    path: String,
    body: Value,
    allowed: &'static [Who],
}

/// What a caller who may not call a route gets: 401 without the right kind of token, 403
/// for staff without the role or scope, 404 for another citizen's thing (not even its
/// existence leaks).
fn refused_status(case: &Case, who: Who) -> u16 {
    let staff_route = case
        .allowed
        .iter()
        .any(|w| matches!(w, Who::Clerk | Who::StreetReviewer | Who::Admin));
    match who {
        Who::Anonymous => 401,
        Who::Owner | Who::OtherCitizen if staff_route => 401,
        Who::OtherCitizen => 404,
        Who::Clerk | Who::StreetReviewer | Who::Admin if !staff_route => 401,
        _ => 403,
    }
}

struct World {
    tokens: Vec<(Who, Option<String>)>,
    owner_id: String,
    consent_id: String,
    clerk_id: String,
}

async fn world(app: &TestApp) -> World {
    let owner = app
        .citizen_with_real_name("owner", "张三", &id_number("11011219800101051"))
        .await;
    app.verified_citizen("proxy", "李四", &id_number("11011219900202062"))
        .await;
    let other = app.citizen("other").await;
    let grant = json!({"proxy_name": "李四", "proxy_id_number": id_number("11011219900202062"), "relation": "child", "services": ["dibao"]});
    let (_, consent) = app
        .post_as(&owner.access, "/api/v1/identity/proxies", &grant)
        .await;
    let clerk = app
        .staff("m.clerk", "clerk", "office", Some("centre"))
        .await;
    let reviewer = app
        .staff("m.reviewer", "reviewer", "street", Some("zhongcang"))
        .await;
    let admin = app.admin().await;
    World {
        tokens: vec![
            (Who::Anonymous, None),
            (Who::Owner, Some(owner.access)),
            (Who::OtherCitizen, Some(other.access)),
            (Who::Clerk, Some(clerk.access)),
            (Who::StreetReviewer, Some(reviewer.access)),
            (Who::Admin, Some(admin.access)),
        ],
        owner_id: owner.id,
        consent_id: consent["id"].as_str().unwrap().to_owned(),
        clerk_id: clerk.id,
    }
}

fn cases(w: &World) -> Vec<Case> {
    use reqwest::Method;
    vec![
        Case {
            name: "read own real name",
            method: Method::GET,
            path: "/api/v1/identity/real-name".into(),
            body: json!(null),
            allowed: &[Who::Owner],
        },
        Case {
            name: "list own proxies",
            method: Method::GET,
            path: "/api/v1/identity/proxies".into(),
            body: json!(null),
            allowed: &[Who::Owner, Who::OtherCitizen],
        },
        Case {
            name: "revoke a consent",
            method: Method::POST,
            path: format!("/api/v1/identity/proxies/{}/revoke", w.consent_id),
            body: json!({}),
            allowed: &[Who::Owner],
        },
        Case {
            name: "audit trail of a citizen",
            method: Method::GET,
            path: format!(
                "/api/v1/audit-events?target_kind=citizen_account&target_id={}",
                w.owner_id
            ),
            body: json!(null),
            allowed: &[Who::Admin],
        },
        Case {
            name: "list staff",
            method: Method::GET,
            path: "/api/v1/staff-accounts".into(),
            body: json!(null),
            allowed: &[Who::Admin],
        },
        Case {
            name: "in-person check",
            method: Method::POST,
            path: "/api/v1/identity/real-names/in-person-checks".into(),
            body: json!({"citizen_id": w.owner_id, "name": "张三", "id_number": id_number("11011219800101051")}),
            allowed: &[Who::Clerk, Who::Admin],
        },
        // Last: it ends the clerk's session.
        Case {
            name: "disable staff",
            method: Method::POST,
            path: format!("/api/v1/staff-accounts/{}/disable", w.clerk_id),
            body: json!({}),
            allowed: &[Who::Admin],
        },
    ]
}

async fn call(app: &TestApp, case: &Case, token: &Option<String>) -> (u16, Value) {
    let mut req = app.client.request(case.method.clone(), app.url(&case.path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if !case.body.is_null() {
        req = req.json(&case.body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

on_both_backends! {
    async fn every_caller_gets_exactly_its_due_on_every_route(backend: Backend) {
        let app = spawn_app(backend).await;
        let world = world(&app).await;
        for case in cases(&world) {
            // Refused callers first: allowed ones may change state (revoke, disable).
            let mut order: Vec<Who> = EVERYONE.iter().copied().filter(|w| !case.allowed.contains(w)).collect();
            order.extend(case.allowed.iter().copied());
            for who in order {
                let token = &world.tokens.iter().find(|(w, _)| *w == who).unwrap().1;
                let (status, body) = call(&app, &case, token).await;
                if case.allowed.contains(&who) {
                    assert!((200..300).contains(&status), "{}: {who:?} should be let in, got {status} {body}", case.name);
                } else {
                    assert_eq!(status, refused_status(&case, who), "{}: {who:?} got {body}", case.name);
                }
            }
        }
    }

    async fn a_citizen_only_ever_reads_their_own_real_name(backend: Backend) {
        let app = spawn_app(backend).await;
        app.citizen_with_real_name("one", "张三", &id_number("11011219800101051")).await;
        let two = app.citizen("two").await;
        let (status, body) = app.get_as(&two.access, "/api/v1/identity/real-name").await;
        assert_eq!((status, body["code"].as_str()), (404, Some("identity.real_name_not_found")));
    }
}
