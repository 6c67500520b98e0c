//! Tomb visit reservations (预约祭扫) and the scheduling core's peak periods: a party on
//! one code, the gate, the rules (persons per grave and day, one reservation per ID
//! number and day, plates), peak periods (own slots, earlier opening), and a rush on a
//! popular 清明 slot.
use chrono::Duration;
use minzheng_tests::Backend;
use minzheng_tests::{TestApp, id_number, on_both_backends, spawn_app};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const BOOKER: &str = "11011219800101001";

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + Duration::hours(8)).date_naive()
}

/// A valid ID number for person `i` of the tests.
fn person(i: usize) -> String {
    id_number(&format!("110112{:04}0101{:03}", 1950 + i % 50, i % 1000))
}

/// `12` as `一二`: names take Chinese characters only.
fn chinese_digits(i: usize) -> String {
    i.to_string()
        .chars()
        .map(|d| {
            "〇一二三四五六七八九"
                .chars()
                .nth(d.to_digit(10).unwrap() as usize)
                .unwrap()
        })
        .collect()
}

fn party(range: std::ops::Range<usize>) -> Value {
    Value::Array(
        range
            .map(
                |i| json!({"name": format!("祭扫人{}", chinese_digits(i)), "id_number": person(i)}),
            )
            .collect(),
    )
}

fn visit(cemetery: &str, slot: &Value, grave: (&str, &str, &str), visitors: Value) -> Value {
    json!({"cemetery_id": cemetery, "slot_id": slot["slot_id"], "grave": {"section": grave.0, "row": grave.1, "number": grave.2}, "visitors": visitors})
}

async fn day(app: &TestApp, cemetery: &str, date: chrono::NaiveDate) -> Value {
    let path = format!(
        "/api/v1/resources/{cemetery}/availability?business_type=visit&from={date}&to={date}"
    );
    let body: Value = app.get(&path).await.json().await.unwrap();
    body["days"][0].clone()
}

async fn first_slot(app: &TestApp, cemetery: &str, date: chrono::NaiveDate) -> Value {
    let d = day(app, cemetery, date).await;
    assert_eq!(d["state"], "open", "{d}");
    d["slots"][0].clone()
}

/// A cemetery of the test's own: bookable 3 days ahead, no previous-day cut-off, hourly
/// slots of `capacity` every day.
async fn own_cemetery(app: &TestApp, admin: &str, id: &str, capacity: i32) {
    let (status, body) = app.put_as(admin, &format!("/api/v1/resources/{id}"), &json!({"kind": "cemetery", "name": "测试公墓", "address": "通州区", "window_days": 3, "window_opens_at": "00:00", "cutoff_previous_day_at": null, "cutoff_minutes": 0, "cancel_minutes": 0, "working_days_only": false})).await;
    assert_eq!(status, 200, "{body}");
    let slots: Vec<Value> = (1..=7).flat_map(|w| [("08:00", "09:00"), ("09:00", "10:00")].map(|(s, e)| json!({"weekday": w, "start_time": s, "end_time": e, "capacity": capacity}))).collect();
    let (status, body) = app
        .put_as(
            admin,
            &format!("/api/v1/resources/{id}/templates/visit"),
            &json!({"slots": slots}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
}

async fn a_party_books_and_enters_on_one_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let booker = app
        .verified_citizen("booker", "王芳", &id_number(BOOKER))
        .await;
    let date = today() + Duration::days(3);
    let slot = first_slot(&app, "luhe-cemetery", date).await;
    let mut body = visit("luhe-cemetery", &slot, ("a", "3", "12"), party(0..2));
    body["plates"] = json!(["京 ad·12345", "京A12345D"]);
    let (status, booked) = app
        .post_as(&booker.access, "/api/v1/tomb-visits", &body)
        .await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["persons"], 2);
    assert_eq!(booked["grave"], "A区 3排 12号");
    assert_eq!(booked["plates"], json!(["京AD12345", "京A12345D"]));
    assert_eq!(booked["visitors"][0]["name_masked"], "祭***");
    assert!(
        !booked.to_string().contains(&person(0)),
        "ID numbers are masked"
    );
    assert_eq!(
        booked["qr_content"],
        format!("MZ-{}", booked["code"].as_str().unwrap())
    );
    let after = first_slot(&app, "luhe-cemetery", date).await;
    assert_eq!(
        after["remaining"].as_i64().unwrap(),
        slot["remaining"].as_i64().unwrap() - 2,
        "two seats for two persons"
    );
    let id = booked["id"].as_str().unwrap().to_owned();
    let qr = app
        .authed(
            reqwest::Method::GET,
            &format!("/api/v1/tomb-visits/{id}/qr.png"),
            &booker.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(qr.headers()["content-type"], "image/png");
    let (_, mine) = app.get_as(&booker.access, "/api/v1/tomb-visits").await;
    assert_eq!(mine["items"][0]["id"], id.as_str());
    let stranger = app.verified_citizen("stranger", "赵强", &person(900)).await;
    assert_eq!(
        app.get_as(&stranger.access, &format!("/api/v1/tomb-visits/{id}"))
            .await
            .0,
        404
    );

    let clerk = app
        .staff("luhe.gate", "clerk", "cemetery", Some("luhe-cemetery"))
        .await;
    let other = app
        .staff(
            "songzhuang.gate",
            "clerk",
            "cemetery",
            Some("songzhuang-burial"),
        )
        .await;
    let (status, sheet) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/desk/tomb-visits?cemetery_id=luhe-cemetery&date={date}"),
        )
        .await;
    assert_eq!((status, sheet["items"].as_array().unwrap().len()), (200, 1));
    assert_eq!(
        app.get_as(
            &other.access,
            &format!("/api/v1/desk/tomb-visits?cemetery_id=luhe-cemetery&date={date}")
        )
        .await
        .0,
        403
    );
    for q in [
        booked["code"].as_str().unwrap().to_owned(),
        booked["qr_content"].as_str().unwrap().to_owned(),
        person(1),
    ] {
        let (status, found) = app
            .get_as(
                &clerk.access,
                &format!("/api/v1/desk/tomb-visits/lookup?q={q}"),
            )
            .await;
        assert_eq!(
            (status, found["items"][0]["id"].as_str()),
            (200, Some(id.as_str())),
            "lookup by {q}"
        );
        let (_, none) = app
            .get_as(
                &other.access,
                &format!("/api/v1/desk/tomb-visits/lookup?q={q}"),
            )
            .await;
        assert_eq!(
            none["items"].as_array().unwrap().len(),
            0,
            "another cemetery sees nothing"
        );
    }
    assert_eq!(
        app.get_as(&clerk.access, "/api/v1/desk/tomb-visits/lookup?q=hello")
            .await
            .0,
        400
    );
    let check_in = format!("/api/v1/desk/tomb-visits/{id}/check-in");
    let (status, body) = app.post_as(&clerk.access, &check_in, &json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("tomb.not_today"))
    );
    assert_eq!(
        app.post_as(&other.access, &check_in, &json!({})).await.0,
        404
    );
    // The day has come.
    entity::tomb_visit::Entity::update_many()
        .col_expr(entity::tomb_visit::Column::VisitDate, Expr::value(today()))
        .filter(entity::tomb_visit::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = app.post_as(&clerk.access, &check_in, &json!({})).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("checked_in")),
        "{body}"
    );
    let (status, body) = app.post_as(&clerk.access, &check_in, &json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("tomb.wrong_state")),
        "once"
    );
    let (status, load) = app
        .post_as(
            &clerk.access,
            "/api/v1/desk/cemeteries/luhe-cemetery/walk-ins",
            &json!({"persons": 3}),
        )
        .await;
    assert_eq!(status, 201, "{load}");
    assert_eq!(
        (
            load["walk_in_persons"].as_i64(),
            load["checked_in_persons"].as_i64()
        ),
        (Some(3), Some(2))
    );
    assert_eq!(
        app.post_as(
            &clerk.access,
            "/api/v1/desk/cemeteries/luhe-cemetery/walk-ins",
            &json!({"persons": 0})
        )
        .await
        .0,
        422
    );
    assert_eq!(
        app.post_as(
            &other.access,
            "/api/v1/desk/cemeteries/luhe-cemetery/walk-ins",
            &json!({"persons": 1})
        )
        .await
        .0,
        403
    );
    // District reviewers (applications, moderation) have no business at the gate.
    let reviewer = app
        .staff("district.reviewer", "reviewer", "district", None)
        .await;
    assert_eq!(
        app.get_as(
            &reviewer.access,
            &format!("/api/v1/desk/tomb-visits?cemetery_id=luhe-cemetery&date={date}")
        )
        .await
        .0,
        403
    );
    assert_eq!(
        app.post_as(
            &reviewer.access,
            "/api/v1/desk/cemeteries/luhe-cemetery/walk-ins",
            &json!({"persons": 1})
        )
        .await
        .0,
        403
    );
    let (status, load) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/desk/cemeteries/luhe-cemetery/load?date={date}"),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        load["capacity"].as_i64().unwrap() > 0 && load["booked_persons"].as_i64().unwrap() >= 2,
        "{load}"
    );
    let (status, body) = app
        .post_as(
            &booker.access,
            &format!("/api/v1/tomb-visits/{id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("tomb.wrong_state")),
        "not after check-in: {body}"
    );
}

/// Typed identifiers are normalised in one place before they are checked: a grave
/// written `B区/7排/12号`, `b/07/012` or in full-width is one grave for the persons
/// limit, and full-width ID numbers and plates from a Chinese keyboard are accepted.
async fn every_spelling_of_a_grave_is_one_grave(backend: Backend) {
    let app = spawn_app(backend).await;
    let booker = app
        .verified_citizen("booker", "王芳", &id_number(BOOKER))
        .await;
    let date = today() + Duration::days(3);
    let slot = first_slot(&app, "luhe-cemetery", date).await;
    let full_width = |text: &str| {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap()
                } else {
                    c
                }
            })
            .collect::<String>()
    };
    let mut first = visit("luhe-cemetery", &slot, ("B区", "7排", "12号"), party(0..3));
    first["visitors"][0]["id_number"] = json!(full_width(&person(0)));
    first["plates"] = json!([full_width("京A12345")]);
    let (status, booked) = app
        .post_as(&booker.access, "/api/v1/tomb-visits", &first)
        .await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(
        booked["grave"], "B区 7排 12号",
        "no doubled unit words: {booked}"
    );
    for grave in [
        ("B", "7", "12"),
        ("b", "07", "012"),
        ("Ｂ区", "第７排", "１２号"),
    ] {
        let (status, body) = app
            .post_as(
                &booker.access,
                "/api/v1/tomb-visits",
                &visit("luhe-cemetery", &slot, grave, party(3..6)),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("tomb.grave_full")),
            "{grave:?} is the same grave: {body}"
        );
    }
}

async fn the_rules_of_a_party(backend: Backend) {
    let app = spawn_app(backend).await;
    let booker = app
        .verified_citizen("booker", "王芳", &id_number(BOOKER))
        .await;
    let date = today() + Duration::days(3);
    let slot = first_slot(&app, "luhe-cemetery", date).await;
    let post = |body: Value| {
        let app = &app;
        let token = booker.access.clone();
        async move { app.post_as(&token, "/api/v1/tomb-visits", &body).await }
    };

    let (status, first) = post(visit("luhe-cemetery", &slot, ("B", "1", "1"), party(0..3))).await;
    assert_eq!(status, 201, "{first}");
    let (status, body) = post(visit("luhe-cemetery", &slot, ("b", "1", "1"), party(3..6))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("tomb.grave_full")),
        "3 + 3 persons at one grave on one day"
    );
    let (status, body) = post(visit("luhe-cemetery", &slot, ("B", "1", "1"), party(3..5))).await;
    assert_eq!(status, 201, "3 + 2 = 5 fits: {body}");
    let (status, body) = post(visit("luhe-cemetery", &slot, ("C", "1", "1"), party(2..3))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("tomb.visitor_already_booked")),
        "one reservation per ID number and day"
    );
    // In a party, the refusal names who holds a visit already (the second of three here).
    let (status, body) = post(visit(
        "luhe-cemetery",
        &slot,
        ("D", "1", "1"),
        json!([party(6..7)[0], party(1..2)[0], party(7..8)[0]]),
    ))
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("tomb.visitor_already_booked")),
        "{body}"
    );
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["visitors[1].id_number"], "{body}");
    let next_day = first_slot(&app, "luhe-cemetery", date + Duration::days(1)).await;
    let (status, _) = post(visit(
        "luhe-cemetery",
        &next_day,
        ("C", "1", "1"),
        party(2..3),
    ))
    .await;
    assert_eq!(status, 201, "another day is fine");
    let id = first["id"].as_str().unwrap();
    let (status, cancelled) = app
        .post_as(
            &booker.access,
            &format!("/api/v1/tomb-visits/{id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    assert_eq!(
        app.post_as(
            &booker.access,
            &format!("/api/v1/tomb-visits/{id}/cancel"),
            &json!({})
        )
        .await
        .1["code"],
        "tomb.wrong_state"
    );
    let (status, body) = post(visit("luhe-cemetery", &slot, ("B", "1", "1"), party(0..3))).await;
    assert_eq!(
        status, 201,
        "cancelling freed the grave's persons and the visitors' day: {body}"
    );
    // Within the cemetery's cancel limit (an hour) of the slot's start: too late.
    let late = body["id"].as_str().unwrap().to_owned();
    entity::slot::Entity::update_many()
        .col_expr(
            entity::slot::Column::StartsAt,
            Expr::value(chrono::Utc::now() + Duration::minutes(30)),
        )
        .filter(
            entity::slot::Column::Id
                .eq(uuid::Uuid::parse_str(slot["slot_id"].as_str().unwrap()).unwrap()),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = app
        .post_as(
            &booker.access,
            &format!("/api/v1/tomb-visits/{late}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("tomb.cancel_closed"))
    );

    // Bad requests.
    let (status, body) = post(visit(
        "luhe-cemetery",
        &slot,
        ("D", "1", "1"),
        party(10..16),
    ))
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("visitors"))
    );
    let twice =
        json!([{"name": "甲", "id_number": person(20)}, {"name": "乙", "id_number": person(20)}]);
    let (status, body) = post(visit("luhe-cemetery", &slot, ("D", "1", "1"), twice)).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("visitors[1].id_number"))
    );
    let bad_id = json!([{"name": "甲", "id_number": "110112195001010000"}]);
    let (status, body) = post(visit("luhe-cemetery", &slot, ("D", "1", "1"), bad_id)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("identity.id_number_invalid"))
    );
    for plate in ["京A1234", "港A12345", "京I12345", "ABC"] {
        let mut body = visit("luhe-cemetery", &slot, ("D", "1", "1"), party(21..22));
        body["plates"] = json!([plate]);
        let (status, body) = post(body).await;
        assert_eq!(
            (status, body["errors"][0]["field"].as_str()),
            (422, Some("plates[0]")),
            "{plate}"
        );
    }
    let (status, body) = post(visit("luhe-cemetery", &slot, ("", "1", "1"), party(21..22))).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("grave"))
    );
    let (status, body) = post(visit(
        "marriage-centre",
        &slot,
        ("D", "1", "1"),
        party(21..22),
    ))
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("tomb.not_a_cemetery"))
    );
    let (status, body) = post(visit(
        "songzhuang-burial",
        &slot,
        ("D", "1", "1"),
        party(21..22),
    ))
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("scheduling.slot_not_found")),
        "a slot of another cemetery"
    );
    let unverified = app
        .citizen_with_real_name("unverified", "钱多", &person(901))
        .await;
    let (status, body) = app
        .post_as(
            &unverified.access,
            "/api/v1/tomb-visits",
            &visit("luhe-cemetery", &slot, ("D", "1", "1"), party(21..22)),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("identity.real_name_unverified"))
    );
    let far = day(&app, "luhe-cemetery", today() + Duration::days(20)).await;
    assert_eq!(far["state"], "not_open_yet");
}

async fn peak_periods_change_slots_and_open_earlier(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    own_cemetery(&app, &admin.access, "t-cemetery", 20).await;
    let (first, last) = (today() + Duration::days(10), today() + Duration::days(11));
    let slots: Vec<Value> = [("07:00", "07:30"), ("07:30", "08:00"), ("08:00", "08:30")].iter().map(|(s, e)| json!({"business_type": "visit", "start_time": s, "end_time": e, "capacity": 4})).collect();
    let period = json!({"name": "清明", "first_date": first, "last_date": last, "window_days": 14, "slots": slots});
    let clerk = app
        .staff("t.gate", "clerk", "cemetery", Some("t-cemetery"))
        .await;
    assert_eq!(
        app.post_as(
            &clerk.access,
            "/api/v1/resources/t-cemetery/peak-periods",
            &period
        )
        .await
        .0,
        403
    );
    let (status, created) = app
        .post_as(
            &admin.access,
            "/api/v1/resources/t-cemetery/peak-periods",
            &period,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["slots"].as_array().unwrap().len(), 3);
    let (_, listed) = app
        .get_as(&admin.access, "/api/v1/resources/t-cemetery/peak-periods")
        .await;
    assert_eq!(listed["items"][0]["name"], "清明");

    let d = day(&app, "t-cemetery", first).await;
    assert_eq!(
        d["state"], "open",
        "the period opens 14 days ahead while the place opens 3: {d}"
    );
    assert_eq!(d["slots"].as_array().unwrap().len(), 3);
    assert_eq!(d["slots"][0]["capacity"], 4);
    assert!(
        d["slots"][0]["starts_at"]
            .as_str()
            .unwrap()
            .ends_with("T07:00:00+08:00")
    );
    assert!(
        d["slots"][0]["ends_at"]
            .as_str()
            .unwrap()
            .ends_with("T07:30:00+08:00"),
        "half-hour slots"
    );
    assert_eq!(
        day(&app, "t-cemetery", first - Duration::days(1)).await["state"],
        "not_open_yet",
        "outside the period the usual window holds"
    );
    let usual = day(&app, "t-cemetery", today() + Duration::days(2)).await;
    assert_eq!(
        (
            usual["state"].as_str(),
            usual["slots"][0]["capacity"].as_i64()
        ),
        (Some("open"), Some(20))
    );

    let overlapping = json!({"name": "冬至", "first_date": last, "last_date": last + Duration::days(2), "window_days": 14, "slots": [{"business_type": "visit", "start_time": "08:00", "end_time": "09:00", "capacity": 4}]});
    let (status, body) = app
        .post_as(
            &admin.access,
            "/api/v1/resources/t-cemetery/peak-periods",
            &overlapping,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.period_overlaps"))
    );
    let backwards = json!({"name": "冬至", "first_date": last + Duration::days(5), "last_date": last + Duration::days(4), "window_days": 14, "slots": [{"business_type": "visit", "start_time": "08:00", "end_time": "09:00", "capacity": 4}]});
    let (status, body) = app
        .post_as(
            &admin.access,
            "/api/v1/resources/t-cemetery/peak-periods",
            &backwards,
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("last_date"))
    );

    // A period cannot change days that already have bookings.
    let booker = app
        .verified_citizen("booker", "王芳", &id_number(BOOKER))
        .await;
    let slot = d["slots"][0].clone();
    let (status, body) = app
        .post_as(
            &booker.access,
            "/api/v1/tomb-visits",
            &visit("t-cemetery", &slot, ("A", "1", "1"), party(0..1)),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let period_id = created["id"].as_str().unwrap();
    let (status, body) = app
        .delete_as(
            &admin.access,
            &format!("/api/v1/resources/t-cemetery/peak-periods/{period_id}"),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.period_has_bookings"))
    );
    let soon = today() + Duration::days(1);
    let soon_slot = first_slot(&app, "t-cemetery", soon).await;
    let (status, _) = app
        .post_as(
            &booker.access,
            "/api/v1/tomb-visits",
            &visit("t-cemetery", &soon_slot, ("A", "1", "2"), party(1..2)),
        )
        .await;
    assert_eq!(status, 201);
    let over_booked = json!({"name": "冬至", "first_date": soon, "last_date": soon, "window_days": 14, "slots": [{"business_type": "visit", "start_time": "08:00", "end_time": "09:00", "capacity": 4}]});
    let (status, body) = app
        .post_as(
            &admin.access,
            "/api/v1/resources/t-cemetery/peak-periods",
            &over_booked,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.period_has_bookings"))
    );
    // An empty day already shown is laid out again from the period.
    let empty = today() + Duration::days(2);
    assert_eq!(
        day(&app, "t-cemetery", empty).await["slots"][0]["capacity"],
        20
    );
    let one_day = json!({"name": "寒衣节", "first_date": empty, "last_date": empty, "window_days": 5, "slots": [{"business_type": "visit", "start_time": "10:00", "end_time": "10:20", "capacity": 7}]});
    let (status, second) = app
        .post_as(
            &admin.access,
            "/api/v1/resources/t-cemetery/peak-periods",
            &one_day,
        )
        .await;
    assert_eq!(status, 201, "{second}");
    let laid_out = day(&app, "t-cemetery", empty).await;
    assert_eq!(
        (
            laid_out["slots"].as_array().unwrap().len(),
            laid_out["slots"][0]["capacity"].as_i64()
        ),
        (1, Some(7)),
        "{laid_out}"
    );
    let second_id = second["id"].as_str().unwrap();
    let (status, _) = app
        .delete_as(
            &admin.access,
            &format!("/api/v1/resources/t-cemetery/peak-periods/{second_id}"),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        day(&app, "t-cemetery", empty).await["slots"][0]["capacity"],
        20,
        "back to the weekly template"
    );
}

async fn a_popular_qingming_slot_is_never_overbooked(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    own_cemetery(&app, &admin.access, "t-cemetery", 5000).await;
    let date = today() + Duration::days(8);
    let period = json!({"name": "清明", "first_date": date, "last_date": date, "window_days": 14, "slots": [{"business_type": "visit", "start_time": "09:00", "end_time": "09:30", "capacity": 10}, {"business_type": "visit", "start_time": "09:30", "end_time": "10:00", "capacity": 1000}]});
    assert_eq!(
        app.post_as(
            &admin.access,
            "/api/v1/resources/t-cemetery/peak-periods",
            &period
        )
        .await
        .0,
        201
    );
    let booker = app
        .verified_citizen("booker", "王芳", &id_number(BOOKER))
        .await;
    let d = day(&app, "t-cemetery", date).await;
    let (hot, roomy) = (d["slots"][0].clone(), d["slots"][1].clone());

    // 300 single-person parties from three families at 10 seats, each at its own grave.
    let mut bookers = vec![booker.access.clone()];
    for (login, number) in [
        ("booker2", "11011219800101002"),
        ("booker3", "11011219800101003"),
    ] {
        bookers.push(
            app.verified_citizen(login, "李娜", &id_number(number))
                .await
                .access,
        );
    }
    let rush = (300..600).map(|i| {
        let body = visit(
            "t-cemetery",
            &hot,
            ("R", "1", &i.to_string()),
            party(i..i + 1),
        );
        let (app, token) = (&app, bookers[i % 3].clone());
        async move { app.post_as(&token, "/api/v1/tomb-visits", &body).await }
    });
    let answers = futures_util::future::join_all(rush).await;
    let accepted = answers.iter().filter(|(s, _)| *s == 201).count();
    let full = answers
        .iter()
        .filter(|(s, b)| *s == 409 && b["code"] == "scheduling.slot_full")
        .count();
    assert_eq!(
        (accepted, full),
        (10, 290),
        "{:?}",
        answers
            .iter()
            .filter(|(s, _)| *s != 201 && *s != 409)
            .collect::<Vec<_>>()
    );
    let slot_id = uuid::Uuid::parse_str(hot["slot_id"].as_str().unwrap()).unwrap();
    let row = entity::slot::Entity::find_by_id(slot_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let visitors = entity::tomb_visitor::Entity::find()
        .filter(entity::tomb_visitor::Column::Active.eq(true))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(
        (row.booked, visitors),
        (10, 10),
        "the counter equals the rows"
    );

    // 12 parties at one grave at once: 5 persons a day, not one more.
    let rush = (100..112).map(|i| {
        let body = visit("t-cemetery", &roomy, ("G", "1", "1"), party(i..i + 1));
        let (app, token) = (&app, booker.access.clone());
        async move { app.post_as(&token, "/api/v1/tomb-visits", &body).await }
    });
    let answers = futures_util::future::join_all(rush).await;
    let accepted = answers.iter().filter(|(s, _)| *s == 201).count();
    let grave_full = answers
        .iter()
        .filter(|(s, b)| *s == 409 && b["code"] == "tomb.grave_full")
        .count();
    assert_eq!((accepted, grave_full), (5, 7));
    let slot_id = uuid::Uuid::parse_str(roomy["slot_id"].as_str().unwrap()).unwrap();
    let row = entity::slot::Entity::find_by_id(slot_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.booked, 5,
        "seats of refused parties went back with their transaction"
    );
}

on_both_backends!(
    a_party_books_and_enters_on_one_code,
    every_spelling_of_a_grave_is_one_grave,
    the_rules_of_a_party,
    peak_periods_change_slots_and_open_earlier,
    a_popular_qingming_slot_is_never_overbooked
);
