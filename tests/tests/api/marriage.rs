//! The scheduling core and marriage registration appointments: availability, the
//! couple's booking and confirmation, the rules, cancellation and lapse, the desk, and a
//! rush of simultaneous bookings on a slot of a few seats.
use chrono::{Datelike, Duration};
use minzheng_tests::Backend;
use minzheng_tests::{
    TestApp, id_number, next_weekday, on_both_backends, spawn_app, spawn_app_with,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const HE: &str = "11011219900101001"; // male, born 1990
const SHE: &str = "11011219920304002"; // female, born 1992

/// The first slot of `business_type` at `office` on `date`.
async fn first_slot(
    app: &TestApp,
    office: &str,
    business_type: &str,
    date: chrono::NaiveDate,
) -> Value {
    let path = format!(
        "/api/v1/resources/{office}/availability?business_type={business_type}&from={date}&to={date}"
    );
    let body: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(body["days"][0]["state"], "open", "{body}");
    body["days"][0]["slots"][0].clone()
}

fn booking(slot: &Value, business_type: &str, parties: Value) -> Value {
    json!({"office_id": "marriage-centre", "business_type": business_type, "slot_id": slot["slot_id"], "parties": parties})
}

/// The slot of `like`'s start time on `date`, read from the made slots (the day shows
/// none once closed).
async fn slot_on(app: &TestApp, date: chrono::NaiveDate, like: &Value) -> Value {
    let rows = entity::slot::Entity::find()
        .filter(entity::slot::Column::Date.eq(date))
        .all(&app.db)
        .await
        .unwrap();
    match rows.first() {
        Some(row) => json!({"slot_id": row.id}),
        None => like.clone(),
    }
}

fn couple() -> Value {
    json!([{"name": "张伟", "id_number": id_number(HE)}, {"name": "李娜", "id_number": id_number(SHE)}])
}

async fn availability_shows_working_days_in_the_window_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let today = (chrono::Utc::now() + Duration::hours(8)).date_naive();
    let to = today + Duration::days(20);
    let body: Value = app.get(&format!("/api/v1/resources/marriage-centre/availability?business_type=marriage&from={today}&to={to}")).await.json().await.unwrap();
    let days = body["days"].as_array().unwrap();
    assert_eq!(days.len(), 21);
    for day in days {
        let date: chrono::NaiveDate = day["date"].as_str().unwrap().parse().unwrap();
        let state = day["state"].as_str().unwrap();
        if date > today + Duration::days(15) {
            assert_eq!(state, "not_open_yet", "{date}");
        } else if date.weekday().number_from_monday() > 5 {
            assert_eq!(state, "closed", "{date} is a weekend day");
        } else if date == today && state == "past" {
            // Run late in the day: every slot of today has passed (the state says so).
            let slots = day["slots"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            assert!(slots.iter().all(|s| s["bookable"] == false), "{day}");
        } else {
            assert_eq!(state, "open", "{date}");
            assert_eq!(day["slots"].as_array().unwrap().len(), 6);
            assert_eq!(day["slots"][0]["remaining"], 10);
            assert!(
                day["slots"][0]["starts_at"]
                    .as_str()
                    .unwrap()
                    .ends_with("09:00:00+08:00")
            );
        }
    }
    let res = app.get(&format!("/api/v1/resources/marriage-centre/availability?business_type=marriage&from={today}&to={}", today + Duration::days(40))).await;
    assert_eq!(res.status(), 400, "at most 31 days at once");
    assert_eq!(
        app.get("/api/v1/resources/nowhere/availability?business_type=marriage")
            .await
            .status(),
        404
    );
}

async fn a_couple_books_confirms_and_the_desk_checks_them_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let she = app.verified_citizen("she", "李娜", &id_number(SHE)).await;
    let date = next_weekday(2);
    let slot = first_slot(&app, "marriage-centre", "marriage", date).await;
    let (status, booked) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple()),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["status"], "pending_confirmation");
    assert_eq!(booked["parties"][0]["confirmed"], true);
    assert_eq!(booked["parties"][1]["confirmed"], false);
    assert_eq!(booked["parties"][1]["name_masked"], "李*");
    assert!(!booked.to_string().contains(&id_number(SHE)));
    let after = first_slot(&app, "marriage-centre", "marriage", date).await;
    assert_eq!(
        after["remaining"], 9,
        "the seat is taken (the cache was refreshed by the booking)"
    );

    let id = booked["id"].as_str().unwrap();
    let (status, confirmed) = app
        .post_as(
            &she.access,
            &format!("/api/v1/marriage/appointments/{id}/confirm"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, confirmed["status"].as_str()),
        (200, Some("confirmed")),
        "{confirmed}"
    );
    let (_, mine) = app
        .get_as(&she.access, "/api/v1/marriage/appointments")
        .await;
    assert_eq!(mine["items"][0]["id"], id);

    let qr = app
        .authed(
            reqwest::Method::GET,
            &format!("/api/v1/marriage/appointments/{id}/qr.png"),
            &he.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(qr.headers()["content-type"], "image/png");
    assert!(qr.bytes().await.unwrap().starts_with(b"\x89PNG"));

    let clerk = app
        .staff("centre.clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    let other = app
        .staff("branch.clerk", "clerk", "office", Some("marriage-branch"))
        .await;
    let (status, sheet) = app
        .get_as(
            &clerk.access,
            &format!("/api/v1/desk/marriage/appointments?office_id=marriage-centre&date={date}"),
        )
        .await;
    assert_eq!((status, sheet["items"].as_array().unwrap().len()), (200, 1));
    let slot_id = slot["slot_id"].as_str().unwrap();
    let (_, by_slot) = app.get_as(&clerk.access, &format!("/api/v1/desk/marriage/appointments?office_id=marriage-centre&date={date}&slot_id={slot_id}&status=confirmed")).await;
    assert_eq!(
        by_slot["items"].as_array().unwrap().len(),
        1,
        "filters by slot and status"
    );
    let (_, none) = app.get_as(&clerk.access, &format!("/api/v1/desk/marriage/appointments?office_id=marriage-centre&date={date}&status=cancelled")).await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.get_as(
            &other.access,
            &format!("/api/v1/desk/marriage/appointments?office_id=marriage-centre&date={date}")
        )
        .await
        .0,
        403
    );
    for q in [
        booked["code"].as_str().unwrap().to_owned(),
        booked["qr_content"].as_str().unwrap().to_owned(),
        id_number(SHE),
    ] {
        let (status, found) = app
            .get_as(
                &clerk.access,
                &format!("/api/v1/desk/marriage/lookup?q={q}"),
            )
            .await;
        assert_eq!(
            (status, found["items"][0]["id"].as_str()),
            (200, Some(id)),
            "lookup by {q}"
        );
        let (_, none) = app
            .get_as(
                &other.access,
                &format!("/api/v1/desk/marriage/lookup?q={q}"),
            )
            .await;
        assert_eq!(
            none["items"].as_array().unwrap().len(),
            0,
            "another office sees nothing"
        );
    }
    let (status, _) = app
        .post_as(
            &other.access,
            &format!("/api/v1/desk/marriage/appointments/{id}/check-in"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/marriage/appointments/{id}/complete"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.wrong_state"))
    );
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/marriage/appointments/{id}/check-in"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.wrong_state")),
        "not before the day"
    );
    // The day has come.
    let today = (chrono::Utc::now() + Duration::hours(8)).date_naive();
    entity::marriage_appointment::Entity::update_many()
        .col_expr(
            entity::marriage_appointment::Column::Date,
            Expr::value(today),
        )
        .filter(entity::marriage_appointment::Column::Id.eq(uuid::Uuid::parse_str(id).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/marriage/appointments/{id}/check-in"),
            &json!({}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("checked_in")));
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/marriage/appointments/{id}/complete"),
            &json!({}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("completed")));
    let (status, _) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple()),
        )
        .await;
    assert_eq!(
        status, 201,
        "a completed appointment no longer blocks the couple"
    );
}

async fn the_rules_of_who_may_book_hold(backend: Backend) {
    let app = spawn_app(backend).await;
    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let stranger = app
        .verified_citizen("stranger", "王五", &id_number("11011219850505031"))
        .await;
    let unverified = app
        .citizen_with_real_name("unverified", "赵六", &id_number("11011219860606041"))
        .await;
    let date = next_weekday(2);
    let slot = first_slot(&app, "marriage-centre", "marriage", date).await;
    let book = |who: &str, body: Value| {
        let (app, token) = (&app, who.to_owned());
        async move {
            app.post_as(&token, "/api/v1/marriage/appointments", &body)
                .await
        }
    };
    let (status, body) = book(&stranger.access, booking(&slot, "marriage", couple())).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("marriage.not_a_party"))
    );
    let (status, body) = book(&unverified.access, booking(&slot, "marriage", couple())).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("identity.real_name_unverified"))
    );
    let young = json!([{"name": "张伟", "id_number": id_number(HE)}, {"name": "小红", "id_number": id_number(&format!("110112{}0101002", date.year() - 19))}]);
    let (status, body) = book(&he.access, booking(&slot, "marriage", young)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("marriage.under_legal_age")),
        "{body}"
    );
    assert_eq!(body["errors"][0]["field"], "parties[1].id_number");
    let two_men = json!([{"name": "张伟", "id_number": id_number(HE)}, {"name": "王五", "id_number": id_number("11011219850505031")}]);
    let (status, body) = book(&he.access, booking(&slot, "marriage", two_men)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("marriage.invalid_parties"))
    );
    let divorce_slot = first_slot(&app, "marriage-centre", "divorce", date).await;
    let (status, body) = book(&he.access, booking(&divorce_slot, "divorce", couple())).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.divorce_application_required"))
    );
    let reissue_slot = first_slot(&app, "marriage-centre", "reissue", date).await;
    let (status, body) = book(&he.access, booking(&reissue_slot, "marriage", couple())).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("scheduling.slot_not_found")),
        "a slot of another business type"
    );

    assert_eq!(
        book(&he.access, booking(&slot, "marriage", couple()))
            .await
            .0,
        201
    );
    let alone = json!([{"name": "张伟", "id_number": id_number(HE)}]);
    let (status, body) = book(&he.access, booking(&reissue_slot, "reissue", alone)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.party_has_active_booking")),
        "one active booking per person"
    );
    let after = first_slot(&app, "marriage-centre", "reissue", date).await;
    assert_eq!(after["remaining"], 5, "the refused booking took no seat");
}

async fn a_duplicate_storm_with_one_key_books_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let date = next_weekday(2);
    let slot = first_slot(&app, "marriage-centre", "marriage", date).await;
    let body = booking(&slot, "marriage", couple());
    let attempts = (0..20).map(|_| {
        let (app, token, body) = (&app, he.access.clone(), body.clone());
        async move {
            let res = app
                .authed(
                    reqwest::Method::POST,
                    "/api/v1/marriage/appointments",
                    &token,
                )
                .header("idempotency-key", "tap-1")
                .json(&body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let created: Vec<_> = answers.iter().filter(|(s, _)| *s == 201).collect();
    // Every repeat waits for the first request and gets its answer.
    assert_eq!(
        created.len(),
        20,
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(
        created.iter().all(|a| a.1 == created[0].1),
        "identical answers"
    );
    let retry = app
        .authed(
            reqwest::Method::POST,
            "/api/v1/marriage/appointments",
            &he.access,
        )
        .header("idempotency-key", "tap-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotency-replayed"], "true");
    assert_eq!(retry.text().await.unwrap(), created[0].1);
    let rows = entity::marriage_appointment::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "one tap, one booking");
    assert_eq!(
        first_slot(&app, "marriage-centre", "marriage", date).await["remaining"],
        9
    );
}

async fn cancelling_gives_the_seat_back_and_an_unconfirmed_booking_lapses(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.sweep_interval_secs = 1).await;
    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let she = app.verified_citizen("she", "李娜", &id_number(SHE)).await;
    let date = next_weekday(2);
    let slot = first_slot(&app, "marriage-centre", "marriage", date).await;
    let (_, booked) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple()),
        )
        .await;
    let id = booked["id"].as_str().unwrap().to_owned();
    let stranger = app
        .verified_citizen("stranger", "王五", &id_number("11011219850505031"))
        .await;
    assert_eq!(
        app.post_as(
            &stranger.access,
            &format!("/api/v1/marriage/appointments/{id}/cancel"),
            &json!({})
        )
        .await
        .0,
        404
    );
    let (status, body) = app
        .post_as(
            &she.access,
            &format!("/api/v1/marriage/appointments/{id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("cancelled")),
        "either party may cancel"
    );
    assert_eq!(
        first_slot(&app, "marriage-centre", "marriage", date).await["remaining"],
        10
    );

    let (_, again) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple()),
        )
        .await;
    let again_id = uuid::Uuid::parse_str(again["id"].as_str().unwrap()).unwrap();
    entity::marriage_appointment::Entity::update_many()
        .col_expr(
            entity::marriage_appointment::Column::ConfirmDeadline,
            Expr::value(chrono::Utc::now() - Duration::seconds(1)),
        )
        .filter(entity::marriage_appointment::Column::Id.eq(again_id))
        .exec(&app.db)
        .await
        .unwrap();
    let mut status = String::new();
    for _ in 0..60 {
        let row = entity::marriage_appointment::Entity::find_by_id(again_id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        status = row.status;
        if status == "expired" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "expired");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        first_slot(&app, "marriage-centre", "marriage", date).await["remaining"],
        10,
        "the seat came back"
    );
    let (status, body) = app
        .post_as(
            &she.access,
            &format!("/api/v1/marriage/appointments/{again_id}/confirm"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.wrong_state"))
    );
}

async fn admins_shape_the_calendar_and_capacity(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let holiday = next_weekday(3);
    let special = next_weekday(
        holiday
            .signed_duration_since((chrono::Utc::now() + Duration::hours(8)).date_naive())
            .num_days()
            + 1,
    );
    let (status, body) = app
        .post_as(
            &admin.access,
            "/api/v1/calendar/days",
            &json!({"days": [{"date": holiday, "kind": "holiday", "name": "测试假日"}]}),
        )
        .await;
    assert_eq!((status, body["loaded"].as_u64()), (200, Some(1)));
    let day: Value = app.get(&format!("/api/v1/resources/marriage-centre/availability?business_type=marriage&from={holiday}&to={holiday}")).await.json().await.unwrap();
    assert_eq!(
        day["days"][0]["state"], "closed",
        "a public holiday on a weekday"
    );

    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/resources/marriage-centre/exceptions/{special}"),
            &admin.access,
        )
        .json(&json!({"kind": "special", "capacity_percent": 200, "note": "加开"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        first_slot(&app, "marriage-centre", "marriage", special).await["capacity"],
        20
    );

    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let slot = first_slot(&app, "marriage-centre", "marriage", special).await;
    assert_eq!(
        app.post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple())
        )
        .await
        .0,
        201
    );
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/resources/marriage-centre/exceptions/{special}"),
            &admin.access,
        )
        .json(&json!({"kind": "closed", "note": "停电"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "a day with bookings cannot be closed");
    let clerk = app
        .staff("c", "clerk", "office", Some("marriage-centre"))
        .await;
    assert_eq!(
        app.post_as(&clerk.access, "/api/v1/calendar/days", &json!({"days": []}))
            .await
            .0,
        403
    );
}

/// A holiday loaded after the day's slots were made (someone viewed it) closes the
/// day; with bookings the load refuses, naming the day and the booking codes, unless
/// the admin chooses to cancel them, which tells the people and frees the parties.
async fn a_holiday_loaded_late_closes_days_already_made(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let today = (chrono::Utc::now() + Duration::hours(8)).date_naive();
    let day_after =
        |day: chrono::NaiveDate| next_weekday(day.signed_duration_since(today).num_days() + 1);
    let empty_day = next_weekday(3);
    let booked_day = day_after(empty_day);
    first_slot(&app, "marriage-centre", "marriage", empty_day).await;
    let he = verified_by_email(&app, "zhang.wei@example.com", "张伟", &id_number(HE)).await;
    let slot = first_slot(&app, "marriage-centre", "marriage", booked_day).await;
    let (status, booked) = app
        .post_as(
            &he,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple()),
        )
        .await;
    assert_eq!(status, 201, "{booked}");

    let (status, body) = app
        .post_as(
            &admin.access,
            "/api/v1/calendar/days",
            &json!({"days": [{"date": empty_day, "kind": "holiday", "name": "测试假日"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["closed_days"][0]["date"], json!(empty_day), "{body}");
    let day: Value = app.get(&format!("/api/v1/resources/marriage-centre/availability?business_type=marriage&from={empty_day}&to={empty_day}")).await.json().await.unwrap();
    assert_eq!(
        day["days"][0]["state"], "closed",
        "the made day closed: {day}"
    );
    let (status, body) = app
        .post_as(
            &he,
            "/api/v1/marriage/appointments",
            &booking(&slot_on(&app, empty_day, &slot).await, "marriage", couple()),
        )
        .await;
    assert_ne!(status, 201, "a closed day takes no booking: {body}");

    // A booked day: refused by default, naming the request's item and the booking.
    let days = json!([{"date": empty_day, "kind": "holiday", "name": "测试假日"}, {"date": booked_day, "kind": "holiday", "name": "测试假日"}]);
    let (status, body) = app
        .post_as(
            &admin.access,
            "/api/v1/calendar/days",
            &json!({"days": days}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.calendar_touches_bookings")),
        "{body}"
    );
    assert_eq!(body["errors"][0]["field"], "days[1].date", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(booked["code"].as_str().unwrap()),
        "{body}"
    );
    let after: Value = app.get(&format!("/api/v1/resources/marriage-centre/availability?business_type=marriage&from={booked_day}&to={booked_day}")).await.json().await.unwrap();
    assert_eq!(
        after["days"][0]["state"], "open",
        "a refused change changes nothing: {after}"
    );

    // The admin chooses to cancel: the booking is cancelled with the reason, the
    // people told, the day closed, and the couple can book another day.
    let notices = || async {
        entity::outbox_message::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .iter()
            .filter(|m| m.template == "marriage.appointment")
            .count()
    };
    let before = notices().await;
    let (status, body) = app
        .post_as(
            &admin.access,
            "/api/v1/calendar/days",
            &json!({"days": days, "on_bookings": "cancel"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cancelled"][0]["code"], booked["code"], "{body}");
    let (_, seen) = app
        .get_as(
            &he,
            &format!(
                "/api/v1/marriage/appointments/{}",
                booked["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(seen["status"], "cancelled", "{seen}");
    let after: Value = app.get(&format!("/api/v1/resources/marriage-centre/availability?business_type=marriage&from={booked_day}&to={booked_day}")).await.json().await.unwrap();
    assert_eq!(after["days"][0]["state"], "closed", "{after}");
    assert!(notices().await > before, "the people are told");
    let other = first_slot(&app, "marriage-centre", "marriage", day_after(booked_day)).await;
    assert_eq!(
        app.post_as(
            &he,
            "/api/v1/marriage/appointments",
            &booking(&other, "marriage", couple())
        )
        .await
        .0,
        201,
        "the parties' keys are free again"
    );
}

async fn hundreds_of_simultaneous_bookings_fill_a_slot_exactly(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let put = |path: String, body: Value| {
        let (app, token) = (&app, admin.access.clone());
        async move {
            app.authed(reqwest::Method::PUT, &path, &token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let office = json!({"kind": "marriage_office", "name": "抢号测试处", "window_days": 15, "window_opens_at": "00:00",
        "cutoff_previous_day_at": "15:00", "cutoff_minutes": 0, "cancel_minutes": 60, "working_days_only": true});
    assert_eq!(
        put("/api/v1/resources/rush-office".into(), office).await,
        200
    );
    let slots: Vec<Value> = (1..=5)
        .map(|w| json!({"weekday": w, "start_time": "09:00", "end_time": "10:00", "capacity": 3}))
        .collect();
    assert_eq!(
        put(
            "/api/v1/resources/rush-office/templates/reissue".into(),
            json!({"slots": slots})
        )
        .await,
        204
    );
    let date = next_weekday(2);
    let path = format!(
        "/api/v1/resources/rush-office/availability?business_type=reissue&from={date}&to={date}"
    );
    let day: Value = app.get(&path).await.json().await.unwrap();
    let slot_id = day["days"][0]["slots"][0]["slot_id"].clone();

    const PEOPLE: usize = 200;
    let mut people = Vec::new();
    for n in 0..PEOPLE {
        let id = id_number(&format!(
            "1101121980{:02}{:02}{:03}",
            n / 28 + 1,
            n % 28 + 1,
            100 + n % 800
        ));
        people.push((
            app.verified_citizen(&format!("p{n}"), "排队人", &id).await,
            id,
        ));
    }
    let attempts = people.iter().map(|(citizen, id)| {
        let body = json!({"office_id": "rush-office", "business_type": "reissue", "slot_id": slot_id, "parties": [{"name": "排队人", "id_number": id}]});
        let (app, token) = (&app, citizen.access.clone());
        async move { app.post_as(&token, "/api/v1/marriage/appointments", &body).await }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let full = answers
        .iter()
        .filter(|(s, b)| *s == 409 && b["code"] == "scheduling.slot_full")
        .count();
    let others: Vec<_> = answers
        .iter()
        .filter(|(s, _)| *s != 201 && *s != 409)
        .map(|(s, b)| (s, b.to_string()))
        .collect();
    assert!(others.is_empty(), "{others:?}");
    assert_eq!(created, 3);
    assert_eq!(full, PEOPLE - 3);
    let slot =
        entity::slot::Entity::find_by_id(uuid::Uuid::parse_str(slot_id.as_str().unwrap()).unwrap())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
    let rows = entity::marriage_appointment::Entity::find()
        .filter(entity::marriage_appointment::Column::SlotId.eq(slot.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        (slot.booked, rows.len()),
        (3, 3),
        "the counter equals the rows"
    );
}

on_both_backends!(
    availability_shows_working_days_in_the_window_only,
    a_couple_books_confirms_and_the_desk_checks_them_in,
    the_rules_of_who_may_book_hold,
    a_duplicate_storm_with_one_key_books_once,
    cancelling_gives_the_seat_back_and_an_unconfirmed_booking_lapses,
    admins_shape_the_calendar_and_capacity,
    a_holiday_loaded_late_closes_days_already_made,
    hundreds_of_simultaneous_bookings_fill_a_slot_exactly
);

async fn divorce_goes_through_the_cooling_off_period(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.sweep_interval_secs = 1).await;
    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let she = app.verified_citizen("she", "李娜", &id_number(SHE)).await;
    let clerk = app
        .staff("centre.clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    let other = app
        .staff("branch.clerk", "clerk", "office", Some("marriage-branch"))
        .await;
    let request = json!({"office_id": "marriage-centre", "parties": couple()});
    assert_eq!(
        app.post_as(
            &other.access,
            "/api/v1/desk/marriage/divorce-applications",
            &request
        )
        .await
        .0,
        403
    );
    let (status, application) = app
        .post_as(
            &clerk.access,
            "/api/v1/desk/marriage/divorce-applications",
            &request,
        )
        .await;
    assert_eq!(status, 201, "{application}");
    let today = (chrono::Utc::now() + Duration::hours(8)).date_naive();
    assert_eq!(application["received_on"], today.to_string());
    let ends: chrono::NaiveDate = application["cooling_off_ends"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        ends >= today + Duration::days(30) && ends <= today + Duration::days(33),
        "{ends}"
    );
    assert_eq!(application["status"], "cooling_off");

    // During the cooling-off period no certificate appointment can be booked.
    let date = next_weekday(2);
    let slot = first_slot(&app, "marriage-centre", "divorce", date).await;
    let (status, body) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&slot, "divorce", couple()),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.outside_divorce_window")),
        "{body}"
    );

    // As if received 31 days ago: the window is open.
    let id = uuid::Uuid::parse_str(application["id"].as_str().unwrap()).unwrap();
    use entity::divorce_application::{Column, Entity};
    Entity::update_many()
        .col_expr(
            Column::CoolingOffEnds,
            Expr::value(today - Duration::days(1)),
        )
        .col_expr(
            Column::CertificateBy,
            Expr::value(today + Duration::days(29)),
        )
        .filter(Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = app
        .post_as(
            &she.access,
            &format!("/api/v1/marriage/divorce-applications/{id}/withdraw"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.wrong_state")),
        "no withdrawal after the cooling-off period"
    );
    let (status, booked) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&slot, "divorce", couple()),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let (_, mine) = app
        .get_as(&she.access, "/api/v1/marriage/divorce-applications")
        .await;
    assert_eq!(mine["items"][0]["status"], "booked");
    let appointment = booked["id"].as_str().unwrap();
    assert_eq!(
        app.post_as(
            &she.access,
            &format!("/api/v1/marriage/appointments/{appointment}/confirm"),
            &json!({})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        app.post_as(
            &he.access,
            &format!("/api/v1/marriage/appointments/{appointment}/cancel"),
            &json!({})
        )
        .await
        .0,
        200
    );
    let (_, mine) = app
        .get_as(&she.access, "/api/v1/marriage/divorce-applications")
        .await;
    assert_eq!(
        mine["items"][0]["status"], "cooling_off",
        "a cancelled appointment gives the window back"
    );

    // Nobody books before the window closes: the application lapses.
    Entity::update_many()
        .col_expr(
            Column::CertificateBy,
            Expr::value(today - Duration::days(1)),
        )
        .filter(Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    let mut status = String::new();
    for _ in 0..40 {
        status = Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .status;
        if status == "lapsed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "lapsed");
}

async fn either_party_may_withdraw_during_the_cooling_off_period(backend: Backend) {
    let app = spawn_app(backend).await;
    let she = app.verified_citizen("she", "李娜", &id_number(SHE)).await;
    let stranger = app
        .verified_citizen("stranger", "王五", &id_number("11011219850505031"))
        .await;
    let clerk = app
        .staff("centre.clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    let (_, application) = app
        .post_as(
            &clerk.access,
            "/api/v1/desk/marriage/divorce-applications",
            &json!({"office_id": "marriage-centre", "parties": couple()}),
        )
        .await;
    let id = application["id"].as_str().unwrap();
    assert_eq!(
        app.post_as(
            &stranger.access,
            &format!("/api/v1/marriage/divorce-applications/{id}/withdraw"),
            &json!({})
        )
        .await
        .0,
        404
    );
    let (status, body) = app
        .post_as(
            &she.access,
            &format!("/api/v1/marriage/divorce-applications/{id}/withdraw"),
            &json!({}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("withdrawn")));
}

on_both_backends!(
    divorce_goes_through_the_cooling_off_period,
    either_party_may_withdraw_during_the_cooling_off_period
);

async fn repeated_no_shows_block_new_bookings(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.no_show_limit = 2).await;
    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let clerk = app
        .staff("centre.clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    let date = next_weekday(2);
    let slot = first_slot(&app, "marriage-centre", "reissue", date).await;
    let alone = json!([{"name": "张伟", "id_number": id_number(HE)}]);
    for round in 0..3 {
        let (status, booked) = app
            .post_as(
                &he.access,
                "/api/v1/marriage/appointments",
                &booking(&slot, "reissue", alone.clone()),
            )
            .await;
        if round == 2 {
            assert_eq!(
                (status, booked["code"].as_str()),
                (403, Some("marriage.blocked_for_no_shows")),
                "{booked}"
            );
            break;
        }
        assert_eq!(status, 201, "{booked}");
        let id = booked["id"].as_str().unwrap();
        let (status, body) = app
            .post_as(
                &clerk.access,
                &format!("/api/v1/desk/marriage/appointments/{id}/no-show"),
                &json!({}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("marriage.wrong_state")),
            "not before the slot starts"
        );
        // As if the slot had passed and the desk had recorded the no-show.
        let id = uuid::Uuid::parse_str(id).unwrap();
        entity::marriage_appointment::Entity::update_many()
            .col_expr(
                entity::marriage_appointment::Column::Status,
                Expr::value("no_show"),
            )
            .filter(entity::marriage_appointment::Column::Id.eq(id))
            .exec(&app.db)
            .await
            .unwrap();
        entity::marriage_party::Entity::update_many()
            .col_expr(
                entity::marriage_party::Column::ActiveKey,
                Expr::value(Option::<String>::None),
            )
            .filter(entity::marriage_party::Column::AppointmentId.eq(id))
            .exec(&app.db)
            .await
            .unwrap();
    }
}

on_both_backends!(repeated_no_shows_block_new_bookings);

async fn a_desk_takes_back_a_no_show_within_minutes_unless_the_party_booked_again(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let clerk = app
        .staff("centre.clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    let date = next_weekday(2);
    let slot = first_slot(&app, "marriage-centre", "reissue", date).await;
    let alone = json!([{"name": "张伟", "id_number": id_number(HE)}]);
    let (status, booked) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&slot, "reissue", alone.clone()),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let id = booked["id"].as_str().unwrap();
    let uuid = uuid::Uuid::parse_str(id).unwrap();
    let desk = |what: &str| format!("/api/v1/desk/marriage/appointments/{id}/{what}");
    // As if the slot had started.
    entity::marriage_appointment::Entity::update_many()
        .col_expr(
            entity::marriage_appointment::Column::StartsAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(30)),
        )
        .filter(entity::marriage_appointment::Column::Id.eq(uuid))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = app
        .post_as(&clerk.access, &desk("undo-no-show"), &json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.wrong_state")),
        "nothing to undo: {body}"
    );
    let (status, body) = app
        .post_as(&clerk.access, &desk("no-show"), &json!({}))
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("no_show")),
        "{body}"
    );
    let (status, body) = app
        .post_as(&clerk.access, &desk("undo-no-show"), &json!({}))
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("confirmed")),
        "{body}"
    );
    // The party holds the appointment again: another booking of theirs is refused.
    let later = first_slot(&app, "marriage-centre", "reissue", next_weekday(3)).await;
    let (status, body) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&later, "reissue", alone.clone()),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.party_has_active_booking")),
        "{body}"
    );
    // Recorded again; the party books another day meanwhile: the undo is refused.
    assert_eq!(
        app.post_as(&clerk.access, &desk("no-show"), &json!({}))
            .await
            .0,
        200
    );
    let (status, other) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&later, "reissue", alone.clone()),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    let (status, body) = app
        .post_as(&clerk.access, &desk("undo-no-show"), &json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.party_has_active_booking")),
        "{body}"
    );
    let (_, seen) = app
        .get_as(&he.access, &format!("/api/v1/marriage/appointments/{id}"))
        .await;
    assert_eq!(
        seen["status"], "no_show",
        "a refused undo changes nothing: {seen}"
    );
    // Ten minutes on, a no-show stands.
    entity::marriage_appointment::Entity::update_many()
        .col_expr(
            entity::marriage_appointment::Column::UpdatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(11)),
        )
        .filter(entity::marriage_appointment::Column::Id.eq(uuid))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = app
        .post_as(&clerk.access, &desk("undo-no-show"), &json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.wrong_state")),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("10 分钟"),
        "{body}"
    );
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
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "marriage.appointment.no_show_undone")
            .count(),
        1,
        "{actions:?}"
    );
}

on_both_backends!(a_desk_takes_back_a_no_show_within_minutes_unless_the_party_booked_again);

/// Naming someone's ID number holds their seat for the booker only: it neither blocks
/// the named person's own booking nor tells the booker whether they hold one; the
/// rule "one active appointment per person" is theirs to meet when they confirm.
async fn a_named_party_is_held_only_once_they_confirm(backend: Backend) {
    let app = spawn_app(backend).await;
    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let she = app.verified_citizen("she", "李娜", &id_number(SHE)).await;
    let other = app
        .verified_citizen("other", "王强", &id_number("11011219880808011"))
        .await;
    let date = next_weekday(2);
    let slot = first_slot(&app, "marriage-centre", "marriage", date).await;
    let (status, first) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple()),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    // She is named, not held: her own booking goes through, and a third person who
    // names her learns nothing about it.
    let reissue = first_slot(&app, "marriage-centre", "reissue", date).await;
    let (status, own) = app
        .post_as(
            &she.access,
            "/api/v1/marriage/appointments",
            &booking(
                &reissue,
                "reissue",
                json!([{"name": "李娜", "id_number": id_number(SHE)}]),
            ),
        )
        .await;
    assert_eq!(status, 201, "not blocked by being named: {own}");
    let pair = json!([{"name": "王强", "id_number": id_number("11011219880808011")}, {"name": "李娜", "id_number": id_number(SHE)}]);
    let (status, third) = app
        .post_as(
            &other.access,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", pair),
        )
        .await;
    assert_eq!(status, 201, "the booker is told nothing about her: {third}");
    // Confirming is where her rule applies, and it is told to her alone.
    let confirm = |id: &Value| {
        format!(
            "/api/v1/marriage/appointments/{}/confirm",
            id.as_str().unwrap()
        )
    };
    let (status, body) = app
        .post_as(&she.access, &confirm(&first["id"]), &json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.party_has_active_booking")),
        "{body}"
    );
    assert_eq!(
        app.post_as(
            &she.access,
            &format!(
                "/api/v1/marriage/appointments/{}/cancel",
                own["id"].as_str().unwrap()
            ),
            &json!({})
        )
        .await
        .0,
        200
    );
    let (status, body) = app
        .post_as(&she.access, &confirm(&first["id"]), &json!({}))
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("confirmed")),
        "{body}"
    );
    // Now she is held: the other appointment naming her cannot be confirmed too.
    let (status, body) = app
        .post_as(&she.access, &confirm(&third["id"]), &json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.party_has_active_booking")),
        "{body}"
    );
    let keys = entity::marriage_party::Entity::find()
        .filter(entity::marriage_party::Column::ActiveKey.is_not_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(keys, 3, "the two bookers and she, once: {keys}");
}

on_both_backends!(a_named_party_is_held_only_once_they_confirm);

/// A verified citizen who signed in by email (so messages go to that address).
async fn verified_by_email(app: &TestApp, email: &str, name: &str, id: &str) -> String {
    app.post_json("/api/v1/auth/citizen/email-codes", &json!({"email": email}))
        .await;
    let code = minzheng_tests::code_in_email(&app.smtp.wait_for(email).await);
    let tokens: Value = app
        .post_json(
            "/api/v1/auth/citizen/email/sessions",
            &json!({"email": email, "code": code}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post_as(
            &token,
            "/api/v1/identity/real-name",
            &json!({"name": name, "id_number": id})
        )
        .await
        .0,
        200
    );
    entity::real_name::Entity::update_many()
        .col_expr(entity::real_name::Column::Status, Expr::value("verified"))
        .exec(&app.db)
        .await
        .unwrap();
    token
}

async fn the_couple_hears_of_the_booking_the_confirmation_and_the_day_before(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.sweep_interval_secs = 1).await;
    let he = verified_by_email(&app, "zhang.wei@example.com", "张伟", &id_number(HE)).await;
    let she = app.verified_citizen("she", "李娜", &id_number(SHE)).await;
    let date = next_weekday(2);
    let slot = first_slot(&app, "marriage-centre", "marriage", date).await;
    let (status, booked) = app
        .post_as(
            &he,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple()),
        )
        .await;
    assert_eq!(status, 201);
    let code = booked["code"].as_str().unwrap().to_owned();
    let wait_mails = |n: usize| {
        let sink = app.smtp.clone();
        async move {
            for _ in 0..100 {
                if sink.count() >= n {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("expected {n} emails, got {}", sink.count());
        }
    };
    wait_mails(2).await; // the sign-in code, then the booking
    let booked_mail = app.smtp.messages.lock().unwrap()[1].clone();
    assert!(
        !booked_mail.contains("text/calendar"),
        "no calendar entry before both confirmed"
    );

    let id = booked["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post_as(
            &she.access,
            &format!("/api/v1/marriage/appointments/{id}/confirm"),
            &json!({})
        )
        .await
        .0,
        200
    );
    wait_mails(3).await;
    let confirmed_mail = app.smtp.messages.lock().unwrap()[2].clone();
    assert!(confirmed_mail.contains("text/calendar"), "{confirmed_mail}");
    assert!(confirmed_mail.contains("appointment.ics"));
    for _ in 0..100 {
        if !app.wechat.sent.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let sent = app.wechat.sent.lock().unwrap().clone();
    let rows = entity::outbox_message::Entity::find()
        .filter(entity::outbox_message::Column::Channel.eq("wechat"))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        !sent.is_empty(),
        "{:?}",
        rows.iter()
            .map(|r| (&r.status, &r.last_error))
            .collect::<Vec<_>>()
    );
    assert_eq!(sent[0]["touser"], "openid-she");
    assert_eq!(sent[0]["data"]["character_string4"]["value"], code.as_str());

    // The day before: one reminder, however many sweeps run.
    let tomorrow = (chrono::Utc::now() + Duration::hours(8)).date_naive() + Duration::days(1);
    entity::marriage_appointment::Entity::update_many()
        .col_expr(
            entity::marriage_appointment::Column::Date,
            Expr::value(tomorrow),
        )
        .exec(&app.db)
        .await
        .unwrap();
    wait_mails(4).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(app.smtp.count(), 4, "the reminder goes once");
    assert!(app.smtp.messages.lock().unwrap()[3].contains("text/calendar"));
}

on_both_backends!(the_couple_hears_of_the_booking_the_confirmation_and_the_day_before);

/// Waits until the SMTP sink holds `n` messages.
async fn wait_mails(app: &TestApp, n: usize) {
    for _ in 0..100 {
        if app.smtp.count() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("expected {n} emails, got {}", app.smtp.count());
}

async fn the_other_party_verifies_by_face_and_confirms_from_the_share_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let he = verified_by_email(&app, "zhang.wei@example.com", "张伟", &id_number(HE)).await;
    let she = app
        .citizen_with_real_name("she", "李娜", &id_number(SHE))
        .await;
    let stranger = app
        .verified_citizen("stranger", "王五", &id_number("11011219850505031"))
        .await;
    let slot = first_slot(&app, "marriage-centre", "marriage", next_weekday(2)).await;
    let (status, booked) = app
        .post_as(
            &he,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple()),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let token = booked["share"]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        booked["share"]["path"],
        format!("pages/marriage/share?token={token}")
    );
    assert_eq!(booked["share"]["expires_at"], booked["confirm_deadline"]);
    assert!(
        !token.contains(booked["id"].as_str().unwrap()),
        "the token is opaque"
    );
    let open = format!("/api/v1/marriage/shared/{token}");
    let confirm = format!("{open}/confirm");
    // Signed in, but the real name is not verified yet: verify first.
    let (status, body) = app.get_as(&she.access, &open).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("identity.real_name_unverified")),
        "{body}"
    );
    // Someone else who got the link sees nothing; a made-up token neither.
    let (status, body) = app.get_as(&stranger.access, &open).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("marriage.share_link_invalid")),
        "{body}"
    );
    let last = if token.ends_with('A') { "B" } else { "A" };
    let forged = format!(
        "/api/v1/marriage/shared/{}{last}",
        &token[..token.len() - 1]
    );
    assert_eq!(app.get_as(&she.access, &forged).await.0, 404);
    assert_eq!(app.get(&open).await.status(), 401, "sign-in first");
    // She verifies her real name by WeChat face in the mini-program.
    assert_eq!(
        app.post_as(
            &she.access,
            "/api/v1/identity/real-name/face-consent",
            &json!({})
        )
        .await
        .0,
        200
    );
    let (_, started) = app
        .post_as(
            &she.access,
            "/api/v1/identity/real-name/wechat-verifications",
            &json!({}),
        )
        .await;
    app.wechat
        .finish_face(started["verify_id"].as_str().unwrap(), 10000);
    let attempt = started["attempt_id"].as_str().unwrap();
    let (status, verified) = app
        .post_as(
            &she.access,
            &format!("/api/v1/identity/real-name/attempts/{attempt}/confirm"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, verified["verified_by"].as_str()),
        (200, Some("face")),
        "{verified}"
    );
    let (status, shown) = app.get_as(&she.access, &open).await;
    assert_eq!(
        (status, shown["id"].as_str(), shown["status"].as_str()),
        (200, booked["id"].as_str(), Some("pending_confirmation")),
        "{shown}"
    );
    assert_eq!(shown["parties"][1]["confirmed"], false);
    let (status, confirmed) = app.post_as(&she.access, &confirm, &json!({})).await;
    assert_eq!(
        (status, confirmed["status"].as_str()),
        (200, Some("confirmed")),
        "{confirmed}"
    );
    assert!(confirmed["share"].is_null(), "nothing left to share");
    // The booker is told (the sign-in code, the booking, then the confirmation).
    wait_mails(&app, 3).await;
    let (status, body) = app.post_as(&she.access, &confirm, &json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("marriage.share_link_expired")),
        "{body}"
    );
}

/// The whole way, with no staff: a new citizen signs in by SMS, binds and
/// verifies a real name by FaceID (an app), books; the other party, on WeChat,
/// verifies by WeChat face and confirms from the share link; each hears by the
/// channel the rule picks (SMS for a phone-only account, WeChat for her).
async fn a_phone_only_citizen_books_with_no_desk_visit_and_hears_by_sms(backend: Backend) {
    let sms = minzheng_tests::peers::fake_sms().await;
    sms.approve_template("3000002", &[20, 20, 8]);
    let endpoint = sms.address.clone();
    let app = spawn_app_with(backend, move |c| {
        c.sms_app_id = Some(minzheng_tests::peers::SMS_APP_ID.into());
        c.sms_endpoint = endpoint;
        c.sms_sign_name = minzheng_tests::peers::SMS_SIGN_NAME.into();
        c.sms_templates.get_mut("sign_in_code").unwrap().id =
            minzheng_tests::peers::SMS_CODE_TEMPLATE.into();
        let template = minzheng::config::SmsTemplate {
            id: "3000002".into(),
            param_limits: vec![20, 20, 8],
            params: vec!["time2".into(), "thing3".into(), "character_string4".into()],
        };
        c.sms_templates
            .insert("marriage_appointment".into(), template);
    })
    .await;
    // He signs in by SMS code.
    let res = app
        .post_json(
            "/api/v1/auth/citizen/sms-codes",
            &json!({"phone": "13900139000"}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let code = sms.last_params("+8613900139000")[0].clone();
    let tokens: Value = app
        .post_json(
            "/api/v1/auth/citizen/sms/sessions",
            &json!({"phone": "13900139000", "code": code}),
        )
        .await
        .json()
        .await
        .unwrap();
    let he = tokens["access_token"].as_str().unwrap().to_owned();
    // He binds his real name and verifies it by FaceID in the app.
    assert_eq!(
        app.post_as(
            &he,
            "/api/v1/identity/real-name",
            &json!({"name": "张伟", "id_number": id_number(HE)})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        app.post_as(&he, "/api/v1/identity/real-name/face-consent", &json!({}))
            .await
            .0,
        200
    );
    let (status, started) = app
        .post_as(
            &he,
            "/api/v1/identity/real-name/faceid-verifications",
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    app.faceid
        .finish(started["face_id_token"].as_str().unwrap(), "0", 91.0);
    let attempt = started["attempt_id"].as_str().unwrap();
    let (status, verified) = app
        .post_as(
            &he,
            &format!("/api/v1/identity/real-name/attempts/{attempt}/confirm"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, verified["verified_by"].as_str()),
        (200, Some("face")),
        "{verified}"
    );
    // He books; she, on WeChat, verifies by WeChat face and confirms from the link.
    let slot = first_slot(&app, "marriage-centre", "marriage", next_weekday(2)).await;
    let (status, booked) = app
        .post_as(
            &he,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple()),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let she = app
        .citizen_with_real_name("she", "李娜", &id_number(SHE))
        .await;
    assert_eq!(
        app.post_as(
            &she.access,
            "/api/v1/identity/real-name/face-consent",
            &json!({})
        )
        .await
        .0,
        200
    );
    let (_, started) = app
        .post_as(
            &she.access,
            "/api/v1/identity/real-name/wechat-verifications",
            &json!({}),
        )
        .await;
    app.wechat
        .finish_face(started["verify_id"].as_str().unwrap(), 10000);
    let attempt = started["attempt_id"].as_str().unwrap();
    assert_eq!(
        app.post_as(
            &she.access,
            &format!("/api/v1/identity/real-name/attempts/{attempt}/confirm"),
            &json!({})
        )
        .await
        .0,
        200
    );
    let token = booked["share"]["token"].as_str().unwrap();
    let (status, confirmed) = app
        .post_as(
            &she.access,
            &format!("/api/v1/marriage/shared/{token}/confirm"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, confirmed["status"].as_str()),
        (200, Some("confirmed")),
        "{confirmed}"
    );
    // He hears of the booking and the confirmation by SMS, she of the confirmation on WeChat.
    let code = booked["code"].as_str().unwrap();
    let mut notices = Vec::new();
    for _ in 0..100 {
        notices = sms
            .delivered()
            .into_iter()
            .filter(|m| m.template_id == "3000002")
            .collect();
        if notices.len() >= 2 && !app.wechat.sent.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(notices.len(), 2, "booked and confirmed: {notices:?}");
    assert!(
        notices
            .iter()
            .all(|m| m.phone == "+8613900139000" && m.params[2] == code),
        "{notices:?}"
    );
    let sent = app.wechat.sent.lock().unwrap().clone();
    assert_eq!(
        (sent.len(), sent[0]["touser"].as_str()),
        (1, Some("openid-she")),
        "{sent:?}"
    );
    let rows = entity::outbox_message::Entity::find()
        .filter(entity::outbox_message::Column::Template.eq("marriage_appointment"))
        .all(&app.db)
        .await
        .unwrap();
    let mut channels: Vec<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
    channels.sort();
    assert_eq!(
        channels,
        ["sms", "sms", "wechat"],
        "one channel a person, recorded"
    );
    assert_eq!(app.smtp.count(), 0, "no email: none of them has an address");
    assert_eq!(sms.signature_failures(), 0);
}

async fn the_booker_is_told_when_an_unconfirmed_seat_is_released(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.sweep_interval_secs = 1).await;
    let he = verified_by_email(&app, "zhang.wei@example.com", "张伟", &id_number(HE)).await;
    let slot = first_slot(&app, "marriage-centre", "marriage", next_weekday(2)).await;
    let (_, booked) = app
        .post_as(
            &he,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple()),
        )
        .await;
    wait_mails(&app, 2).await;
    let id = uuid::Uuid::parse_str(booked["id"].as_str().unwrap()).unwrap();
    entity::marriage_appointment::Entity::update_many()
        .col_expr(
            entity::marriage_appointment::Column::ConfirmDeadline,
            Expr::value(chrono::Utc::now() - Duration::seconds(1)),
        )
        .filter(entity::marriage_appointment::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    wait_mails(&app, 3).await;
    let row = entity::marriage_appointment::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "expired");
    let lapse = app.smtp.messages.lock().unwrap()[2].clone();
    assert!(lapse.contains("zhang.wei@example.com"), "{lapse}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(app.smtp.count(), 3, "told once, however many sweeps run");
    let token = booked["share"]["token"].as_str().unwrap();
    let she = app.verified_citizen("she", "李娜", &id_number(SHE)).await;
    let (status, body) = app
        .get_as(&she.access, &format!("/api/v1/marriage/shared/{token}"))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("marriage.share_link_expired")),
        "{body}"
    );
}

/// A person who has not accepted the subscribe message (WeChat answers 43101) hears by
/// their next channel: the refusal and the email are queued in one step, once.
async fn a_refused_subscribe_message_falls_back_to_the_next_channel(backend: Backend) {
    let app = spawn_app(backend).await;
    let he = verified_by_email(&app, "refuser@example.com", "张伟", &id_number(HE)).await;
    let (status, body) = app
        .post_as(
            &he,
            "/api/v1/auth/citizen/wechat/link",
            &json!({"code": "ok-refuser"}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let date = next_weekday(2);
    let slot = first_slot(&app, "marriage-centre", "marriage", date).await;
    let (status, booked) = app
        .post_as(
            &he,
            "/api/v1/marriage/appointments",
            &booking(&slot, "marriage", couple()),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = entity::outbox_message::Entity::find()
            .filter(entity::outbox_message::Column::Template.ne("auth.email_code"))
            .order_by_asc(entity::outbox_message::Column::CreatedAt)
            .all(&app.db)
            .await
            .unwrap();
        if rows.len() == 2 && rows.iter().all(|r| r.status != "pending") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let channels: Vec<_> = rows
        .iter()
        .map(|r| (r.channel.as_str(), r.status.as_str()))
        .collect();
    assert_eq!(
        channels,
        [("wechat", "failed"), ("email", "sent")],
        "{rows:?}"
    );
    assert!(
        rows[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("43101")
    );
    assert_eq!(rows[1].person_id, rows[0].person_id, "for the same person");
    let mails = app.smtp.messages.lock().unwrap().clone();
    let notice: Vec<_> = mails
        .iter()
        .filter(|m| m.contains("refuser@example.com"))
        .collect();
    assert_eq!(
        notice.len(),
        2,
        "the sign-in code, then the booking by email"
    );
    assert!(
        app.wechat.sent.lock().unwrap().is_empty(),
        "nothing reached WeChat"
    );
}

/// A sealed value that does not open (a key mix-up, a damaged row) is the server's fault,
/// answered as such: never shown as an empty name.
async fn a_sealed_value_that_does_not_open_is_an_error_not_an_empty_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let slot = first_slot(&app, "marriage-centre", "marriage", next_weekday(2)).await;
    let body = booking(&slot, "marriage", couple());
    let (status, booked) = app
        .post_as(&he.access, "/api/v1/marriage/appointments", &body)
        .await;
    assert_eq!(status, 201, "{booked}");
    let id = booked["id"].as_str().unwrap();
    entity::marriage_party::Entity::update_many()
        .col_expr(
            entity::marriage_party::Column::NameSealed,
            Expr::value("v1.damaged.AAAA"),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let path = format!("/api/v1/marriage/appointments/{id}");
    let (status, body) = app.get_as(&he.access, &path).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (500, Some("server.internal")),
        "{body}"
    );
}

on_both_backends!(
    the_other_party_verifies_by_face_and_confirms_from_the_share_link,
    a_phone_only_citizen_books_with_no_desk_visit_and_hears_by_sms,
    the_booker_is_told_when_an_unconfirmed_seat_is_released,
    a_refused_subscribe_message_falls_back_to_the_next_channel,
    a_sealed_value_that_does_not_open_is_an_error_not_an_empty_name
);

async fn rescheduling_moves_the_seat_atomically(backend: Backend) {
    let app = spawn_app(backend).await;
    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let date = next_weekday(2);
    let later = next_weekday(
        date.signed_duration_since((chrono::Utc::now() + Duration::hours(8)).date_naive())
            .num_days()
            + 1,
    );
    let first = first_slot(&app, "marriage-centre", "marriage", date).await;
    let second = first_slot(&app, "marriage-centre", "marriage", later).await;
    let (_, booked) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&first, "marriage", couple()),
        )
        .await;
    let id = booked["id"].as_str().unwrap();
    let stranger = app
        .verified_citizen("stranger", "王五", &id_number("11011219850505031"))
        .await;
    assert_eq!(
        app.post_as(
            &stranger.access,
            &format!("/api/v1/marriage/appointments/{id}/reschedule"),
            &json!({"slot_id": second["slot_id"]})
        )
        .await
        .0,
        404
    );
    let reissue = first_slot(&app, "marriage-centre", "reissue", later).await;
    let (status, body) = app
        .post_as(
            &he.access,
            &format!("/api/v1/marriage/appointments/{id}/reschedule"),
            &json!({"slot_id": reissue["slot_id"]}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("scheduling.slot_not_found")),
        "only a slot of the same business"
    );
    let (status, moved) = app
        .post_as(
            &he.access,
            &format!("/api/v1/marriage/appointments/{id}/reschedule"),
            &json!({"slot_id": second["slot_id"]}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["date"], later.to_string());
    assert_eq!(
        first_slot(&app, "marriage-centre", "marriage", date).await["remaining"],
        10,
        "the old seat came back"
    );
    assert_eq!(
        first_slot(&app, "marriage-centre", "marriage", later).await["remaining"],
        9
    );
}

on_both_backends!(rescheduling_moves_the_seat_atomically);

async fn withdrawing_after_booking_early_cancels_the_certificate_appointment(backend: Backend) {
    let app = spawn_app(backend).await;
    let he = app.verified_citizen("he", "张伟", &id_number(HE)).await;
    let she = app.verified_citizen("she", "李娜", &id_number(SHE)).await;
    let clerk = app
        .staff("centre.clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    let (_, application) = app
        .post_as(
            &clerk.access,
            "/api/v1/desk/marriage/divorce-applications",
            &json!({"office_id": "marriage-centre", "parties": couple()}),
        )
        .await;
    let (status, body) = app
        .post_as(
            &clerk.access,
            "/api/v1/desk/marriage/divorce-applications",
            &json!({"office_id": "marriage-centre", "parties": couple()}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("marriage.party_has_active_booking")),
        "one open application per couple"
    );
    let id = uuid::Uuid::parse_str(application["id"].as_str().unwrap()).unwrap();
    // The cooling-off period ends tomorrow; the certificate day may be booked already.
    let today = (chrono::Utc::now() + Duration::hours(8)).date_naive();
    use entity::divorce_application::{Column, Entity};
    Entity::update_many()
        .col_expr(
            Column::CoolingOffEnds,
            Expr::value(today + Duration::days(1)),
        )
        .col_expr(
            Column::CertificateBy,
            Expr::value(today + Duration::days(31)),
        )
        .filter(Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    let date = next_weekday(2);
    let slot = first_slot(&app, "marriage-centre", "divorce", date).await;
    let (status, booked) = app
        .post_as(
            &he.access,
            "/api/v1/marriage/appointments",
            &booking(&slot, "divorce", couple()),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let (status, body) = app
        .post_as(
            &she.access,
            &format!("/api/v1/marriage/divorce-applications/{id}/withdraw"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("withdrawn")),
        "art. 1077: withdrawal until the period ends"
    );
    let (_, appointment) = app
        .get_as(
            &he.access,
            &format!(
                "/api/v1/marriage/appointments/{}",
                booked["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(appointment["status"], "cancelled");
    assert_eq!(
        first_slot(&app, "marriage-centre", "divorce", date).await["remaining"],
        5,
        "the seat came back"
    );
}

on_both_backends!(withdrawing_after_booking_early_cancels_the_certificate_appointment);

/// A day whose every slot has started is no longer `open`, even before midnight.
async fn today_is_past_once_every_slot_has_started(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let office = json!({"kind": "marriage_office", "name": "清晨登记处", "window_days": 15, "window_opens_at": "00:00",
        "cutoff_previous_day_at": null, "cutoff_minutes": 0, "cancel_minutes": 0, "working_days_only": false});
    let res = app
        .authed(
            reqwest::Method::PUT,
            "/api/v1/resources/dawn-office",
            &admin.access,
        )
        .json(&office)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    // One slot a day, at midnight: by the time the test runs, today's has started.
    let slots: Vec<Value> = (1..=7)
        .map(|w| json!({"weekday": w, "start_time": "00:00", "end_time": "00:01", "capacity": 5}))
        .collect();
    let res = app
        .authed(
            reqwest::Method::PUT,
            "/api/v1/resources/dawn-office/templates/marriage",
            &admin.access,
        )
        .json(&json!({"slots": slots}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let today = (chrono::Utc::now() + Duration::hours(8)).date_naive();
    let tomorrow = today + Duration::days(1);
    let days: Value = app.get(&format!("/api/v1/resources/dawn-office/availability?business_type=marriage&from={today}&to={tomorrow}")).await.json().await.unwrap();
    assert_eq!(days["days"][0]["state"], "past", "{days}");
    assert_eq!(days["days"][0]["slots"][0]["bookable"], false, "{days}");
    assert_eq!(days["days"][1]["state"], "open", "{days}");
}

on_both_backends!(today_is_past_once_every_slot_has_started);
