//! Booking at opening time, beside the database's own conditional-update rate, on SQLite
//! and on PostgreSQL (when `MINZHENG_TEST_DATABASE_URL` is set), in one run. Not a test:
//! `scripts/bench` runs it in release mode and writes `docs/benchmarks/booking.md`.
//!
//! For each store:
//! - floor: the seat-taking conditional UPDATE (`scheduling::engine::take_seats_in`), each
//!   in its own write transaction, straight on the database, over 10 slots and on one hot
//!   slot, from as many tasks as the HTTP clients below;
//! - reference: the same booking transaction the route runs (`marriage::service::book`:
//!   rules, seat, appointment, parties, audit event, outbox), called in-process without
//!   HTTP, over 10 slots and on one hot slot;
//! - spread: every person books at once into 10 slots of one day, over HTTP;
//! - hot: as many attempts at one slot of fewer seats (the rest get `slot_full`);
//! - 清明 opening: every person reserves a tomb visit for a party of two at once, into the
//!   half-hour slots of a 清明 peak day (the reference: the same conditional update over
//!   as many slots).
//!
//! Client and server share this process and the machine's cores, as the reference does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests stop at the first surprise, and each reads as one story"
)]
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use minzheng::platform::db::begin_write;
use minzheng::scheduling::engine::take_seats_in;
use minzheng_tests::{Backend, PG_URL_VAR, TestApp, id_number, next_weekday, spawn_app_with};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

const PEOPLE: usize = 1_000;
const CONCURRENCY: usize = 32;
const SPREAD_SLOTS: usize = 10;
const HOT_SEATS: u32 = 300;
/// Transactions of each reference run: more than the bookings, for a steadier figure.
const RAW_OPS: usize = 5_000;
/// Half-hour slots of the 清明 peak day, and persons per reservation.
const QINGMING_SLOTS: usize = 20;
const PARTY: usize = 2;

struct Person {
    token: String,
    id_number: String,
    citizen_id: Uuid,
}

struct Run {
    wall: Duration,
    latencies: Vec<Duration>,
    statuses: Vec<(u16, String)>,
}

impl Run {
    fn per_sec(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        if sorted.is_empty() {
            return 0.0;
        }
        let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[i].as_secs_f64() * 1000.0
    }
    fn count(&self, status: u16, code: &str) -> usize {
        self.statuses
            .iter()
            .filter(|(s, c)| *s == status && (code.is_empty() || c == code))
            .count()
    }
    fn others(&self) -> usize {
        self.statuses
            .iter()
            .filter(|(s, _)| *s != 201 && *s != 409)
            .count()
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut rows = Vec::new();
        let mut backends = vec![Backend::Sqlite];
        if std::env::var(PG_URL_VAR).is_ok() {
            backends.push(Backend::Postgres);
        } else {
            eprintln!("{PG_URL_VAR} is not set: SQLite only (scripts/bench starts PostgreSQL)");
        }
        for backend in backends {
            rows.extend(bench(backend).await);
        }
        println!("{}", report(&rows));
    });
}

async fn bench(backend: Backend) -> Vec<String> {
    eprintln!("{backend:?}: starting");
    let app = spawn_app_with(backend, |c| {
        c.workers = 2;
        c.log_level = "error".into();
        c.db_max_connections = 16;
    })
    .await;
    let date = next_weekday(2);
    let admin = app.admin().await;
    office(
        &app,
        &admin.access,
        "bench-spread",
        SPREAD_SLOTS,
        PEOPLE as u32,
    )
    .await;
    office(&app, &admin.access, "bench-hot", 1, HOT_SEATS).await;
    office(
        &app,
        &admin.access,
        "direct-spread",
        SPREAD_SLOTS,
        PEOPLE as u32,
    )
    .await;
    office(&app, &admin.access, "direct-hot", 1, HOT_SEATS).await;
    eprintln!("{backend:?}: making {PEOPLE} verified people");
    let people = people(&app).await;

    let raw_spread = raw_rate(&app.db, SPREAD_SLOTS).await;
    let raw_hot = raw_rate(&app.db, 1).await;
    let direct_spread_slots = slots(&app, "direct-spread", date).await;
    let direct_spread = book_directly(&app, &people, "direct-spread", &direct_spread_slots).await;
    free_everyone(&app.db).await;
    let direct_hot_slots = slots(&app, "direct-hot", date).await;
    let direct_hot = book_directly(&app, &people, "direct-hot", &direct_hot_slots).await;
    free_everyone(&app.db).await;

    let spread_slots = slots(&app, "bench-spread", date).await;
    let spread = book_all(&app, &people, "bench-spread", &spread_slots).await;
    free_everyone(&app.db).await;
    let hot_slots = slots(&app, "bench-hot", date).await;
    let hot = book_all(&app, &people, "bench-hot", &hot_slots).await;
    let raw_qingming = raw_rate(&app.db, QINGMING_SLOTS).await;
    let qingming_slots = qingming_day(&app, &admin.access, date).await;
    let qingming = reserve_all(&app, &people, &qingming_slots).await;

    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    vec![
        format!(
            "| {name} | floor: conditional UPDATE alone, {SPREAD_SLOTS} slots | {raw_spread:.0} /s | | | | {:.2} |",
            raw_spread / direct_spread.per_sec()
        ),
        format!(
            "| {name} | reference: the booking transaction without HTTP, {PEOPLE} into {SPREAD_SLOTS} slots | {:.0} /s | {:.1} | {:.1} | {} booked, {} other | 1.00 |",
            direct_spread.per_sec(),
            direct_spread.percentile(0.5),
            direct_spread.percentile(0.99),
            direct_spread.count(201, ""),
            direct_spread.others()
        ),
        format!(
            "| {name} | spread: {PEOPLE} bookings into {SPREAD_SLOTS} slots over HTTP | {:.0} /s | {:.1} | {:.1} | {} booked, {} other | {:.2} |",
            spread.per_sec(),
            spread.percentile(0.5),
            spread.percentile(0.99),
            spread.count(201, ""),
            spread.others(),
            spread.per_sec() / direct_spread.per_sec()
        ),
        format!(
            "| {name} | floor: conditional UPDATE alone, 1 hot slot | {raw_hot:.0} /s | | | | {:.2} |",
            raw_hot / direct_hot.per_sec()
        ),
        format!(
            "| {name} | reference: the booking transaction without HTTP, {PEOPLE} attempts at 1 slot of {HOT_SEATS} | {:.0} /s | {:.1} | {:.1} | {} booked, {} `slot_full`, {} other | 1.00 |",
            direct_hot.per_sec(),
            direct_hot.percentile(0.5),
            direct_hot.percentile(0.99),
            direct_hot.count(201, ""),
            direct_hot.count(409, "scheduling.slot_full"),
            direct_hot.others()
        ),
        format!(
            "| {name} | hot: {PEOPLE} attempts at 1 slot of {HOT_SEATS} over HTTP | {:.0} /s | {:.1} | {:.1} | {} booked, {} `slot_full`, {} other | {:.2} |",
            hot.per_sec(),
            hot.percentile(0.5),
            hot.percentile(0.99),
            hot.count(201, ""),
            hot.count(409, "scheduling.slot_full"),
            hot.others(),
            hot.per_sec() / direct_hot.per_sec()
        ),
        format!(
            "| {name} | reference: conditional UPDATE, {QINGMING_SLOTS} slots | {raw_qingming:.0} /s | | | | 1.00 |"
        ),
        format!(
            "| {name} | 清明 opening: {PEOPLE} tomb visits of {PARTY} persons into {QINGMING_SLOTS} half-hour slots over HTTP | {:.0} /s | {:.1} | {:.1} | {} reserved, {} other | {:.2} |",
            qingming.per_sec(),
            qingming.percentile(0.5),
            qingming.percentile(0.99),
            qingming.count(201, ""),
            qingming.others() + qingming.count(409, ""),
            qingming.per_sec() / raw_qingming
        ),
    ]
}

fn report(rows: &[String]) -> String {
    let mut out = String::from(
        "| Store | What | Rate | p50 ms | p99 ms | Outcome | Ratio to its reference |\n|---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        out.push_str(row);
        out.push('\n');
    }
    out
}

/// A marriage office with `slots` `reissue` slots of `seats` on every weekday.
async fn office(app: &TestApp, admin: &str, id: &str, slots: usize, seats: u32) {
    let body = json!({"kind": "marriage_office", "name": "压测处", "window_days": 15, "window_opens_at": "00:00",
        "cutoff_previous_day_at": null, "cutoff_minutes": 0, "cancel_minutes": 60, "working_days_only": true});
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/resources/{id}"),
            admin,
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let template: Vec<Value> = (1..=5)
        .flat_map(|w| (0..slots).map(move |h| json!({"weekday": w, "start_time": format!("{:02}:00", 8 + h), "end_time": format!("{:02}:00", 9 + h), "capacity": seats})))
        .collect();
    let res = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/resources/{id}/templates/reissue"),
            admin,
        )
        .json(&json!({"slots": template}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

async fn slots(app: &TestApp, office: &str, date: NaiveDate) -> Vec<Value> {
    let path = format!(
        "/api/v1/resources/{office}/availability?business_type=reissue&from={date}&to={date}"
    );
    let day: Value = app.get(&path).await.json().await.unwrap();
    day["days"][0]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slot_id"].clone())
        .collect()
}

/// People signed in through the fake WeChat with a bound, verified real name. Sign-ins
/// are limited per client address, so each batch comes from another loopback address.
async fn people(app: &TestApp) -> Vec<Person> {
    let mut out = Vec::with_capacity(PEOPLE);
    for batch in 0..PEOPLE.div_ceil(250) {
        let client = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 9, batch as u8 + 1)))
            .build()
            .unwrap();
        let made = (batch * 250..((batch + 1) * 250).min(PEOPLE)).map(|i| {
            let client = client.clone();
            async move {
                let birth = NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()
                    + chrono::Duration::days(i as i64 / 500);
                let id = id_number(&format!(
                    "110112{}{:03}",
                    birth.format("%Y%m%d"),
                    100 + i % 500
                ));
                let res = client
                    .post(app.url("/api/v1/auth/citizen/wechat/sessions"))
                    .json(&json!({"code": format!("ok-bench{i}")}))
                    .send()
                    .await
                    .unwrap();
                let body: Value = res.json().await.unwrap();
                let token = body["access_token"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{body}"))
                    .to_owned();
                let res = client
                    .post(app.url("/api/v1/identity/real-name"))
                    .bearer_auth(&token)
                    .json(&json!({"name": "压测人", "id_number": id}))
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                assert_eq!(status, 200, "{}", res.text().await.unwrap_or_default());
                let me: Value = client
                    .get(app.url("/api/v1/auth/citizen/me"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                Person {
                    token,
                    id_number: id,
                    citizen_id: me["id"].as_str().unwrap().parse().unwrap(),
                }
            }
        });
        out.extend(futures_util::future::join_all(made).await);
    }
    entity::real_name::Entity::update_many()
        .col_expr(entity::real_name::Column::Status, Expr::value("verified"))
        .col_expr(
            entity::real_name::Column::VerifiedBy,
            Expr::value("in_person"),
        )
        .exec(&app.db)
        .await
        .unwrap();
    out
}

/// Everybody books at once, `CONCURRENCY` requests in flight; person i takes slot i mod n.
async fn book_all(app: &TestApp, people: &[Person], office: &str, slots: &[Value]) -> Run {
    use futures_util::StreamExt;
    let client = minzheng_tests::http_client();
    let start = Instant::now();
    let answers: Vec<(Duration, u16, String)> = futures_util::stream::iter(people.iter().enumerate())
        .map(|(i, p)| {
            let client = client.clone();
            let body = json!({"office_id": office, "business_type": "reissue", "slot_id": slots[i % slots.len()], "parties": [{"name": "压测人", "id_number": p.id_number}]});
            async move {
                let sent = Instant::now();
                let res = client.post(app.url("/api/v1/marriage/appointments")).bearer_auth(&p.token).json(&body).send().await.unwrap();
                let status = res.status().as_u16();
                let body: Value = res.json().await.unwrap_or(Value::Null);
                (sent.elapsed(), status, body["code"].as_str().unwrap_or_default().to_owned())
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    Run {
        wall: start.elapsed(),
        latencies: answers.iter().map(|a| a.0).collect(),
        statuses: answers.into_iter().map(|a| (a.1, a.2)).collect(),
    }
}

/// The same bookings as [`book_all`], through the booking transaction the route runs
/// (`marriage::service::book`), in-process: no HTTP, token check, idempotency or JSON.
async fn book_directly(app: &TestApp, people: &[Person], office: &str, slots: &[Value]) -> Run {
    use futures_util::StreamExt;
    use minzheng::marriage::domain::BusinessType;
    use minzheng::marriage::service::{NewParty, book};
    let state = minzheng::state::AppState::new(
        app.db.clone(),
        std::sync::Arc::new(app.config.clone()),
        minzheng_tests::test_secrets(),
        minzheng::startup::seat_holders(),
    );
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let state = &state;
    let start = Instant::now();
    let answers: Vec<(Duration, u16, String)> =
        futures_util::stream::iter(people.iter().enumerate())
            .map(|(i, p)| {
                let slot: Uuid = slots[i % slots.len()].as_str().unwrap().parse().unwrap();
                let citizen = minzheng::auth::extract::Citizen {
                    id: p.citizen_id,
                    session_id: Uuid::nil(),
                    request_id: None,
                };
                let party = NewParty {
                    name: "压测人".into(),
                    id: minzheng::identity::domain::IdNumber::parse(&p.id_number, today).unwrap(),
                };
                async move {
                    let sent = Instant::now();
                    let outcome = book(
                        state,
                        &citizen,
                        office,
                        BusinessType::Reissue,
                        slot,
                        vec![party],
                        None,
                    )
                    .await;
                    let (status, code) = match outcome {
                        Ok(_) => (201, String::new()),
                        Err(e) => (e.code.status().as_u16(), e.code.as_str().to_owned()),
                    };
                    (sent.elapsed(), status, code)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    Run {
        wall: start.elapsed(),
        latencies: answers.iter().map(|a| a.0).collect(),
        statuses: answers.into_iter().map(|a| (a.1, a.2)).collect(),
    }
}

/// A cemetery whose `date` is a 清明 peak day: `QINGMING_SLOTS` half-hour slots with room
/// for every party; the visit slot ids.
async fn qingming_day(app: &TestApp, admin: &str, date: NaiveDate) -> Vec<Value> {
    let body = json!({"kind": "cemetery", "name": "压测公墓", "window_days": 3, "window_opens_at": "00:00",
        "cutoff_previous_day_at": null, "cutoff_minutes": 0, "cancel_minutes": 60, "working_days_only": false});
    let res = app
        .authed(
            reqwest::Method::PUT,
            "/api/v1/resources/bench-cemetery",
            admin,
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let seats = (PEOPLE * PARTY).div_ceil(QINGMING_SLOTS);
    let slots: Vec<Value> = (0..QINGMING_SLOTS)
        .map(|i| {
            let (start, end) = (7 * 60 + 30 * i, 7 * 60 + 30 * (i + 1));
            json!({"business_type": "visit", "start_time": format!("{:02}:{:02}", start / 60, start % 60), "end_time": format!("{:02}:{:02}", end / 60, end % 60), "capacity": seats})
        })
        .collect();
    let period = json!({"name": "清明", "first_date": date, "last_date": date, "window_days": 14, "slots": slots});
    let res = app
        .authed(
            reqwest::Method::POST,
            "/api/v1/resources/bench-cemetery/peak-periods",
            admin,
        )
        .json(&period)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let path = format!(
        "/api/v1/resources/bench-cemetery/availability?business_type=visit&from={date}&to={date}"
    );
    let day: Value = app.get(&path).await.json().await.unwrap();
    day["days"][0]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slot_id"].clone())
        .collect()
}

/// Everybody reserves a tomb visit at once for themself and a relative, each at their
/// own grave, `CONCURRENCY` requests in flight; person i takes slot i mod n.
async fn reserve_all(app: &TestApp, people: &[Person], slots: &[Value]) -> Run {
    use futures_util::StreamExt;
    let client = minzheng_tests::http_client();
    let start = Instant::now();
    let answers: Vec<(Duration, u16, String)> = futures_util::stream::iter(people.iter().enumerate())
        .map(|(i, p)| {
            let client = client.clone();
            let relative = id_number(&format!("110112{}{:03}", 19500101 + (i / 500) as u32, 100 + i % 500));
            let body = json!({"cemetery_id": "bench-cemetery", "slot_id": slots[i % slots.len()], "grave": {"section": "Q", "row": (i / 100).to_string(), "number": (i % 100).to_string()},
                "visitors": [{"name": "压测人", "id_number": p.id_number}, {"name": "亲属", "id_number": relative}], "plates": ["京AD12345"]});
            async move {
                let sent = Instant::now();
                let res = client.post(app.url("/api/v1/tomb-visits")).bearer_auth(&p.token).json(&body).send().await.unwrap();
                let status = res.status().as_u16();
                let body: Value = res.json().await.unwrap_or(Value::Null);
                (sent.elapsed(), status, body["code"].as_str().unwrap_or_default().to_owned())
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    Run {
        wall: start.elapsed(),
        latencies: answers.iter().map(|a| a.0).collect(),
        statuses: answers.into_iter().map(|a| (a.1, a.2)).collect(),
    }
}

/// Ends every appointment's hold on its people, so that they can book again.
async fn free_everyone(db: &DatabaseConnection) {
    entity::marriage_party::Entity::update_many()
        .col_expr(
            entity::marriage_party::Column::ActiveKey,
            Expr::value(Option::<String>::None),
        )
        .exec(db)
        .await
        .unwrap();
    entity::marriage_appointment::Entity::update_many()
        .col_expr(
            entity::marriage_appointment::Column::Status,
            Expr::value("completed"),
        )
        .filter(
            entity::marriage_appointment::Column::Status
                .is_in(["pending_confirmation", "confirmed"]),
        )
        .exec(db)
        .await
        .unwrap();
}

/// Seat-taking transactions per second straight on the database: `RAW_OPS` of them over
/// `slots` fresh slots, `CONCURRENCY` at a time, each `BEGIN (IMMEDIATE); UPDATE ...; COMMIT`.
async fn raw_rate(db: &DatabaseConnection, slots: usize) -> f64 {
    use futures_util::StreamExt;
    let now = chrono::Utc::now();
    let ids: Vec<Uuid> = (0..slots).map(|_| Uuid::now_v7()).collect();
    for (n, id) in ids.iter().enumerate() {
        entity::slot::Entity::insert(entity::slot::ActiveModel {
            id: Set(*id),
            resource_id: Set(format!("raw-{slots}")),
            business_type: Set("raw".into()),
            date: Set(now.date_naive()),
            starts_at: Set(now + chrono::Duration::minutes(n as i64)),
            ends_at: Set(now + chrono::Duration::minutes(n as i64 + 1)),
            capacity: Set(i32::MAX / 2),
            booked: Set(0),
        })
        .exec(db)
        .await
        .unwrap();
    }
    let start = Instant::now();
    futures_util::stream::iter(0..RAW_OPS)
        .map(|i| {
            let id = ids[i % ids.len()];
            async move {
                let txn = begin_write(db).await.unwrap();
                take_seats_in(&txn, id, 1).await.unwrap();
                txn.commit().await.unwrap();
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    RAW_OPS as f64 / start.elapsed().as_secs_f64()
}
