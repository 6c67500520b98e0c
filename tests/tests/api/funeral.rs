//! Funeral services: the homes' price lists, a family booking transport, a farewell hall
//! and a cremation for the deceased with the total (basic services free), prices changed
//! afterwards, the home's clerks confirming, proposing another transport time and marking
//! done, scope between homes, the rules that refuse bad bookings, cancellation, and a
//! one-hall slot under simultaneous bookings.
use chrono::Duration;
use minzheng_tests::Backend;
use minzheng_tests::{CitizenLogin, TestApp, id_number, on_both_backends, spawn_app};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const HOME: &str = "tongzhou-funeral-home";
const FAMILY: &str = "11011219700101003";
const DECEASED: &str = "11011219400101001";
const OTHER_DECEASED: &str = "11011219450202002";

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + Duration::hours(8)).date_naive()
}

/// A small PNG uploaded by `token`, as the death certificate photo.
async fn upload(app: &TestApp, token: &str) -> String {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82".to_vec();
    let (status, body) = app
        .upload(token, png, "image/png", "death_certificate")
        .await;
    assert_eq!(status, 201);
    body["id"].as_str().unwrap().to_owned()
}

/// The slots of `business_type` at `resource` on `date`.
async fn slots(
    app: &TestApp,
    resource: &str,
    business_type: &str,
    date: chrono::NaiveDate,
) -> Vec<Value> {
    let path = format!(
        "/api/v1/resources/{resource}/availability?business_type={business_type}&from={date}&to={date}"
    );
    let body: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(body["days"][0]["state"], "open", "{body}");
    body["days"][0]["slots"].as_array().unwrap().clone()
}

fn remaining(slots: &[Value], id: &Value) -> i64 {
    slots.iter().find(|s| s["slot_id"] == *id).unwrap()["remaining"]
        .as_i64()
        .unwrap()
}

/// A full booking: transport at 06:00 on `date`, the first farewell slot, the second
/// cremation slot, a small hall, cremation and an urn.
fn booking(
    deceased: &str,
    media: &str,
    farewell: &Value,
    cremation: &Value,
    date: chrono::NaiveDate,
) -> Value {
    json!({
        "funeral_home_id": HOME,
        "deceased": {"name": "王建国", "id_number": id_number(deceased), "date_of_death": today().to_string(),
            "death_certificate_number": "B110112202611280001", "death_certificate_media_id": media},
        "transport": {"address": "通州区中仓街道某小区 1 号楼 2 单元 301", "requested_at": format!("{date}T06:00:00+08:00"),
            "contact_name": "王小明", "contact_phone": "13812345678"},
        "farewell_slot_id": farewell["slot_id"], "cremation_slot_id": cremation["slot_id"],
        "items": [{"code": "transport"}, {"code": "farewell_small"}, {"code": "cremation"}, {"code": "urn_basic", "quantity": 1}]
    })
}

/// A booking of a cremation alone.
fn cremation_only(deceased: &str, media: &str, cremation: &Value) -> Value {
    json!({
        "funeral_home_id": HOME,
        "deceased": {"name": "李桂兰", "id_number": id_number(deceased), "date_of_death": today().to_string(),
            "death_certificate_number": "B110112202611280002", "death_certificate_media_id": media},
        "cremation_slot_id": cremation["slot_id"],
        "items": [{"code": "cremation"}]
    })
}

async fn family(app: &TestApp) -> (CitizenLogin, String) {
    let citizen = app
        .verified_citizen("family", "王小明", &id_number(FAMILY))
        .await;
    let media = upload(app, &citizen.access).await;
    (citizen, media)
}

async fn a_family_books_and_the_home_works_it_through(backend: Backend) {
    let app = spawn_app(backend).await;
    let homes: Value = app.get("/api/v1/funeral-homes").await.json().await.unwrap();
    assert_eq!(homes["items"][0]["id"], HOME, "{homes}");
    assert_eq!(homes["items"][0]["name"], "通州区殡仪馆");
    let catalogue: Value = app
        .get(&format!("/api/v1/funeral-homes/{HOME}/services"))
        .await
        .json()
        .await
        .unwrap();
    let cremation_item = catalogue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "cremation")
        .unwrap()
        .clone();
    assert_eq!(
        (
            cremation_item["basic"].as_bool(),
            cremation_item["price_fen"].as_i64()
        ),
        (Some(true), Some(50_000))
    );
    assert_eq!(
        app.get("/api/v1/funeral-homes/marriage-centre/services")
            .await
            .status(),
        404,
        "an office is no funeral home"
    );

    let (citizen, media) = family(&app).await;
    let date = today() + Duration::days(2);
    let farewells = slots(&app, HOME, "farewell", date).await;
    let cremations = slots(&app, HOME, "cremation", date).await;
    assert_eq!(farewells[0]["remaining"], 3, "three farewell halls");
    let (farewell, cremation) = (farewells[0].clone(), cremations[1].clone());
    let (status, booked) = app
        .post_as(
            &citizen.access,
            "/api/v1/funeral/bookings",
            &booking(DECEASED, &media, &farewell, &cremation, date),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["status"], "pending");
    assert_eq!(
        booked["total_fen"],
        60_000 + 80_000,
        "transport and cremation are free basic services"
    );
    let lines = booked["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        (
            lines[0]["code"].as_str(),
            lines[0]["free"].as_bool(),
            lines[0]["amount_fen"].as_i64(),
            lines[0]["unit_price_fen"].as_i64()
        ),
        (Some("transport"), Some(true), Some(0), Some(30_000))
    );
    assert_eq!(
        (
            lines[3]["code"].as_str(),
            lines[3]["free"].as_bool(),
            lines[3]["amount_fen"].as_i64()
        ),
        (Some("urn_basic"), Some(false), Some(80_000))
    );
    assert_eq!(booked["deceased"]["name_masked"], "王**");
    assert_eq!(
        booked["deceased"]["name"],
        Value::Null,
        "the family sees masked values"
    );
    assert_eq!(booked["transport"]["contact_phone_masked"], "138****5678");
    assert_eq!(booked["transport"]["status"], "requested");
    assert_eq!(booked["service_date"], date.to_string());
    assert_eq!(booked["farewell"]["slot_id"], farewell["slot_id"]);
    assert_eq!(booked["allowed_actions"], json!(["cancel"]));
    let text = booked.to_string();
    for secret in [
        id_number(DECEASED),
        "13812345678".into(),
        "B110112202611280001".into(),
        "王建国".into(),
    ] {
        assert!(!text.contains(&secret), "{secret} is masked");
    }
    assert_eq!(
        remaining(
            &slots(&app, HOME, "farewell", date).await,
            &farewell["slot_id"]
        ),
        2,
        "the seat is taken"
    );
    assert_eq!(
        remaining(
            &slots(&app, HOME, "cremation", date).await,
            &cremation["slot_id"]
        ),
        5
    );
    let id = booked["id"].as_str().unwrap().to_owned();

    // A price change afterwards leaves the booking's total alone.
    let admin = app.admin().await;
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/funeral-homes/{HOME}/services/urn_basic"),
            &admin.access,
        )
        .json(&json!({"name": "普通骨灰盒", "kind": "goods", "price_fen": 95_000}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["price_fen"], 95_000);
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/funeral-homes/{HOME}/services/urn_basic"),
            &admin.access,
        )
        .json(&json!({"name": "普通骨灰盒", "kind": "coffin", "price_fen": 95_000}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "unknown kind");
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/funeral-homes/{HOME}/services/flowers"),
            &admin.access,
        )
        .json(&json!({"name": "鲜花布置", "kind": "goods", "price_fen": 50_000, "active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "withdrawn");
    let offered: Value = app
        .get(&format!("/api/v1/funeral-homes/{HOME}/services"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        offered["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["code"] != "flowers")
    );
    let listed: Value = app
        .get(&format!("/api/v1/funeral-homes/{HOME}/services?all=true"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["code"] == "flowers" && i["active"] == false)
    );
    let mut with_flowers = booking(OTHER_DECEASED, &media, &farewell, &cremation, date);
    with_flowers["items"]
        .as_array_mut()
        .unwrap()
        .push(json!({"code": "flowers"}));
    let (status, body) = app
        .post_as(&citizen.access, "/api/v1/funeral/bookings", &with_flowers)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("funeral.unknown_service")),
        "a withdrawn item is not offered"
    );
    let res = app
        .authed(
            reqwest::Method::PUT,
            "/api/v1/funeral-homes/marriage-centre/services/urn",
            &admin.access,
        )
        .json(&json!({"name": "骨灰盒", "kind": "goods", "price_fen": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "no funeral home");
    let (_, mine) = app
        .get_as(&citizen.access, &format!("/api/v1/funeral/bookings/{id}"))
        .await;
    assert_eq!(mine["total_fen"], 140_000);
    assert_eq!(mine["lines"][3]["unit_price_fen"], 80_000);
    let (_, list) = app
        .get_as(&citizen.access, "/api/v1/funeral/bookings")
        .await;
    assert_eq!(list["items"][0]["id"], id.as_str());

    // The home's clerk sees it, with what the work needs in full; another home's does not.
    let clerk = app
        .staff("home.clerk", "clerk", "funeral_home", Some(HOME))
        .await;
    let other = app
        .staff(
            "other.clerk",
            "clerk",
            "funeral_home",
            Some("other-funeral-home"),
        )
        .await;
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/funeral-homes/{HOME}/services/urn_basic"),
            &clerk.access,
        )
        .json(&json!({"name": "普通骨灰盒", "kind": "goods", "price_fen": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "clerks do not set prices");
    let (status, day) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/desk/funeral/bookings?date={date}"),
        )
        .await;
    assert_eq!(
        (status, day["items"].as_array().unwrap().len()),
        (200, 1),
        "{day}"
    );
    let seen = &day["items"][0];
    assert_eq!(seen["deceased"]["name"], "王建国");
    assert_eq!(
        seen["deceased"]["id_number_masked"],
        format!("110***********{}", &id_number(DECEASED)[14..])
    );
    assert_eq!(seen["transport"]["contact_phone"], "13812345678");
    assert_eq!(
        seen["allowed_actions"],
        json!(["confirm", "propose_transport_time"])
    );
    let (_, none) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/desk/funeral/bookings?date={date}&status=done"),
        )
        .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.get_as(&clerk.access, "/api/v1/desk/funeral/bookings?status=lost")
            .await
            .0,
        422
    );
    let (_, all) = app
        .get_as(&admin.access, "/api/v1/desk/funeral/bookings")
        .await;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        1,
        "district admins see every home"
    );
    assert_eq!(
        app.get_as(
            &other.access,
            &format!("/api/v1/desk/funeral/bookings?home_id={HOME}")
        )
        .await
        .0,
        403
    );
    let (_, theirs) = app
        .get_as(&other.access, "/api/v1/desk/funeral/bookings")
        .await;
    assert_eq!(
        theirs["items"].as_array().unwrap().len(),
        0,
        "their own home has nothing"
    );
    for path in [
        format!("/api/v1/desk/funeral/bookings/{id}"),
        format!("/api/v1/desk/funeral/bookings/{id}/death-certificate"),
    ] {
        let (status, body) = app.get_as(&other.access, &path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("funeral.booking_not_found")),
            "{path}"
        );
    }
    for action in ["confirm", "done"] {
        let (status, _) = app
            .post_as(
                &other.access,
                &format!("/api/v1/desk/funeral/bookings/{id}/{action}"),
                &json!({}),
            )
            .await;
        assert_eq!(status, 404, "{action} by another home");
    }
    let office_clerk = app
        .staff("office.clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    for path in [
        format!("/api/v1/desk/funeral/bookings/{id}"),
        "/api/v1/desk/funeral/bookings".into(),
    ] {
        let (status, body) = app.get_as(&office_clerk.access, &path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("auth.forbidden")),
            "staff of no funeral home: {path}"
        );
    }
    let photo = app
        .authed(
            reqwest::Method::GET,
            &format!("/api/v1/desk/funeral/bookings/{id}/death-certificate"),
            &clerk.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status(), 200);
    assert!(photo.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let stranger = app.citizen("stranger").await;
    assert_eq!(
        app.get_as(&stranger.access, &format!("/api/v1/funeral/bookings/{id}"))
            .await
            .0,
        404
    );

    // The home proposes another transport time; the family accepts it.
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/funeral/bookings/{id}/done"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("funeral.wrong_state")),
        "not confirmed yet"
    );
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/funeral/bookings/{id}/propose-transport-time"),
            &json!({"transport_at": "2020-01-01T08:00:00+08:00"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("request.invalid_body")),
        "not in the past"
    );
    let proposed = format!("{date}T06:30:00+08:00");
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/funeral/bookings/{id}/propose-transport-time"),
            &json!({"transport_at": proposed}),
        )
        .await;
    assert_eq!(
        (status, body["transport"]["status"].as_str()),
        (200, Some("proposed")),
        "{body}"
    );
    assert_eq!(body["transport"]["proposed_at"], proposed);
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/funeral/bookings/{id}/confirm"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("funeral.wrong_state")),
        "the family must answer first: {body}"
    );
    let (_, seen) = app
        .get_as(&citizen.access, &format!("/api/v1/funeral/bookings/{id}"))
        .await;
    assert_eq!(
        seen["allowed_actions"],
        json!(["accept_transport_time", "cancel"])
    );
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/funeral/bookings/{id}/accept-transport-time"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (
            status,
            body["status"].as_str(),
            body["transport"]["status"].as_str()
        ),
        (200, Some("confirmed"), Some("agreed")),
        "{body}"
    );
    assert_eq!(body["transport"]["agreed_at"], proposed);
    let (status, _) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/funeral/bookings/{id}/accept-transport-time"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "accepted once");
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/funeral/bookings/{id}/done"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("funeral.wrong_state")),
        "not before the services"
    );
    // The day has come.
    entity::funeral_booking::Entity::update_many()
        .col_expr(
            entity::funeral_booking::Column::ServiceDate,
            Expr::value(today()),
        )
        .filter(entity::funeral_booking::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/funeral/bookings/{id}/done"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("done")),
        "{body}"
    );
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/funeral/bookings/{id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("funeral.wrong_state")),
        "done is final"
    );
    assert_eq!(
        remaining(
            &slots(&app, HOME, "farewell", date).await,
            &farewell["slot_id"]
        ),
        2,
        "done keeps its seat counted"
    );

    // Every step was told to the family (booked, proposed, confirmed, done).
    for _ in 0..100 {
        if app
            .wechat
            .sent
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m["template_id"] == "tmpl-funeral")
            .count()
            >= 4
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let told = app
        .wechat
        .sent
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m["template_id"] == "tmpl-funeral")
        .count();
    assert_eq!(told, 4);
    // Chained first: read apart, the inbox and the chain could each miss an event the
    // service's own chainer moved between the two reads.
    minzheng::platform::audit::chain_pending(&app.db)
        .await
        .unwrap();
    let actions: Vec<String> = entity::audit_event::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "funeral.booking.book",
        "funeral.booking.propose_transport_time",
        "funeral.booking.accept_transport_time",
        "funeral.booking.done",
        "funeral.service_item.save",
        "funeral.booking.view_certificate",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} audited");
    }
}

async fn the_rules_refuse_bad_bookings_and_cancelling_frees_the_seat(backend: Backend) {
    let app = spawn_app(backend).await;
    let (citizen, media) = family(&app).await;
    let date = today() + Duration::days(2);
    let farewell = slots(&app, HOME, "farewell", date).await[0].clone();
    let cremation = slots(&app, HOME, "cremation", date).await[0].clone();
    let good = booking(DECEASED, &media, &farewell, &cremation, date);
    let book = |body: Value| {
        let (app, token) = (&app, citizen.access.clone());
        async move { app.post_as(&token, "/api/v1/funeral/bookings", &body).await }
    };
    let mut bad_id = good.clone();
    bad_id["deceased"]["id_number"] = json!("110112194001010010");
    let (status, body) = book(bad_id).await;
    assert_eq!(
        (
            status,
            body["code"].as_str(),
            body["errors"][0]["field"].as_str()
        ),
        (
            422,
            Some("identity.id_number_invalid"),
            Some("deceased.id_number")
        )
    );
    let mut future = good.clone();
    future["deceased"]["date_of_death"] = json!((today() + Duration::days(1)).to_string());
    let (status, body) = book(future).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("funeral.date_of_death_invalid"))
    );
    let someone = app.citizen("someone").await;
    let theirs = upload(&app, &someone.access).await;
    let mut foreign = good.clone();
    foreign["deceased"]["death_certificate_media_id"] = json!(theirs);
    let (status, body) = book(foreign).await;
    assert_eq!(
        (
            status,
            body["code"].as_str(),
            body["errors"][0]["field"].as_str()
        ),
        (
            404,
            Some("media.not_found"),
            Some("deceased.death_certificate_media_id")
        )
    );
    let marriage_slot = slots(
        &app,
        "marriage-centre",
        "marriage",
        minzheng_tests::next_weekday(2),
    )
    .await[0]
        .clone();
    let mut elsewhere = good.clone();
    elsewhere["farewell_slot_id"] = marriage_slot["slot_id"].clone();
    let (status, body) = book(elsewhere).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("scheduling.slot_not_found")),
        "a slot of another place"
    );
    let mut swapped = good.clone();
    swapped["farewell_slot_id"] = cremation["slot_id"].clone();
    let (status, body) = book(swapped).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("scheduling.slot_not_found")),
        "a cremation slot is no farewell slot"
    );
    let mut unknown = good.clone();
    unknown["items"] = json!([{"code": "transport"}, {"code": "farewell_small"}, {"code": "cremation"}, {"code": "fireworks"}]);
    let (status, body) = book(unknown).await;
    assert_eq!(
        (
            status,
            body["code"].as_str(),
            body["errors"][0]["field"].as_str()
        ),
        (422, Some("funeral.unknown_service"), Some("items[3].code"))
    );
    let mut mismatch = good.clone();
    mismatch["items"] = json!([{"code": "transport"}, {"code": "cremation"}]);
    let (status, body) = book(mismatch).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("funeral.items_mismatch")),
        "a farewell slot without a hall"
    );
    let mut bad_phone = good.clone();
    bad_phone["transport"]["contact_phone"] = json!("call me");
    assert_eq!(book(bad_phone).await.0, 422);
    let mut past = good.clone();
    past["transport"]["requested_at"] = json!("2020-01-01T08:00:00+08:00");
    assert_eq!(book(past).await.0, 422);
    let mut myself = good.clone();
    myself["deceased"]["id_number"] = json!(id_number(FAMILY));
    assert_eq!(book(myself).await.0, 422, "not for oneself");
    let unverified = app
        .citizen_with_real_name("unverified", "赵六", &id_number("11011219860606041"))
        .await;
    let (status, body) = app
        .post_as(&unverified.access, "/api/v1/funeral/bookings", &good)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("identity.real_name_unverified"))
    );
    let nameless = app.citizen("nameless").await;
    assert_eq!(
        app.post_as(&nameless.access, "/api/v1/funeral/bookings", &good)
            .await
            .0,
        403
    );
    assert_eq!(
        remaining(
            &slots(&app, HOME, "farewell", date).await,
            &farewell["slot_id"]
        ),
        3,
        "no refused booking took a seat"
    );

    // One active booking per deceased, whoever books.
    let (status, booked) = book(good.clone()).await;
    assert_eq!(status, 201, "{booked}");
    let relative = app
        .verified_citizen("relative", "王小红", &id_number("11011219720202004"))
        .await;
    let their_media = upload(&app, &relative.access).await;
    let again = booking(DECEASED, &their_media, &farewell, &cremation, date);
    let (status, body) = app
        .post_as(&relative.access, "/api/v1/funeral/bookings", &again)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("funeral.deceased_has_active_booking"))
    );
    assert_eq!(
        remaining(
            &slots(&app, HOME, "farewell", date).await,
            &farewell["slot_id"]
        ),
        2,
        "the refused booking gave its seat back"
    );

    // Cancelling gives the seats back and frees the deceased.
    let id = booked["id"].as_str().unwrap();
    let (status, body) = app
        .post_as(
            &relative.access,
            &format!("/api/v1/funeral/bookings/{id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404, "only the booker cancels: {body}");
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/funeral/bookings/{id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("cancelled")),
        "{body}"
    );
    assert_eq!(
        remaining(
            &slots(&app, HOME, "farewell", date).await,
            &farewell["slot_id"]
        ),
        3
    );
    assert_eq!(
        remaining(
            &slots(&app, HOME, "cremation", date).await,
            &cremation["slot_id"]
        ),
        6
    );
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/funeral/bookings/{id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("funeral.wrong_state"))
    );
    let (status, _) = app
        .post_as(&relative.access, "/api/v1/funeral/bookings", &again)
        .await;
    assert_eq!(
        status, 201,
        "a cancelled booking no longer blocks the deceased"
    );

    // Too close to the first service: the family calls the home instead.
    let tomorrow_cremation =
        slots(&app, HOME, "cremation", today() + Duration::days(1)).await[0].clone();
    let (status, soon) = book(cremation_only(OTHER_DECEASED, &media, &tomorrow_cremation)).await;
    assert_eq!(status, 201, "{soon}");
    let soon_id = uuid::Uuid::parse_str(soon["id"].as_str().unwrap()).unwrap();
    let starts = chrono::Utc::now() + Duration::minutes(30);
    entity::slot::Entity::update_many()
        .col_expr(entity::slot::Column::StartsAt, Expr::value(starts))
        .filter(
            entity::slot::Column::Id
                .eq(
                    uuid::Uuid::parse_str(tomorrow_cremation["slot_id"].as_str().unwrap()).unwrap(),
                ),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/funeral/bookings/{soon_id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("funeral.cancel_closed"))
    );
}

/// Services in an impossible order are refused, naming both items: a cremation
/// before the farewell, a transport after the services; and every item keeps the
/// home's booking window, transport included.
async fn services_in_an_impossible_order_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (citizen, media) = family(&app).await;
    let date = today() + Duration::days(2);
    let farewells = slots(&app, HOME, "farewell", date).await;
    let cremations = slots(&app, HOME, "cremation", date).await;
    let (early_cremation, late_farewell) =
        (cremations[0].clone(), farewells.last().unwrap().clone());
    let book = |body: Value| {
        let (app, token) = (&app, citizen.access.clone());
        async move { app.post_as(&token, "/api/v1/funeral/bookings", &body).await }
    };
    let fields = |body: &Value| {
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let (status, body) = book(booking(
        DECEASED,
        &media,
        &late_farewell,
        &early_cremation,
        date,
    ))
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("funeral.service_order")),
        "cremation at 08:00 before a farewell at 14:00: {body}"
    );
    assert_eq!(fields(&body), ["farewell_slot_id", "cremation_slot_id"]);
    let mut late_transport = booking(DECEASED, &media, &farewells[0], &cremations[1], date);
    late_transport["transport"]["requested_at"] =
        json!(format!("{}T09:00:00+08:00", date + Duration::days(1)));
    let (status, body) = book(late_transport).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("funeral.service_order")),
        "transport the day after: {body}"
    );
    assert_eq!(
        fields(&body),
        ["transport.requested_at", "farewell_slot_id"]
    );
    let far = json!({"funeral_home_id": HOME,
        "deceased": {"name": "王建国", "id_number": id_number(DECEASED), "date_of_death": today().to_string(),
            "death_certificate_number": "B110112202611280001", "death_certificate_media_id": media},
        "transport": {"address": "通州区中仓街道某小区", "requested_at": format!("{}T09:00:00+08:00", today() + Duration::days(30)),
            "contact_name": "王小明", "contact_phone": "１３８１２３４５６７８"},
        "items": [{"code": "transport"}]});
    let (status, body) = book(far).await;
    assert_eq!(
        (
            status,
            body["code"].as_str(),
            fields(&body).first().map(String::as_str)
        ),
        (
            409,
            Some("scheduling.not_open_yet"),
            Some("transport.requested_at")
        ),
        "a 7-day window: {body}"
    );
    // The gaps are the home's own: a home that needs a day to bring the body refuses
    // the same booking; its families see the gaps in the list of homes.
    let admin = app.admin().await;
    let gaps = format!("/api/v1/funeral-homes/{HOME}/gaps");
    let clerk = app
        .staff("home.clerk", "clerk", "funeral_home", Some(HOME))
        .await;
    assert_eq!(
        app.put_as(
            &clerk.access,
            &gaps,
            &json!({"transport_gap_minutes": 1440, "farewell_gap_minutes": 0})
        )
        .await
        .0,
        403
    );
    let (status, body) = app
        .put_as(
            &admin.access,
            &gaps,
            &json!({"transport_gap_minutes": 1441, "farewell_gap_minutes": 0}),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("transport_gap_minutes")),
        "{body}"
    );
    let (status, saved) = app
        .put_as(
            &admin.access,
            &gaps,
            &json!({"transport_gap_minutes": 1440, "farewell_gap_minutes": 0}),
        )
        .await;
    assert_eq!(
        (status, saved["transport_gap_minutes"].as_i64()),
        (200, Some(1440)),
        "{saved}"
    );
    let homes: Value = app.get("/api/v1/funeral-homes").await.json().await.unwrap();
    let home = homes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == HOME)
        .unwrap();
    assert_eq!(
        (
            home["transport_gap_minutes"].as_i64(),
            home["farewell_gap_minutes"].as_i64()
        ),
        (Some(1440), Some(0))
    );
    let (status, body) = book(booking(
        DECEASED,
        &media,
        &farewells[0],
        &cremations[1],
        date,
    ))
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("funeral.service_order")),
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1440"),
        "the home's gap is named: {body}"
    );
    assert_eq!(
        app.put_as(
            &admin.access,
            &gaps,
            &json!({"transport_gap_minutes": 30, "farewell_gap_minutes": 0})
        )
        .await
        .0,
        200
    );
    let (status, body) = book(booking(
        DECEASED,
        &media,
        &farewells[0],
        &cremations[1],
        date,
    ))
    .await;
    assert_eq!(
        status, 201,
        "transport, farewell, cremation in order: {body}"
    );
}

/// A booking the home never confirms lapses after `funeral_confirm_minutes`: its
/// seat comes back and the family is told.
async fn an_unconfirmed_booking_lapses_and_its_seat_comes_back(backend: Backend) {
    let app = minzheng_tests::spawn_app_with(backend, |c| {
        c.funeral_confirm_minutes = 0;
        c.sweep_interval_secs = 1;
    })
    .await;
    let (citizen, media) = family(&app).await;
    let date = today() + Duration::days(2);
    let cremation = slots(&app, HOME, "cremation", date).await[0].clone();
    let before = remaining(
        &slots(&app, HOME, "cremation", date).await,
        &cremation["slot_id"],
    );
    let (status, booked) = app
        .post_as(
            &citizen.access,
            "/api/v1/funeral/bookings",
            &cremation_only(DECEASED, &media, &cremation),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let path = format!(
        "/api/v1/funeral/bookings/{}",
        booked["id"].as_str().unwrap()
    );
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = app.get_as(&citizen.access, &path).await.1;
        if seen["status"] == "lapsed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen["status"], "lapsed", "{seen}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        remaining(
            &slots(&app, HOME, "cremation", date).await,
            &cremation["slot_id"]
        ),
        before,
        "the seat came back"
    );
    let notices = entity::outbox_message::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(notices.len() >= 2, "booked, then lapsed: {}", notices.len());
}

async fn a_one_hall_slot_takes_one_booking_whatever_the_timing(backend: Backend) {
    let app = spawn_app(backend).await;
    let date = today() + Duration::days(3);
    let cremation = slots(&app, HOME, "cremation", date).await[0].clone();
    let slot_id = uuid::Uuid::parse_str(cremation["slot_id"].as_str().unwrap()).unwrap();
    entity::slot::Entity::update_many()
        .col_expr(entity::slot::Column::Capacity, Expr::value(1))
        .filter(entity::slot::Column::Id.eq(slot_id))
        .exec(&app.db)
        .await
        .unwrap();
    let mut families = Vec::new();
    for n in 0..8 {
        let citizen = app
            .verified_citizen(
                &format!("f{n}"),
                "家属",
                &id_number(&format!("110112198001010{n}1")),
            )
            .await;
        let media = upload(&app, &citizen.access).await;
        families.push((citizen, media, id_number(&format!("110112193001010{n}1"))));
    }
    let attempts = families.iter().map(|(citizen, media, deceased)| {
        let body = cremation_only(&deceased[..17], media, &cremation);
        let (app, token) = (&app, citizen.access.clone());
        async move { app.post_as(&token, "/api/v1/funeral/bookings", &body).await }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(
        answers
            .iter()
            .all(|(s, b)| *s == 201 || b["code"] == "scheduling.slot_full")
    );
    let row = entity::slot::Entity::find_by_id(slot_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.booked, 1);
    let bookings = entity::funeral_booking::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(bookings.len(), 1);
    let sealed = &bookings[0];
    assert!(
        !sealed.deceased_name_sealed.contains("李桂兰"),
        "names are sealed at rest"
    );
    assert_eq!(
        sealed.active_key.as_deref(),
        Some(sealed.deceased_id_index.as_str())
    );

    // A retried tap (same Idempotency-Key) books once.
    let other = slots(&app, HOME, "cremation", date).await[1].clone();
    let (citizen, media, deceased) = &families[1];
    let mut body = cremation_only(&deceased[..17], media, &other);
    body["deceased"]["id_number"] = json!(id_number("11011219350505003"));
    let tap = || {
        let (app, token, body) = (&app, citizen.access.clone(), body.clone());
        async move {
            let res = app
                .authed(reqwest::Method::POST, "/api/v1/funeral/bookings", &token)
                .header("idempotency-key", "tap-1")
                .json(&body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let first = tap().await;
    let again = tap().await;
    assert_eq!(first.0, 201, "{}", first.1);
    assert_eq!(again, first, "the retry gets the first answer");
    assert_eq!(
        entity::funeral_booking::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        remaining(
            &slots(&app, HOME, "cremation", date).await,
            &other["slot_id"]
        ),
        5
    );
}

on_both_backends!(
    a_family_books_and_the_home_works_it_through,
    the_rules_refuse_bad_bookings_and_cancelling_frees_the_seat,
    services_in_an_impossible_order_are_refused,
    an_unconfirmed_booking_lapses_and_its_seat_comes_back,
    a_one_hall_slot_takes_one_booking_whatever_the_timing
);
