//! Full days and rush days: the waitlist that hands freed seats to the first in line with
//! a claim window, and the draw (摇号) that gives a rush day's seats out by a seeded,
//! checkable lottery. One-party `reissue` bookings keep the set-up short; the rules are
//! the scheduling core's and the same for every business type.
use chrono::{Duration, Utc};
use minzheng_tests::Backend;
use minzheng_tests::{TestApp, id_number, next_weekday, on_both_backends, spawn_app_with};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// An office whose weekdays have one `reissue` slot of `seats` at 09:00 (and, with
/// `second`, one of 1 seat at 10:00).
async fn small_office(app: &TestApp, admin: &str, id: &str, seats: u32, second: bool) {
    let office = json!({"kind": "marriage_office", "name": "候补测试处", "window_days": 15, "window_opens_at": "00:00",
        "cutoff_previous_day_at": null, "cutoff_minutes": 0, "cancel_minutes": 60, "working_days_only": true});
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/resources/{id}"),
            admin,
        )
        .json(&office)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut slots: Vec<Value> = (1..=5).map(|w| json!({"weekday": w, "start_time": "09:00", "end_time": "10:00", "capacity": seats})).collect();
    if second {
        slots.extend((1..=5).map(
            |w| json!({"weekday": w, "start_time": "10:00", "end_time": "11:00", "capacity": 1}),
        ));
    }
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/resources/{id}/templates/reissue"),
            admin,
        )
        .json(&json!({"slots": slots}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

async fn day(app: &TestApp, office: &str, date: chrono::NaiveDate) -> Value {
    let path = format!(
        "/api/v1/resources/{office}/availability?business_type=reissue&from={date}&to={date}"
    );
    let body: Value = app.get(&path).await.json().await.unwrap();
    body["days"][0].clone()
}

fn person(n: usize) -> String {
    id_number(&format!(
        "1101121985{:02}{:02}{:03}",
        n / 28 + 1,
        n % 28 + 1,
        200 + n
    ))
}

fn reissue(office: &str, slot_id: &Value, id: &str) -> Value {
    json!({"office_id": office, "business_type": "reissue", "slot_id": slot_id, "parties": [{"name": "补领人", "id_number": id}]})
}

async fn my_entry(app: &TestApp, token: &str) -> Value {
    let (status, list) = app.get_as(token, "/api/v1/marriage/waitlist").await;
    assert_eq!(status, 200, "{list}");
    list["items"][0].clone()
}

async fn wechat_to(app: &TestApp, openid: &str, template: &str) -> usize {
    app.wechat
        .sent
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m["touser"] == openid && m["template_id"] == template)
        .count()
}

async fn wait_until<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

async fn a_freed_seat_goes_to_the_first_in_line_who_may_claim_or_decline_it(backend: Backend) {
    // One sweep at start-up only: offers lapse here only when the test says so.
    let app = spawn_app_with(backend, |c| c.sweep_interval_secs = 3600).await;
    let admin = app.admin().await;
    small_office(&app, &admin.access, "wait-office", 1, false).await;
    let date = next_weekday(2);
    let slot_id = day(&app, "wait-office", date).await["slots"][0]["slot_id"].clone();
    let ids: Vec<String> = (0..4).map(person).collect();
    let mut people = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        people.push(app.verified_citizen(&format!("w{n}"), "补领人", id).await);
    }
    let join = json!({"office_id": "wait-office", "business_type": "reissue", "date": date});
    let (status, body) = app
        .post_as(&people[1].access, "/api/v1/marriage/waitlist", &join)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.seats_available")),
        "a day with seats is booked, not waited for"
    );
    assert_eq!(
        app.post_as(
            &people[0].access,
            "/api/v1/marriage/appointments",
            &reissue("wait-office", &slot_id, &ids[0])
        )
        .await
        .0,
        201
    );

    let (status, first) = app
        .post_as(&people[1].access, "/api/v1/marriage/waitlist", &join)
        .await;
    assert_eq!(
        (
            status,
            first["status"].as_str(),
            first["place_in_line"].as_u64()
        ),
        (201, Some("waiting"), Some(1)),
        "{first}"
    );
    let (status, second) = app
        .post_as(&people[2].access, "/api/v1/marriage/waitlist", &join)
        .await;
    assert_eq!((status, second["place_in_line"].as_u64()), (201, Some(2)));
    let (status, body) = app
        .post_as(&people[1].access, "/api/v1/marriage/waitlist", &join)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.already_waitlisted"))
    );
    let unverified = app
        .citizen_with_real_name("unverified", "赵六", &id_number("11011219860606041"))
        .await;
    assert_eq!(
        app.post_as(&unverified.access, "/api/v1/marriage/waitlist", &join)
            .await
            .0,
        403
    );
    let bad = json!({"office_id": "wait-office", "business_type": "wedding", "date": date});
    assert_eq!(
        app.post_as(&people[1].access, "/api/v1/marriage/waitlist", &bad)
            .await
            .0,
        422
    );

    // The booker cancels: the seat is held for the first in line, not given to the crowd.
    let (_, mine) = app
        .get_as(&people[0].access, "/api/v1/marriage/appointments")
        .await;
    let booked_id = mine["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post_as(
            &people[0].access,
            &format!("/api/v1/marriage/appointments/{booked_id}/cancel"),
            &json!({})
        )
        .await
        .0,
        200
    );
    let offered = my_entry(&app, &people[1].access).await;
    assert_eq!(offered["status"], "offered", "{offered}");
    assert_eq!(offered["offer"]["slot_id"], slot_id);
    assert_eq!(
        day(&app, "wait-office", date).await["slots"][0]["remaining"],
        0,
        "the seat stays taken for the offer"
    );
    assert!(
        wait_until(|| async { wechat_to(&app, "openid-w1", "tmpl-waitlist").await == 1 }).await,
        "the first in line is told"
    );
    assert_eq!(
        my_entry(&app, &people[2].access).await["place_in_line"],
        1,
        "the second moved up"
    );
    let (status, body) = app
        .post_as(
            &people[3].access,
            "/api/v1/marriage/appointments",
            &reissue("wait-office", &slot_id, &ids[3]),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.slot_full")),
        "nobody else gets the held seat"
    );
    let mut stolen = reissue("wait-office", &slot_id, &ids[2]);
    stolen["offer_id"] = offered["id"].clone();
    assert_eq!(
        app.post_as(&people[2].access, "/api/v1/marriage/appointments", &stolen)
            .await
            .0,
        404,
        "another's offer is not yours"
    );

    // The first declines: the seat moves on to the second.
    let (status, declined) = app
        .post_as(
            &people[1].access,
            &format!(
                "/api/v1/marriage/waitlist/{}/cancel",
                offered["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, declined["status"].as_str()),
        (200, Some("cancelled"))
    );
    let (status, body) = app
        .post_as(
            &people[1].access,
            &format!(
                "/api/v1/marriage/waitlist/{}/cancel",
                offered["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.waitlist_entry_ended"))
    );
    let offered = my_entry(&app, &people[2].access).await;
    assert_eq!(offered["status"], "offered");

    // Too late: the claim window passed (the sweep has not run yet).
    let entry_id = uuid::Uuid::parse_str(offered["id"].as_str().unwrap()).unwrap();
    set_offer_expiry(&app, entry_id, Utc::now() - Duration::seconds(1)).await;
    let mut claim = reissue("wait-office", &slot_id, &ids[2]);
    claim["offer_id"] = offered["id"].clone();
    let (status, body) = app
        .post_as(&people[2].access, "/api/v1/marriage/appointments", &claim)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.offer_expired"))
    );
    set_offer_expiry(&app, entry_id, Utc::now() + Duration::minutes(30)).await;
    let (status, booked) = app
        .post_as(&people[2].access, "/api/v1/marriage/appointments", &claim)
        .await;
    assert_eq!(
        (status, booked["slot_id"].clone()),
        (201, slot_id.clone()),
        "{booked}"
    );
    assert_eq!(my_entry(&app, &people[2].access).await["status"], "claimed");
    let (status, body) = app
        .post_as(
            &people[2].access,
            &format!("/api/v1/marriage/waitlist/{entry_id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.waitlist_entry_ended"))
    );

    // More capacity: the next in line is offered it at once.
    let (status, _) = app
        .post_as(&people[3].access, "/api/v1/marriage/waitlist", &join)
        .await;
    assert_eq!(status, 201);
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/resources/wait-office/exceptions/{date}"),
            &admin.access,
        )
        .json(&json!({"kind": "special", "capacity_percent": 200, "note": "加开"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(my_entry(&app, &people[3].access).await["status"], "offered");
    let slot =
        entity::slot::Entity::find_by_id(uuid::Uuid::parse_str(slot_id.as_str().unwrap()).unwrap())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
    let active = entity::marriage_appointment::Entity::find()
        .filter(entity::marriage_appointment::Column::SlotId.eq(slot.id))
        .filter(
            entity::marriage_appointment::Column::Status
                .is_in(["pending_confirmation", "confirmed"]),
        )
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        (slot.capacity, slot.booked, active.len()),
        (2, 2, 1),
        "one booking and one held offer"
    );

    // Booking elsewhere ends the places in line (one active appointment per person),
    // and the seat held for them is free again.
    let elsewhere = day(&app, "marriage-branch", date).await["slots"][0]["slot_id"].clone();
    assert_eq!(
        app.post_as(
            &people[3].access,
            "/api/v1/marriage/appointments",
            &reissue("marriage-branch", &elsewhere, &ids[3])
        )
        .await
        .0,
        201
    );
    assert_eq!(
        my_entry(&app, &people[3].access).await["status"],
        "cancelled"
    );
    let slot = entity::slot::Entity::find_by_id(slot.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(slot.booked, 1);
    let far =
        json!({"office_id": "wait-office", "business_type": "reissue", "date": next_weekday(40)});
    assert_eq!(
        app.post_as(&people[1].access, "/api/v1/marriage/waitlist", &far)
            .await
            .1["code"],
        "scheduling.not_open_yet"
    );
}

async fn an_offer_not_claimed_in_time_passes_to_the_next_and_then_back_to_everyone(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |c| c.sweep_interval_secs = 1).await;
    let admin = app.admin().await;
    small_office(&app, &admin.access, "lapse-office", 1, false).await;
    let date = next_weekday(2);
    let slot_id = day(&app, "lapse-office", date).await["slots"][0]["slot_id"].clone();
    let ids: Vec<String> = (10..13).map(person).collect();
    let mut people = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        people.push(app.verified_citizen(&format!("l{n}"), "补领人", id).await);
    }
    let (_, booked) = app
        .post_as(
            &people[0].access,
            "/api/v1/marriage/appointments",
            &reissue("lapse-office", &slot_id, &ids[0]),
        )
        .await;
    let join = json!({"office_id": "lapse-office", "business_type": "reissue", "date": date});
    for p in &people[1..] {
        assert_eq!(
            app.post_as(&p.access, "/api/v1/marriage/waitlist", &join)
                .await
                .0,
            201
        );
    }
    assert_eq!(
        app.post_as(
            &people[0].access,
            &format!(
                "/api/v1/marriage/appointments/{}/cancel",
                booked["id"].as_str().unwrap()
            ),
            &json!({})
        )
        .await
        .0,
        200
    );
    let first = my_entry(&app, &people[1].access).await;
    assert_eq!(first["status"], "offered");
    set_offer_expiry(
        &app,
        uuid::Uuid::parse_str(first["id"].as_str().unwrap()).unwrap(),
        Utc::now() - Duration::seconds(1),
    )
    .await;
    assert!(
        wait_until(|| async { my_entry(&app, &people[1].access).await["status"] == "lapsed" })
            .await
    );
    let second = my_entry(&app, &people[2].access).await;
    assert_eq!(
        second["status"], "offered",
        "the seat went to the next in line"
    );
    set_offer_expiry(
        &app,
        uuid::Uuid::parse_str(second["id"].as_str().unwrap()).unwrap(),
        Utc::now() - Duration::seconds(1),
    )
    .await;
    assert!(
        wait_until(|| async { my_entry(&app, &people[2].access).await["status"] == "lapsed" })
            .await
    );
    let slot =
        entity::slot::Entity::find_by_id(uuid::Uuid::parse_str(slot_id.as_str().unwrap()).unwrap())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        slot.booked, 0,
        "nobody left in line: the seat is free for everyone"
    );
    assert!(
        wait_until(|| async { wechat_to(&app, "openid-l2", "tmpl-waitlist").await == 1 }).await
    );
}

on_both_backends!(
    a_freed_seat_goes_to_the_first_in_line_who_may_claim_or_decline_it,
    an_offer_not_claimed_in_time_passes_to_the_next_and_then_back_to_everyone
);

async fn set_offer_expiry(app: &TestApp, id: uuid::Uuid, at: chrono::DateTime<Utc>) {
    use entity::waitlist_entry::{Column, Entity};
    Entity::update_many()
        .col_expr(Column::OfferExpiresAt, Expr::value(at))
        .filter(Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

/// The ranking anyone can recompute from the published seed and request ids.
fn expected_ranking(seed_hex: &str, ids: &[uuid::Uuid]) -> Vec<uuid::Uuid> {
    use sha2::{Digest, Sha256};
    let seed = hex::decode(seed_hex).unwrap();
    let mut keyed: Vec<(Vec<u8>, uuid::Uuid)> = ids
        .iter()
        .map(|id| {
            (
                Sha256::new()
                    .chain_update(&seed)
                    .chain_update(id.as_bytes())
                    .finalize()
                    .to_vec(),
                *id,
            )
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, id)| id).collect()
}

async fn close_requests(app: &TestApp, draw_id: &str) {
    use entity::draw::{Column, Entity};
    Entity::update_many()
        .col_expr(
            Column::RequestsCloseAt,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(Column::Id.eq(uuid::Uuid::parse_str(draw_id).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn a_rush_day_is_given_out_by_a_checkable_draw(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.sweep_interval_secs = 3600).await;
    let admin = app.admin().await;
    small_office(&app, &admin.access, "draw-office", 2, true).await;
    let date = next_weekday(3);
    let open = Utc::now() - Duration::minutes(1);
    let new_draw = json!({"office_id": "draw-office", "business_type": "reissue", "date": date,
        "requests_open_at": open.to_rfc3339(), "requests_close_at": (Utc::now() + Duration::hours(1)).to_rfc3339()});
    let clerk = app.staff("c", "clerk", "office", Some("draw-office")).await;
    assert_eq!(
        app.post_as(&clerk.access, "/api/v1/admin/marriage/draws", &new_draw)
            .await
            .0,
        403
    );
    let mut backwards = new_draw.clone();
    backwards["requests_close_at"] = json!((open - Duration::hours(1)).to_rfc3339());
    assert_eq!(
        app.post_as(&admin.access, "/api/v1/admin/marriage/draws", &backwards)
            .await
            .0,
        422
    );
    let mut divorce = new_draw.clone();
    divorce["business_type"] = json!("divorce");
    assert_eq!(
        app.post_as(&admin.access, "/api/v1/admin/marriage/draws", &divorce)
            .await
            .0,
        422,
        "no draws for divorce"
    );
    let mut weekend = new_draw.clone();
    let saturday = date
        + Duration::days(i64::from(
            6 - chrono::Datelike::weekday(&date).number_from_monday(),
        ));
    weekend["date"] = json!(saturday);
    let (status, body) = app
        .post_as(&admin.access, "/api/v1/admin/marriage/draws", &weekend)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.day_closed")),
        "{saturday}"
    );
    let (status, created) = app
        .post_as(&admin.access, "/api/v1/admin/marriage/draws", &new_draw)
        .await;
    assert_eq!(
        (status, created["phase"].as_str()),
        (201, Some("collecting")),
        "{created}"
    );
    assert!(
        created["seed"].is_null(),
        "the seed stays secret until the draw"
    );
    let draw_id = created["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .post_as(&admin.access, "/api/v1/admin/marriage/draws", &new_draw)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.draw_exists"))
    );

    // First-come booking and waitlists are off for the day.
    let today = day(&app, "draw-office", date).await;
    assert_eq!(today["state"], "draw");
    assert_eq!(today["slots"][0]["bookable"], false);
    let mut ids: Vec<String> = (20..30).map(person).collect();
    let mut people = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        people.push(app.verified_citizen(&format!("d{n}"), "补领人", id).await);
    }
    let (status, body) = app
        .post_as(
            &people[0].access,
            "/api/v1/marriage/appointments",
            &reissue("draw-office", &today["slots"][0]["slot_id"], &ids[0]),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.draw_day"))
    );
    let join = json!({"office_id": "draw-office", "business_type": "reissue", "date": date});
    assert_eq!(
        app.post_as(&people[0].access, "/api/v1/marriage/waitlist", &join)
            .await
            .1["code"],
        "scheduling.draw_day"
    );

    // Requests: one per person per day, withdrawable while the window is open.
    let hand_in = format!("/api/v1/marriage/draws/{draw_id}/requests");
    let mut requests = Vec::new();
    for (p, id) in people.iter().zip(&ids).take(9) {
        let (status, r) = app
            .post_as(
                &p.access,
                &hand_in,
                &json!({"parties": [{"name": "补领人", "id_number": id}]}),
            )
            .await;
        assert_eq!(
            (status, r["status"].as_str()),
            (201, Some("pending")),
            "{r}"
        );
        requests.push(r);
    }
    let (status, body) = app
        .post_as(
            &people[0].access,
            &hand_in,
            &json!({"parties": [{"name": "补领人", "id_number": ids[0]}]}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.already_requested"))
    );
    // Naming someone who holds a request of their own is not refused: the requester
    // learns nothing about them, and they keep theirs (and are not shown this one).
    let naming_another = json!({"parties": [{"name": "补领人", "id_number": ids[9]}, {"name": "补领人", "id_number": ids[1]}]});
    let (status, named) = app
        .post_as(&people[9].access, &hand_in, &naming_another)
        .await;
    assert_eq!(status, 201, "{named}");
    let (_, theirs) = app
        .get_as(&people[1].access, "/api/v1/marriage/draw-requests")
        .await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1, "{theirs}");
    let (status, body) = app
        .post_as(
            &people[9].access,
            &format!(
                "/api/v1/marriage/draw-requests/{}/withdraw",
                named["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("withdrawn")));
    let (status, body) = app
        .post_as(
            &people[9].access,
            &hand_in,
            &json!({"parties": [{"name": "补领人", "id_number": ids[0]}]}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("marriage.not_a_party"))
    );
    let withdraw = format!(
        "/api/v1/marriage/draw-requests/{}/withdraw",
        requests[8]["id"].as_str().unwrap()
    );
    assert_eq!(
        app.post_as(&people[0].access, &withdraw, &json!({}))
            .await
            .0,
        404,
        "only its requester withdraws it"
    );
    let (status, body) = app.post_as(&people[8].access, &withdraw, &json!({})).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("withdrawn")));
    let (status, again) = app
        .post_as(
            &people[8].access,
            &hand_in,
            &json!({"parties": [{"name": "补领人", "id_number": ids[8]}]}),
        )
        .await;
    assert_eq!(status, 201, "after withdrawing one may hand in again");
    requests[8] = again;
    let (status, last) = app
        .post_as(
            &people[9].access,
            &hand_in,
            &json!({"parties": [{"name": "补领人", "id_number": ids[9]}]}),
        )
        .await;
    assert_eq!(status, 201);
    requests.push(last);
    // Someone named without agreeing sees the request and withdraws it.
    let (a, b) = (person(30), person(31));
    let pa = app.verified_citizen("d10", "补领人", &a).await;
    let pb = app.verified_citizen("d11", "补领人", &b).await;
    let (status, joint) = app.post_as(&pa.access, &hand_in, &json!({"parties": [{"name": "补领人", "id_number": a}, {"name": "补领人", "id_number": b}]})).await;
    assert_eq!(status, 201, "{joint}");
    let (_, theirs) = app
        .get_as(&pb.access, "/api/v1/marriage/draw-requests")
        .await;
    assert_eq!(theirs["items"][0]["id"], joint["id"]);
    let (status, body) = app
        .post_as(
            &pb.access,
            &format!(
                "/api/v1/marriage/draw-requests/{}/withdraw",
                joint["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("withdrawn")));
    let (status, alone) = app
        .post_as(
            &pb.access,
            &hand_in,
            &json!({"parties": [{"name": "补领人", "id_number": b}]}),
        )
        .await;
    assert_eq!(status, 201, "{alone}");
    requests.push(alone);
    people.push(pb);
    ids.push(b);
    let (_, mine) = app
        .get_as(&people[9].access, "/api/v1/marriage/draw-requests")
        .await;
    let pending = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "pending")
        .count();
    assert_eq!(
        pending, 1,
        "one standing request (the other withdrawn): {mine}"
    );
    assert!(!mine.to_string().contains(&ids[9]), "ID numbers are masked");

    // Person 3 books elsewhere meanwhile: should they win, their booking is refused.
    let elsewhere = next_weekday(2);
    let other_slot = day(&app, "marriage-branch", elsewhere).await["slots"][0]["slot_id"].clone();
    assert_eq!(
        app.post_as(
            &people[3].access,
            "/api/v1/marriage/appointments",
            &reissue("marriage-branch", &other_slot, &ids[3])
        )
        .await
        .0,
        201
    );

    let run = format!("/api/v1/admin/marriage/draws/{draw_id}/run");
    let (status, body) = app.post_as(&admin.access, &run, &json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("scheduling.draw_not_closed"))
    );
    close_requests(&app, &draw_id).await;
    let (status, hand_late) = app
        .post_as(
            &people[0].access,
            &hand_in,
            &json!({"parties": [{"name": "补领人", "id_number": ids[0]}]}),
        )
        .await;
    assert_eq!(
        (status, hand_late["code"].as_str()),
        (409, Some("scheduling.draw_not_open"))
    );
    let (status, drawn) = app.post_as(&admin.access, &run, &json!({})).await;
    assert_eq!(
        (status, drawn["phase"].as_str()),
        (200, Some("drawn")),
        "{drawn}"
    );
    assert_eq!(
        app.post_as(&admin.access, &run, &json!({})).await.0,
        409,
        "a draw runs once"
    );

    // Anyone can check it: the seed matches its published hash, and the ranking is the
    // order of SHA-256(seed ‖ request id) over the requests that stood.
    let seed = drawn["seed"].as_str().unwrap();
    assert_eq!(
        {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(hex::decode(seed).unwrap()))
        },
        created["seed_sha256"].as_str().unwrap()
    );
    let standing: Vec<uuid::Uuid> = requests
        .iter()
        .map(|r| uuid::Uuid::parse_str(r["id"].as_str().unwrap()).unwrap())
        .collect();
    let ranking: Vec<uuid::Uuid> = drawn["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| uuid::Uuid::parse_str(v.as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(ranking, expected_ranking(seed, &standing));
    assert_eq!(drawn["request_count"], 11);

    // Winners are booked in rank order until the 3 seats are gone; person 3 is refused.
    let owner = |request: &uuid::Uuid| {
        requests
            .iter()
            .position(|r| r["id"] == request.to_string())
            .unwrap()
    };
    let mut seats = 3;
    let mut expected = Vec::new();
    for request in &ranking {
        let who = owner(request);
        let status = match (seats > 0, who == 3) {
            (false, _) => "lost",
            (true, true) => "failed",
            (true, false) => {
                seats -= 1;
                "won"
            }
        };
        expected.push((who, status));
    }
    for (who, status) in &expected {
        let (_, mine) = app
            .get_as(&people[*who].access, "/api/v1/marriage/draw-requests")
            .await;
        let r = &mine["items"][0];
        assert_eq!(r["status"], *status, "person {who}: {r}");
        if *status == "failed" {
            assert_eq!(r["reason"], "marriage.party_has_active_booking");
        }
        if *status == "won" {
            let (code, appointment) = app
                .get_as(
                    &people[*who].access,
                    &format!(
                        "/api/v1/marriage/appointments/{}",
                        r["appointment_id"].as_str().unwrap()
                    ),
                )
                .await;
            assert_eq!(
                (code, appointment["date"].as_str()),
                (200, Some(date.to_string().as_str()))
            );
        }
    }
    assert_eq!(drawn["winner_count"], 3);
    let slots = entity::slot::Entity::find()
        .filter(entity::slot::Column::ResourceId.eq("draw-office"))
        .filter(entity::slot::Column::Date.eq(date))
        .all(&app.db)
        .await
        .unwrap();
    let rows = entity::marriage_appointment::Entity::find()
        .filter(entity::marriage_appointment::Column::OfficeId.eq("draw-office"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        (slots.iter().map(|s| s.booked).sum::<i32>(), rows.len()),
        (3, 3),
        "the counters equal the rows"
    );
    // Everyone hears the result; the day takes first-come bookings again (none left).
    for n in (0..10).chain([11]) {
        let openid = format!("openid-d{n}");
        assert!(
            wait_until(|| async { wechat_to(&app, &openid, "tmpl-draw").await == 1 }).await,
            "{openid} heard the result"
        );
    }
    assert_eq!(day(&app, "draw-office", date).await["state"], "open");
    minzheng::platform::audit::chain_pending(&app.db)
        .await
        .unwrap();
    let audit = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("scheduling.draw.run"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0].summary.contains(seed),
        "the audit trail keeps the seed"
    );
    let public: Value = app
        .get(&format!(
            "/api/v1/marriage/draws?office_id=draw-office&from={date}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        public["items"][0]["seed"].as_str(),
        Some(seed),
        "the result is public"
    );
}

/// Authority is checked when a draw books its winner, not only when the request was
/// handed in. (A waitlist offer is claimed through the booking route, which checks
/// everything again at that moment.)
async fn a_person_blocked_for_no_shows_since_handing_in_wins_no_seat(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.sweep_interval_secs = 3600;
        c.no_show_limit = 1;
    })
    .await;
    let admin = app.admin().await;
    small_office(&app, &admin.access, "recheck-office", 1, false).await;
    let date = next_weekday(3);
    let new_draw = json!({"office_id": "recheck-office", "business_type": "reissue", "date": date,
        "requests_open_at": (Utc::now() - Duration::minutes(1)).to_rfc3339(), "requests_close_at": (Utc::now() + Duration::hours(1)).to_rfc3339()});
    let (_, created) = app
        .post_as(&admin.access, "/api/v1/admin/marriage/draws", &new_draw)
        .await;
    let draw_id = created["id"].as_str().unwrap().to_owned();
    let c = person(42);
    let pc = app.verified_citizen("recheck-c", "补领人", &c).await;
    let (status, _) = app
        .post_as(
            &pc.access,
            &format!("/api/v1/marriage/draws/{draw_id}/requests"),
            &json!({"parties": [{"name": "补领人", "id_number": c}]}),
        )
        .await;
    assert_eq!(status, 201);
    // Then C misses an appointment elsewhere: one no-show blocks (limit 1).
    let elsewhere =
        day(&app, "marriage-branch", next_weekday(2)).await["slots"][0]["slot_id"].clone();
    let (status, missed) = app
        .post_as(
            &pc.access,
            "/api/v1/marriage/appointments",
            &reissue("marriage-branch", &elsewhere, &c),
        )
        .await;
    assert_eq!(status, 201, "{missed}");
    let missed_id = uuid::Uuid::parse_str(missed["id"].as_str().unwrap()).unwrap();
    entity::marriage_appointment::Entity::update_many()
        .col_expr(
            entity::marriage_appointment::Column::StartsAt,
            Expr::value(Utc::now() - Duration::minutes(30)),
        )
        .filter(entity::marriage_appointment::Column::Id.eq(missed_id))
        .exec(&app.db)
        .await
        .unwrap();
    let clerk = app
        .staff("branch.clerk", "clerk", "office", Some("marriage-branch"))
        .await;
    assert_eq!(
        app.post_as(
            &clerk.access,
            &format!("/api/v1/desk/marriage/appointments/{missed_id}/no-show"),
            &json!({})
        )
        .await
        .0,
        200
    );

    close_requests(&app, &draw_id).await;
    let (status, drawn) = app
        .post_as(
            &admin.access,
            &format!("/api/v1/admin/marriage/draws/{draw_id}/run"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, drawn["winner_count"].as_i64()),
        (200, Some(0)),
        "{drawn}"
    );
    let (_, mine) = app
        .get_as(&pc.access, "/api/v1/marriage/draw-requests")
        .await;
    assert_eq!(
        (
            mine["items"][0]["status"].as_str(),
            mine["items"][0]["reason"].as_str()
        ),
        (Some("failed"), Some("marriage.blocked_for_no_shows")),
        "{mine}"
    );
    assert_eq!(
        day(&app, "recheck-office", date).await["slots"][0]["remaining"],
        1,
        "the refused winner's seat stays free"
    );
}

/// Naming someone in a draw request neither keeps them from handing in their own
/// nor tells the requester anything; a person named in several requests wins once.
async fn a_person_named_in_several_requests_hands_in_their_own_and_wins_once(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.sweep_interval_secs = 3600).await;
    let admin = app.admin().await;
    small_office(&app, &admin.access, "named-office", 3, true).await;
    let date = next_weekday(3);
    let new_draw = json!({"office_id": "named-office", "business_type": "reissue", "date": date,
        "requests_open_at": (Utc::now() - Duration::minutes(1)).to_rfc3339(), "requests_close_at": (Utc::now() + Duration::hours(1)).to_rfc3339()});
    let (_, created) = app
        .post_as(&admin.access, "/api/v1/admin/marriage/draws", &new_draw)
        .await;
    let draw_id = created["id"].as_str().unwrap().to_owned();
    let hand_in = format!("/api/v1/marriage/draws/{draw_id}/requests");
    let (a, b, c) = (person(50), person(51), person(52));
    let pa = app.verified_citizen("named-a", "补领人", &a).await;
    let pb = app.verified_citizen("named-b", "补领人", &b).await;
    let pc = app.verified_citizen("named-c", "补领人", &c).await;
    let naming = |me: &str, them: &str| json!({"parties": [{"name": "补领人", "id_number": me}, {"name": "补领人", "id_number": them}]});
    let (status, by_a) = app.post_as(&pa.access, &hand_in, &naming(&a, &b)).await;
    assert_eq!(status, 201, "{by_a}");
    let (status, own) = app
        .post_as(
            &pb.access,
            &hand_in,
            &json!({"parties": [{"name": "补领人", "id_number": b}]}),
        )
        .await;
    assert_eq!(
        status, 201,
        "named first, B still hands in their own: {own}"
    );
    let (status, again) = app
        .post_as(
            &pb.access,
            &hand_in,
            &json!({"parties": [{"name": "补领人", "id_number": b}]}),
        )
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("scheduling.already_requested")),
        "one request of one's own"
    );
    let (status, by_c) = app.post_as(&pc.access, &hand_in, &naming(&c, &b)).await;
    assert_eq!(status, 201, "C is told nothing about B: {by_c}");
    close_requests(&app, &draw_id).await;
    let (status, drawn) = app
        .post_as(
            &admin.access,
            &format!("/api/v1/admin/marriage/draws/{draw_id}/run"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, drawn["winner_count"].as_i64()),
        (200, Some(1)),
        "B is in all three and wins once: {drawn}"
    );
    let mut reasons = Vec::new();
    for p in [&pa, &pb, &pc] {
        let (_, mine) = app
            .get_as(&p.access, "/api/v1/marriage/draw-requests")
            .await;
        let r = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["draw_id"] == draw_id.as_str())
            .unwrap()
            .clone();
        reasons.push((
            r["status"].as_str().unwrap().to_owned(),
            r["reason"].as_str().map(str::to_owned),
        ));
    }
    reasons.sort();
    assert_eq!(
        reasons,
        vec![
            (
                "failed".to_owned(),
                Some("marriage.party_has_active_booking".to_owned())
            ),
            (
                "failed".to_owned(),
                Some("marriage.party_has_active_booking".to_owned())
            ),
            ("won".to_owned(), None),
        ]
    );
}

async fn a_draw_runs_by_itself_once_its_window_closes(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.sweep_interval_secs = 1).await;
    let admin = app.admin().await;
    small_office(&app, &admin.access, "auto-office", 2, false).await;
    let date = next_weekday(3);
    let new_draw = json!({"office_id": "auto-office", "business_type": "reissue", "date": date,
        "requests_open_at": (Utc::now() - Duration::minutes(1)).to_rfc3339(), "requests_close_at": (Utc::now() + Duration::hours(1)).to_rfc3339()});
    let (_, created) = app
        .post_as(&admin.access, "/api/v1/admin/marriage/draws", &new_draw)
        .await;
    let draw_id = created["id"].as_str().unwrap().to_owned();
    let (a, b) = (person(40), person(41));
    let pa = app.verified_citizen("auto-a", "补领人", &a).await;
    let pb = app.verified_citizen("auto-b", "补领人", &b).await;
    for (p, id) in [(&pa, &a), (&pb, &b)] {
        let (status, _) = app
            .post_as(
                &p.access,
                &format!("/api/v1/marriage/draws/{draw_id}/requests"),
                &json!({"parties": [{"name": "补领人", "id_number": id}]}),
            )
            .await;
        assert_eq!(status, 201);
    }
    // B books elsewhere before the draw: B's win is refused, the seat stays free.
    let elsewhere =
        day(&app, "marriage-branch", next_weekday(2)).await["slots"][0]["slot_id"].clone();
    assert_eq!(
        app.post_as(
            &pb.access,
            "/api/v1/marriage/appointments",
            &reissue("marriage-branch", &elsewhere, &b)
        )
        .await
        .0,
        201
    );
    close_requests(&app, &draw_id).await;
    let path = format!("/api/v1/marriage/draws/{draw_id}");
    assert!(
        wait_until(|| async {
            app.get(&path).await.json::<Value>().await.unwrap()["phase"] == "drawn"
        })
        .await
    );
    let (_, mine) = app
        .get_as(&pa.access, "/api/v1/marriage/draw-requests")
        .await;
    assert_eq!(mine["items"][0]["status"], "won");
    let (_, list) = app
        .get_as(&pa.access, "/api/v1/marriage/appointments")
        .await;
    assert_eq!(
        list["items"][0]["status"], "confirmed",
        "a one-party booking needs no confirmation"
    );
    let (_, theirs) = app
        .get_as(&pb.access, "/api/v1/marriage/draw-requests")
        .await;
    assert_eq!(
        (
            theirs["items"][0]["status"].as_str(),
            theirs["items"][0]["reason"].as_str()
        ),
        (Some("failed"), Some("marriage.party_has_active_booking"))
    );
    let open = day(&app, "auto-office", date).await;
    assert_eq!(
        (
            open["state"].as_str(),
            open["slots"][0]["remaining"].as_i64()
        ),
        (Some("open"), Some(1)),
        "the refused winner's seat was not kept"
    );
}

on_both_backends!(
    a_rush_day_is_given_out_by_a_checkable_draw,
    a_person_blocked_for_no_shows_since_handing_in_wins_no_seat,
    a_person_named_in_several_requests_hands_in_their_own_and_wins_once,
    a_draw_runs_by_itself_once_its_window_closes
);
