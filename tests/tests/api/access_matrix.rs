//! The access matrix: for every route that takes an id or reads personal data, every kind
//! of caller gets exactly the answer it should. A capability adding such a route adds a
//! row to `cases` (and, if needed, a caller to `Who`).
use minzheng_tests::Backend;
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
    marriage: MarriageWorld,
    application_id: String,
    tomb: TombWorld,
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
    let marriage = marriage_world(app, &owner, &admin.access).await;
    let application_id = application_world(app, &owner).await;
    let tomb = tomb_world(app, &owner).await;
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
        marriage,
        application_id,
        tomb,
    }
}

/// The owner's tomb visit and proxy sweeping order at the seeded public cemetery.
struct TombWorld {
    visit_id: String,
    sweep_id: String,
    funeral_id: String,
}

async fn tomb_world(app: &TestApp, owner: &minzheng_tests::CitizenLogin) -> TombWorld {
    let date =
        (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive() + chrono::Duration::days(3);
    let day: Value = app
        .get(&format!(
            "/api/v1/resources/luhe-cemetery/availability?business_type=visit&from={date}&to={date}"
        ))
        .await
        .json()
        .await
        .unwrap();
    let visit = json!({"cemetery_id": "luhe-cemetery", "slot_id": day["days"][0]["slots"][0]["slot_id"], "grave": {"section": "A", "row": "1", "number": "1"},
        "visitors": [{"name": "张三", "id_number": id_number("11011219800101051")}]});
    let (status, visit) = app
        .post_as(&owner.access, "/api/v1/tomb-visits", &visit)
        .await;
    assert_eq!(status, 201, "{visit}");
    let order = json!({"cemetery_id": "luhe-cemetery", "grave": {"section": "A", "row": "1", "number": "1"}, "sweep_date": date, "flowers": true});
    let (status, order) = app
        .post_as(&owner.access, "/api/v1/proxy-sweeps", &order)
        .await;
    assert_eq!(status, 201, "{order}");
    // A cremation booked for a deceased relative, with the certificate photo.
    let (_, media) = app
        .upload(&owner.access, tiny_png(), "image/png", "document")
        .await;
    let day: Value = app.get(&format!("/api/v1/resources/tongzhou-funeral-home/availability?business_type=cremation&from={date}&to={date}")).await.json().await.unwrap();
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let funeral = json!({"funeral_home_id": "tongzhou-funeral-home",
        "deceased": {"name": "张老三", "id_number": id_number("11011219400101071"), "date_of_death": today,
            "death_certificate_number": "B110112202611280009", "death_certificate_media_id": media["id"]},
        "cremation_slot_id": day["days"][0]["slots"][0]["slot_id"], "items": [{"code": "cremation"}]});
    let (status, funeral) = app
        .post_as(&owner.access, "/api/v1/funeral/bookings", &funeral)
        .await;
    assert_eq!(status, 201, "{funeral}");
    TombWorld {
        visit_id: visit["id"].as_str().unwrap().to_owned(),
        sweep_id: order["id"].as_str().unwrap().to_owned(),
        funeral_id: funeral["id"].as_str().unwrap().to_owned(),
    }
}

/// The owner's heating-subsidy application, submitted to the street `zhongcang`.
async fn application_world(app: &TestApp, owner: &minzheng_tests::CitizenLogin) -> String {
    let (status, draft) = app
        .post_as(
            &owner.access,
            "/api/v1/applications",
            &json!({"service_code": "heating_subsidy"}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();
    let form = json!({"values": {"phone": "13812345678", "address": "中仓街道", "heating": "electric", "area_m2": 50}, "hukou_street_id": "zhongcang"});
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/applications/{id}/form"),
            &owner.access,
        )
        .json(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let household = json!({"members": [{"relation": "self", "name": "张三", "id_number": id_number("11011219800101051"), "monthly_income": 500.0}]});
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/applications/{id}/household"),
            &owner.access,
        )
        .json(&household)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, media) = app
        .upload(&owner.access, tiny_png(), "image/png", "document")
        .await;
    let (status, _) = app
        .post_as(
            &owner.access,
            &format!("/api/v1/applications/{id}/materials"),
            &json!({"material_code": "id_card", "media_id": media["id"]}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = app
        .post_as(
            &owner.access,
            &format!("/api/v1/applications/{id}/submit"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    id
}

/// A 1×1 PNG.
fn tiny_png() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(1, 1)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// The owner's marriage things: an appointment, a waitlist place, a draw request.
struct MarriageWorld {
    appointment_id: String,
    waitlist_id: String,
    draw_request_id: String,
    /// The day of the world's draw: the matrix opens another one on a later day.
    draw_day: chrono::NaiveDate,
}

async fn marriage_world(
    app: &TestApp,
    owner: &minzheng_tests::CitizenLogin,
    admin: &str,
) -> MarriageWorld {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    entity::real_name::Entity::update_many()
        .col_expr(entity::real_name::Column::Status, Expr::value("verified"))
        .filter(entity::real_name::Column::CitizenId.eq(uuid::Uuid::parse_str(&owner.id).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    let owner_id = id_number("11011219800101051");
    let office = json!({"kind": "marriage_office", "name": "矩阵测试处", "window_days": 15, "window_opens_at": "00:00",
        "cutoff_previous_day_at": null, "cutoff_minutes": 0, "cancel_minutes": 60, "working_days_only": true});
    app.authed(
        reqwest::Method::PUT,
        "/api/v1/resources/matrix-office",
        admin,
    )
    .json(&office)
    .send()
    .await
    .unwrap();
    let slots: Vec<Value> = (1..=5)
        .map(|w| json!({"weekday": w, "start_time": "09:00", "end_time": "10:00", "capacity": 1}))
        .collect();
    app.authed(
        reqwest::Method::PUT,
        "/api/v1/resources/matrix-office/templates/reissue",
        admin,
    )
    .json(&json!({"slots": slots}))
    .send()
    .await
    .unwrap();
    let date = minzheng_tests::next_weekday(2);
    let day: Value = app.get(&format!("/api/v1/resources/matrix-office/availability?business_type=reissue&from={date}&to={date}")).await.json().await.unwrap();
    let book = |id: &str| json!({"office_id": "matrix-office", "business_type": "reissue", "slot_id": day["days"][0]["slots"][0]["slot_id"], "parties": [{"name": "张三", "id_number": id}]});
    // Somebody else takes the only seat; the owner waits for it.
    let someone = app
        .verified_citizen("someone", "王五", &id_number("11011219850505031"))
        .await;
    let (status, _) = app
        .post_as(
            &someone.access,
            "/api/v1/marriage/appointments",
            &book(&id_number("11011219850505031")),
        )
        .await;
    assert_eq!(status, 201);
    let branch_day: Value = app.get(&format!("/api/v1/resources/marriage-branch/availability?business_type=reissue&from={date}&to={date}")).await.json().await.unwrap();
    let mine = json!({"office_id": "marriage-branch", "business_type": "reissue", "slot_id": branch_day["days"][0]["slots"][0]["slot_id"], "parties": [{"name": "张三", "id_number": owner_id}]});
    let (status, appointment) = app
        .post_as(&owner.access, "/api/v1/marriage/appointments", &mine)
        .await;
    assert_eq!(status, 201, "{appointment}");
    // Booking ends places in line, so the owner joins after booking.
    let (status, waiting) = app
        .post_as(
            &owner.access,
            "/api/v1/marriage/waitlist",
            &json!({"office_id": "matrix-office", "business_type": "reissue", "date": date}),
        )
        .await;
    assert_eq!(status, 201, "{waiting}");
    // A later working day than the booked one (on a Thursday in Beijing, 2 and 4 days ahead
    // both land on the next Monday).
    let draw_day = (4..)
        .map(minzheng_tests::next_weekday)
        .find(|d| *d > date)
        .unwrap();
    let now = chrono::Utc::now();
    let (status, draw) = app.post_as(admin, "/api/v1/admin/marriage/draws", &json!({"office_id": "matrix-office", "business_type": "reissue", "date": draw_day,
        "requests_open_at": (now - chrono::Duration::minutes(1)).to_rfc3339(), "requests_close_at": (now + chrono::Duration::hours(1)).to_rfc3339()})).await;
    assert_eq!(status, 201, "{draw}");
    let (status, request) = app
        .post_as(
            &owner.access,
            &format!(
                "/api/v1/marriage/draws/{}/requests",
                draw["id"].as_str().unwrap()
            ),
            &json!({"parties": [{"name": "张三", "id_number": owner_id}]}),
        )
        .await;
    assert_eq!(status, 201, "{request}");
    MarriageWorld {
        appointment_id: appointment["id"].as_str().unwrap().to_owned(),
        waitlist_id: waiting["id"].as_str().unwrap().to_owned(),
        draw_request_id: request["id"].as_str().unwrap().to_owned(),
        draw_day,
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
        Case {
            name: "read own appointment",
            method: Method::GET,
            path: format!(
                "/api/v1/marriage/appointments/{}",
                w.marriage.appointment_id
            ),
            body: json!(null),
            allowed: &[Who::Owner],
        },
        Case {
            name: "QR code of own appointment",
            method: Method::GET,
            path: format!(
                "/api/v1/marriage/appointments/{}/qr.png",
                w.marriage.appointment_id
            ),
            body: json!(null),
            allowed: &[Who::Owner],
        },
        Case {
            name: "desk day sheet of an office",
            method: Method::GET,
            path: "/api/v1/desk/marriage/appointments?office_id=marriage-branch".into(),
            body: json!(null),
            allowed: &[Who::Admin],
        },
        Case {
            name: "open a day as a draw",
            method: Method::POST,
            path: "/api/v1/admin/marriage/draws".into(),
            body: json!({"office_id": "matrix-office", "business_type": "reissue", "date": (5..).map(minzheng_tests::next_weekday).find(|d| *d > w.marriage.draw_day).unwrap(),
                "requests_open_at": chrono::Utc::now().to_rfc3339(), "requests_close_at": (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339()}),
            allowed: &[Who::Admin],
        },
        Case {
            name: "leave own waitlist place",
            method: Method::POST,
            path: format!(
                "/api/v1/marriage/waitlist/{}/cancel",
                w.marriage.waitlist_id
            ),
            body: json!({}),
            allowed: &[Who::Owner],
        },
        Case {
            name: "withdraw own draw request",
            method: Method::POST,
            path: format!(
                "/api/v1/marriage/draw-requests/{}/withdraw",
                w.marriage.draw_request_id
            ),
            body: json!({}),
            allowed: &[Who::Owner],
        },
        Case {
            name: "read own application",
            method: Method::GET,
            path: format!("/api/v1/applications/{}", w.application_id),
            body: json!(null),
            allowed: &[Who::Owner],
        },
        Case {
            name: "review an application of the street",
            method: Method::GET,
            path: format!("/api/v1/review/applications/{}", w.application_id),
            body: json!(null),
            allowed: &[Who::StreetReviewer, Who::Admin],
        },
        Case {
            name: "application statistics",
            method: Method::GET,
            path: "/api/v1/review/statistics".into(),
            body: json!(null),
            allowed: &[Who::Admin],
        },
        Case {
            name: "withdraw own application",
            method: Method::POST,
            path: format!("/api/v1/applications/{}/withdraw", w.application_id),
            body: json!({}),
            allowed: &[Who::Owner],
        },
        Case {
            name: "cancel own appointment",
            method: Method::POST,
            path: format!(
                "/api/v1/marriage/appointments/{}/cancel",
                w.marriage.appointment_id
            ),
            body: json!({}),
            allowed: &[Who::Owner],
        },
        Case {
            name: "read own tomb visit",
            method: Method::GET,
            path: format!("/api/v1/tomb-visits/{}", w.tomb.visit_id),
            body: json!(null),
            allowed: &[Who::Owner],
        },
        Case {
            name: "QR code of own tomb visit",
            method: Method::GET,
            path: format!("/api/v1/tomb-visits/{}/qr.png", w.tomb.visit_id),
            body: json!(null),
            allowed: &[Who::Owner],
        },
        Case {
            name: "gate list of a cemetery",
            method: Method::GET,
            path: "/api/v1/desk/tomb-visits?cemetery_id=luhe-cemetery".into(),
            body: json!(null),
            allowed: &[Who::Admin],
        },
        Case {
            name: "a cemetery's load",
            method: Method::GET,
            path: "/api/v1/desk/cemeteries/luhe-cemetery/load".into(),
            body: json!(null),
            allowed: &[Who::Admin],
        },
        Case {
            name: "define a peak period",
            method: Method::POST,
            path: "/api/v1/resources/luhe-cemetery/peak-periods".into(),
            body: json!({"name": "寒衣节", "first_date": "2028-11-10", "last_date": "2028-11-11", "window_days": 10,
                "slots": [{"business_type": "visit", "start_time": "08:00", "end_time": "09:00", "capacity": 50}]}),
            allowed: &[Who::Admin],
        },
        Case {
            name: "read own proxy sweeping order",
            method: Method::GET,
            path: format!("/api/v1/proxy-sweeps/{}", w.tomb.sweep_id),
            body: json!(null),
            allowed: &[Who::Owner],
        },
        Case {
            name: "proxy sweeping orders of a cemetery",
            method: Method::GET,
            path: "/api/v1/desk/proxy-sweeps?cemetery_id=luhe-cemetery".into(),
            body: json!(null),
            allowed: &[Who::Admin],
        },
        Case {
            name: "cancel own proxy sweeping order",
            method: Method::POST,
            path: format!("/api/v1/proxy-sweeps/{}/cancel", w.tomb.sweep_id),
            body: json!({}),
            allowed: &[Who::Owner],
        },
        Case {
            name: "read own funeral booking",
            method: Method::GET,
            path: format!("/api/v1/funeral/bookings/{}", w.tomb.funeral_id),
            body: json!(null),
            allowed: &[Who::Owner],
        },
        Case {
            name: "a funeral home's bookings",
            method: Method::GET,
            path: "/api/v1/desk/funeral/bookings?home_id=tongzhou-funeral-home".into(),
            body: json!(null),
            allowed: &[Who::Admin],
        },
        Case {
            name: "set a funeral service price",
            method: Method::PUT,
            path: "/api/v1/funeral-homes/tongzhou-funeral-home/services/urn_basic".into(),
            body: json!({"name": "骨灰盒（基本款）", "kind": "goods", "price_fen": 60000, "basic": false, "active": true}),
            allowed: &[Who::Admin],
        },
        Case {
            name: "cancel own funeral booking",
            method: Method::POST,
            path: format!("/api/v1/funeral/bookings/{}/cancel", w.tomb.funeral_id),
            body: json!({}),
            allowed: &[Who::Owner],
        },
        Case {
            name: "cancel own tomb visit",
            method: Method::POST,
            path: format!("/api/v1/tomb-visits/{}/cancel", w.tomb.visit_id),
            body: json!({}),
            allowed: &[Who::Owner],
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

async fn every_caller_gets_exactly_its_due_on_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let world = world(&app).await;
    for case in cases(&world) {
        // Refused callers first: allowed ones may change state (revoke, disable).
        let mut order: Vec<Who> = EVERYONE
            .iter()
            .copied()
            .filter(|w| !case.allowed.contains(w))
            .collect();
        order.extend(case.allowed.iter().copied());
        for who in order {
            let token = &world.tokens.iter().find(|(w, _)| *w == who).unwrap().1;
            let (status, body) = call(&app, &case, token).await;
            if case.allowed.contains(&who) {
                assert!(
                    (200..300).contains(&status),
                    "{}: {who:?} should be let in, got {status} {body}",
                    case.name
                );
            } else {
                assert_eq!(
                    status,
                    refused_status(&case, who),
                    "{}: {who:?} got {body}",
                    case.name
                );
            }
        }
    }
}

async fn a_citizen_only_ever_reads_their_own_real_name(backend: Backend) {
    let app = spawn_app(backend).await;
    app.citizen_with_real_name("one", "张三", &id_number("11011219800101051"))
        .await;
    let two = app.citizen("two").await;
    let (status, body) = app.get_as(&two.access, "/api/v1/identity/real-name").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("identity.real_name_not_found"))
    );
}

on_both_backends!(
    every_caller_gets_exactly_its_due_on_every_route,
    a_citizen_only_ever_reads_their_own_real_name
);
