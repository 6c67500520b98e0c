//! Rush-day suite (issue #9), the booking scenarios, against the real `minzheng` binary
//! started as its own process (so that it can be killed and run twice), on SQLite and on
//! PostgreSQL (when `MINZHENG_TEST_DATABASE_URL` is set). Not a test: `scripts/rush` runs
//! it in release mode after the wrk scenarios and puts its table into
//! `docs/benchmarks/rush.md`.
//!
//! - reference: the booking transaction the route runs (`marriage::service::book`), called
//!   in this process on the same database without HTTP, spread over 1,000 slots and at one
//!   hot slot;
//! - S2: bookings spread over 1,000 slots over HTTP;
//! - S3: 5,000 attempts at one slot of 500 seats from 32 connections;
//! - S4: 20 identical POSTs with one `Idempotency-Key` at once;
//! - S7: kill -9 during a spread rush, then a restart: ready time, every answered booking
//!   kept, seat counters equal to the rows, every notification delivered;
//! - S8: 5 MB photo uploads, 20 at a time, and the server's peak memory;
//! - S5: 200 bookings/s plus 4,000 availability reads/s (hey) for `RUSH_STEADY_SECS`
//!   (300 by default): p99 of each, memory at the start and the end;
//! - S6: twice that for a minute: load shed with 429/503 and `Retry-After`, no other 5xx,
//!   no answer slower than 10 s;
//! - S10 (PostgreSQL): two instances share the S3 rush, each notification sent once.
//!
//! Fixtures (places, verified people, their tokens) are written in this process with the
//! service's own functions and the same keys the server is given.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests stop at the first surprise, and each reads as one story"
)]
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::NaiveDate;
use futures_util::StreamExt;
use minzheng::auth::extract::Citizen;
use minzheng::auth::tokens::AccountKind;
use minzheng::config::Config;
use minzheng::marriage::domain::BusinessType;
use minzheng::marriage::service::{NewParty, book};
use minzheng::platform::audit::Actor;
use minzheng::scheduling::setup::{ResourceSpec, TemplateSlot, replace_template, save_resource};
use minzheng::state::AppState;
use minzheng_tests::peers::{FakeWechat, WECHAT_APP_ID, WECHAT_SECRET, fake_wechat};
use minzheng_tests::{Backend, PG_URL_VAR, id_number, next_weekday, test_secrets};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

const CONNECTIONS: usize = 32;
const PEOPLE: usize = 5_000;
const SPREAD_SLOTS: usize = 1_000;
const SPREAD_BOOKINGS: usize = 3_000;
const HOT_SEATS: i32 = 500;
const HOT_ATTEMPTS: usize = 5_000;
const KILL_BOOKINGS: usize = 2_000;
/// Rounds of each reference and its HTTP scenario (S2, S3), compared by their medians.
const ROUNDS: usize = 3;
const UPLOADS: usize = 60;
const UPLOADS_IN_FLIGHT: usize = 20;

/// Whether to run a scenario: all of them unless `RUSH_ONLY` lists some (`RUSH_ONLY=S5,S7`),
/// for measuring one change without the whole half hour.
fn wanted(scenario: &str) -> bool {
    std::env::var("RUSH_ONLY").map_or(true, |only| only.split(',').any(|s| s.trim() == scenario))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // `RUSH_STORE=postgres` skips SQLite (for measuring one change).
    let only_pg = std::env::var("RUSH_STORE").is_ok_and(|s| s == "postgres");
    let mut rows = if only_pg {
        vec![]
    } else {
        runtime.block_on(suite(Backend::Sqlite))
    };
    if std::env::var(PG_URL_VAR).is_ok() {
        rows.extend(runtime.block_on(suite(Backend::Postgres)));
    } else {
        eprintln!("{PG_URL_VAR} is not set: PostgreSQL skipped");
    }
    println!(
        "| Store | What | Rate | p50 ms | p99 ms | Outcome | Ratio to its reference | Target |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
}

// ---- The server as a process ------------------------------------------------------------

struct Store {
    name: &'static str,
    dir: tempfile::TempDir,
    database_url: Option<String>,
    wechat: FakeWechat,
}

struct Server {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn key(byte: u8) -> String {
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}

impl Store {
    async fn new(backend: Backend) -> Store {
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(minzheng_tests::fresh_pg_database().await),
        };
        Store {
            name: match backend {
                Backend::Sqlite => "SQLite",
                Backend::Postgres => "PostgreSQL",
            },
            dir: tempfile::tempdir().expect("temp dir"),
            database_url,
            wechat: fake_wechat().await,
        }
    }

    /// The configuration file an instance reads (its own data folder on PostgreSQL).
    fn config_file(&self, instance: usize) -> PathBuf {
        let data_dir = self.dir.path().join(format!(
            "data-{}",
            if self.database_url.is_some() {
                instance
            } else {
                0
            }
        ));
        std::fs::create_dir_all(&data_dir).unwrap();
        let mut text = format!(
            "data_dir = {:?}\nlog_level = \"error\"\nworkers = {}\nwechat_api_base = {:?}\nwechat_app_id = {:?}\n",
            data_dir.display().to_string(),
            std::env::var("RUSH_WORKERS").unwrap_or_else(|_| "2".into()),
            self.wechat.address,
            WECHAT_APP_ID
        );
        if let Some(url) = &self.database_url {
            text.push_str(&format!("database_url = {url:?}\n"));
        }
        text.push_str("[wechat_templates]\nmarriage_appointment = \"tmpl-marriage\"\n");
        let path = self.dir.path().join(format!("minzheng-{instance}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The configuration this process uses for its own connection and fixtures.
    fn config(&self) -> Config {
        Config {
            data_dir: self.dir.path().join("data-0"),
            database_url: self.database_url.clone(),
            db_max_connections: 8,
            ..Config::default()
        }
    }

    /// Starts an instance and waits until it is ready; also returns how long that took.
    async fn start(&self, instance: usize) -> (Server, Duration) {
        let port = free_port();
        let started = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_minzheng-under-test"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("MINZHENG_CONFIG", self.config_file(instance))
            .env("MINZHENG_SEALING_KEY", key(1))
            .env("MINZHENG_BLIND_INDEX_KEY", key(2))
            .env("MINZHENG_TOKEN_KEY", key(3))
            .env("MINZHENG_WECHAT_APP_SECRET", WECHAT_SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start minzheng");
        let base = format!("http://127.0.0.1:{port}");
        let client = minzheng_tests::http_client();
        loop {
            if let Ok(res) = client.get(format!("{base}/readyz")).send().await
                && res.status() == 200
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not start"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        (Server { child, base }, started.elapsed())
    }
}

impl Server {
    fn kill9(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }

    /// A memory figure of the process from `/proc/PID/status` (`VmHWM`: the peak resident
    /// size, `VmRSS`: now), in MiB.
    fn memory_mib(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| {
                l.strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with(':'))
            })
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

// ---- Fixtures ----------------------------------------------------------------------------

struct Person {
    citizen: Uuid,
    token: String,
    id_number: String,
}

/// A marriage office whose `date` has `slots` one-minute `reissue` slots of `seats` each.
async fn office(state: &AppState, id: &str, date: NaiveDate, slots: usize, seats: i32) {
    use chrono::Datelike;
    let spec = ResourceSpec {
        id: id.into(),
        kind: "marriage_office".into(),
        name: "压测处".into(),
        address: None,
        window_days: 15,
        window_opens_at: "00:00".into(),
        cutoff_previous_day_at: None,
        cutoff_minutes: 0,
        cancel_minutes: 0,
        working_days_only: true,
    };
    save_resource(&state.db, spec, Actor::System, None)
        .await
        .unwrap();
    let weekday = date.weekday().number_from_monday() as i32;
    let template = (0..slots)
        .map(|m| TemplateSlot {
            weekday,
            start_time: format!("{:02}:{:02}", m / 60, m % 60),
            end_time: format!("{:02}:{:02}", (m + 1) / 60, (m + 1) % 60),
            capacity: seats,
        })
        .collect();
    replace_template(&state.db, id, "reissue", template, Actor::System, None)
        .await
        .unwrap();
}

/// An office's day as the public availability route answers it.
async fn availability(server: &Server, office: &str, date: NaiveDate) -> Value {
    let url = format!(
        "{}/api/v1/resources/{office}/availability?business_type=reissue&from={date}&to={date}",
        server.base
    );
    minzheng_tests::http_client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The slot ids of an office's day, as the public availability shows them.
async fn slot_ids(server: &Server, office: &str, date: NaiveDate) -> Vec<Uuid> {
    let day = availability(server, office, date).await;
    day["days"][0]["slots"]
        .as_array()
        .unwrap_or_else(|| panic!("{day}"))
        .iter()
        .map(|s| s["slot_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Verified citizens with a WeChat openid (so notifications reach the fake WeChat) and an
/// access token each, written with the service's own functions.
async fn people(state: &AppState) -> Vec<Person> {
    let today = minzheng::platform::clock::today();
    let made = futures_util::stream::iter(0..PEOPLE)
        .map(|i| async move {
            let citizen = Uuid::now_v7();
            let openid = format!("openid-rush{i}");
            entity::citizen_account::Entity::insert(entity::citizen_account::ActiveModel {
                id: Set(citizen),
                wechat_openid: Set(Some(openid)),
                wechat_unionid: Set(None),
                email: Set(None),
                phone_sealed: Set(None),
                phone_index: Set(None),
                disabled: Set(false),
                created_at: Set(chrono::Utc::now()),
            })
            .exec(&state.db)
            .await
            .unwrap();
            let birth = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()
                + chrono::Duration::days(i as i64 / 900);
            let id = id_number(&format!(
                "110112{}{:03}",
                birth.format("%Y%m%d"),
                100 + i % 900
            ));
            let caller = Citizen {
                id: citizen,
                session_id: Uuid::nil(),
                request_id: None,
            };
            let parsed = minzheng::identity::domain::IdNumber::parse(&id, today).unwrap();
            minzheng::identity::service::bind(state, &caller, "压测人".into(), parsed)
                .await
                .unwrap();
            let tokens = minzheng::auth::session::start(
                &state.db,
                state,
                AccountKind::Citizen,
                citizen,
                None,
            )
            .await
            .unwrap();
            Person {
                citizen,
                token: tokens.access_token,
                id_number: id,
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    entity::real_name::Entity::update_many()
        .col_expr(entity::real_name::Column::Status, Expr::value("verified"))
        .col_expr(
            entity::real_name::Column::VerifiedBy,
            Expr::value("in_person"),
        )
        .exec(&state.db)
        .await
        .unwrap();
    made
}

/// Ends every active appointment, so that everyone may book again (seats stay taken).
async fn free_everyone(state: &AppState) {
    entity::marriage_party::Entity::update_many()
        .col_expr(
            entity::marriage_party::Column::ActiveKey,
            Expr::value(Option::<String>::None),
        )
        .filter(entity::marriage_party::Column::ActiveKey.is_not_null())
        .exec(&state.db)
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
        .exec(&state.db)
        .await
        .unwrap();
}

// ---- Runs --------------------------------------------------------------------------------

/// Answers of one run: latency, status, code, appointment id, finish time since the start.
struct Run {
    wall: Duration,
    answers: Vec<(Duration, u16, String, Option<Uuid>, Duration)>,
}

impl Run {
    fn per_sec(&self) -> f64 {
        self.answers.len() as f64 / self.wall.as_secs_f64()
    }
    fn ms(&self, p: f64) -> f64 {
        let mut l: Vec<Duration> = self.answers.iter().map(|a| a.0).collect();
        l.sort();
        percentile_ms(&l, p)
    }
    fn count(&self, status: u16, code: &str) -> usize {
        self.answers
            .iter()
            .filter(|a| a.1 == status && (code.is_empty() || a.2 == code))
            .count()
    }
    fn server_errors(&self) -> usize {
        self.answers.iter().filter(|a| a.1 >= 500).count()
    }
    /// When the last seat went: the latest finish of a 201.
    fn sold_out(&self) -> Duration {
        self.answers
            .iter()
            .filter(|a| a.1 == 201)
            .map(|a| a.4)
            .max()
            .unwrap_or_default()
    }
}

/// The `p` quantile of sorted latencies, in ms (0 when there are none).
/// The run of median rate.
fn median(mut runs: Vec<Run>) -> Run {
    let rates: Vec<String> = runs.iter().map(|r| format!("{:.0}", r.per_sec())).collect();
    eprintln!("  rounds: {} /s", rates.join(", "));
    runs.sort_by(|a, b| a.per_sec().total_cmp(&b.per_sec()));
    runs.swap_remove(runs.len() / 2)
}

fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn body(office: &str, slot: Uuid, p: &Person) -> Value {
    json!({"office_id": office, "business_type": "reissue", "slot_id": slot,
        "parties": [{"name": "压测人", "id_number": p.id_number}]})
}

/// Each person books once over HTTP at `bases` (round robin), person i at slot i mod n.
async fn over_http(bases: &[String], office: &str, slots: &[Uuid], people: &[Person]) -> Run {
    let client = minzheng_tests::http_client();
    let start = Instant::now();
    let answers = futures_util::stream::iter(people.iter().enumerate())
        .map(|(i, p)| {
            let (client, url) = (
                client.clone(),
                format!("{}/api/v1/marriage/appointments", bases[i % bases.len()]),
            );
            let body = body(office, slots[i % slots.len()], p);
            async move {
                let sent = Instant::now();
                match client
                    .post(url)
                    .bearer_auth(&p.token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(res) => {
                        let status = res.status().as_u16();
                        let answer: Value = res.json().await.unwrap_or(Value::Null);
                        let id = answer["id"].as_str().and_then(|s| s.parse().ok());
                        (
                            sent.elapsed(),
                            status,
                            answer["code"].as_str().unwrap_or_default().to_owned(),
                            id,
                            start.elapsed(),
                        )
                    }
                    // The server was killed under this request: no answer.
                    Err(_) => (
                        sent.elapsed(),
                        0,
                        "no answer".to_owned(),
                        None,
                        start.elapsed(),
                    ),
                }
            }
        })
        .buffer_unordered(CONNECTIONS)
        .collect()
        .await;
    Run {
        wall: start.elapsed(),
        answers,
    }
}

/// The same bookings through the booking transaction, in this process, without HTTP.
async fn directly(state: &AppState, office: &str, slots: &[Uuid], people: &[Person]) -> Run {
    let today = minzheng::platform::clock::today();
    let start = Instant::now();
    let answers = futures_util::stream::iter(people.iter().enumerate())
        .map(|(i, p)| {
            let slot = slots[i % slots.len()];
            let citizen = Citizen {
                id: p.citizen,
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
                match outcome {
                    Ok((a, _)) => (
                        sent.elapsed(),
                        201,
                        String::new(),
                        Some(a.id),
                        start.elapsed(),
                    ),
                    Err(e) => (
                        sent.elapsed(),
                        e.code.status().as_u16(),
                        e.code.as_str().to_owned(),
                        None,
                        start.elapsed(),
                    ),
                }
            }
        })
        .buffer_unordered(CONNECTIONS)
        .collect()
        .await;
    Run {
        wall: start.elapsed(),
        answers,
    }
}

/// Marriage notices the fake WeChat accepted, by appointment (the page they open).
fn notices(wechat: &FakeWechat) -> HashMap<String, usize> {
    let mut by = HashMap::new();
    for m in wechat
        .sent
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m["template_id"] == "tmpl-marriage")
    {
        let page = m["page"].as_str().unwrap_or_default();
        let id = page.rsplit("id=").next().unwrap_or_default().to_owned();
        *by.entry(id).or_insert(0) += 1;
    }
    by
}

/// Waits until every appointment has had its notice (the outbox is asynchronous), at most
/// `patience`; then how many were told, and how many more than once.
async fn wait_for_notices(
    wechat: &FakeWechat,
    appointments: &[Uuid],
    patience: Duration,
) -> (usize, usize) {
    let started = Instant::now();
    let count =
        |sent: &HashMap<String, usize>, id: &Uuid| sent.get(&id.to_string()).copied().unwrap_or(0);
    loop {
        let sent = notices(wechat);
        let told = appointments
            .iter()
            .filter(|id| count(&sent, id) > 0)
            .count();
        if told == appointments.len() || started.elapsed() > patience {
            // A duplicate would arrive within moments of the first.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let sent = notices(wechat);
            let twice = appointments
                .iter()
                .filter(|id| count(&sent, id) > 1)
                .count();
            return (told, twice);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The appointments of an office, as stored.
async fn appointments_of(state: &AppState, office: &str) -> Vec<Uuid> {
    entity::marriage_appointment::Entity::find()
        .filter(entity::marriage_appointment::Column::OfficeId.eq(office))
        .all(&state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect()
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**NOT met**" }
}

async fn suite(backend: Backend) -> Vec<String> {
    let store = Store::new(backend).await;
    let name = store.name;
    eprintln!("{name}: starting");
    let (mut server, _) = store.start(0).await;
    let db = minzheng::platform::db::connect(&store.config())
        .await
        .expect("the bench's connection");
    let state = AppState::new(
        db,
        Arc::new(store.config()),
        test_secrets(),
        minzheng::startup::seat_holders(),
    );
    let date = next_weekday(2);
    for round in 0..ROUNDS {
        office(&state, &format!("direct-hot-{round}"), date, 1, HOT_SEATS).await;
        office(&state, &format!("rush-hot-{round}"), date, 1, HOT_SEATS).await;
    }
    for (id, slots, seats) in [
        ("direct-spread", SPREAD_SLOTS, 100),
        ("rush-spread", SPREAD_SLOTS, 100),
        ("rush-kill", SPREAD_SLOTS, 100),
        ("rush-storm", 1, 10),
        ("rush-two", 1, HOT_SEATS),
    ] {
        office(&state, id, date, slots, seats).await;
    }
    eprintln!("{name}: {PEOPLE} verified people");
    let people = people(&state).await;
    let mut rows = vec![];

    // References and S2: spread over 1,000 slots; S3: one hot slot of 500, 5,000 attempts.
    // Each pair runs ROUNDS times, the reference and HTTP alternately (fresh slots for
    // the hot one), and the medians are compared: on shared cores one run swings by a
    // third either way.
    if wanted("S2") {
        let (mut direct, mut http) = (vec![], vec![]);
        for _ in 0..ROUNDS {
            let slots = slot_ids(&server, "direct-spread", date).await;
            direct
                .push(directly(&state, "direct-spread", &slots, &people[..SPREAD_BOOKINGS]).await);
            free_everyone(&state).await;
            let slots = slot_ids(&server, "rush-spread", date).await;
            let bases = std::slice::from_ref(&server.base);
            http.push(over_http(bases, "rush-spread", &slots, &people[..SPREAD_BOOKINGS]).await);
            free_everyone(&state).await;
        }
        let server_errors: usize = http.iter().map(Run::server_errors).sum();
        let (direct_spread, s2) = (median(direct), median(http));
        let ratio = s2.per_sec() / direct_spread.per_sec();
        rows.push(format!(
        "| {name} | reference: the booking transaction without HTTP, {SPREAD_BOOKINGS} into {SPREAD_SLOTS} slots (median of {ROUNDS}) | {:.0} /s | {:.1} | {:.1} | {} booked, {} other | 1.00 | |",
        direct_spread.per_sec(), direct_spread.ms(0.5), direct_spread.ms(0.99), direct_spread.count(201, ""),
        direct_spread.answers.len() - direct_spread.count(201, "")
    ));
        rows.push(format!(
        "| {name} | S2: {SPREAD_BOOKINGS} bookings into {SPREAD_SLOTS} slots over HTTP, {CONNECTIONS} connections (median of {ROUNDS}) | {:.0} /s | {:.1} | {:.1} | {} booked, {server_errors} 5xx in all rounds | {ratio:.2} | ≥ 0.5, no 5xx: {} |",
        s2.per_sec(), s2.ms(0.5), s2.ms(0.99), s2.count(201, ""),
        verdict(ratio >= 0.5 && server_errors == 0)
    ));
    }

    if wanted("S3") {
        let (mut direct, mut http) = (vec![], vec![]);
        for round in 0..ROUNDS {
            let office = format!("direct-hot-{round}");
            let slots = slot_ids(&server, &office, date).await;
            direct.push(directly(&state, &office, &slots, &people[..HOT_ATTEMPTS]).await);
            free_everyone(&state).await;
            let office = format!("rush-hot-{round}");
            let slots = slot_ids(&server, &office, date).await;
            let bases = std::slice::from_ref(&server.base);
            http.push(over_http(bases, &office, &slots, &people[..HOT_ATTEMPTS]).await);
            free_everyone(&state).await;
        }
        // Every round must sell exactly the seats, not only the median one.
        let exact = http.iter().all(|r| {
            r.count(201, "") == HOT_SEATS as usize
                && r.count(409, "scheduling.slot_full") == HOT_ATTEMPTS - HOT_SEATS as usize
        });
        let (direct_hot, s3) = (median(direct), median(http));
        let ratio = s3.per_sec() / direct_hot.per_sec();
        rows.push(format!(
        "| {name} | reference: the booking transaction without HTTP, {HOT_ATTEMPTS} attempts at 1 slot of {HOT_SEATS} (median of {ROUNDS}) | {:.0} /s | {:.1} | {:.1} | {} booked, {} `slot_full` | 1.00 | |",
        direct_hot.per_sec(), direct_hot.ms(0.5), direct_hot.ms(0.99), direct_hot.count(201, ""), direct_hot.count(409, "scheduling.slot_full")
    ));
        rows.push(format!(
        "| {name} | S3: {HOT_ATTEMPTS} attempts at 1 slot of {HOT_SEATS} over HTTP, {CONNECTIONS} connections (median of {ROUNDS}); sold out after {:.2} s | {:.0} /s | {:.1} | {:.1} | {} booked, {} `slot_full`, {} other; every round exact: {exact} | {ratio:.2} | exactly {HOT_SEATS}, ≥ 0.5: {} |",
        s3.sold_out().as_secs_f64(), s3.per_sec(), s3.ms(0.5), s3.ms(0.99), s3.count(201, ""), s3.count(409, "scheduling.slot_full"),
        s3.answers.len() - s3.count(201, "") - s3.count(409, "scheduling.slot_full"), verdict(exact && ratio >= 0.5)
    ));
    }

    if wanted("S4") {
        rows.push(storm(&server, &people[0], date, name).await);
        free_everyone(&state).await;
    }
    if wanted("S8") {
        rows.push(uploads(&server, &people[1], name).await);
    }

    // S7: kill -9 in the middle of a spread rush, restart, check.
    if wanted("S7") {
        let slots = slot_ids(&server, "rush-kill", date).await;
        let base = server.base.clone();
        let victims = &people[..KILL_BOOKINGS];
        let rush = over_http(std::slice::from_ref(&base), "rush-kill", &slots, victims);
        let killer = async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            server.kill9();
        };
        let (killed, ()) = tokio::join!(rush, killer);
        let (restarted, ready) = store.start(0).await;
        server = restarted;
        let answered: Vec<Uuid> = killed
            .answers
            .iter()
            .filter(|a| a.1 == 201)
            .filter_map(|a| a.3)
            .collect();
        let kept = entity::marriage_appointment::Entity::find()
            .filter(entity::marriage_appointment::Column::Id.is_in(answered.clone()))
            .count(&state.db)
            .await
            .unwrap() as usize;
        let stored = appointments_of(&state, "rush-kill").await;
        let rows_now = stored.len();
        let seats: i64 = entity::slot::Entity::find()
            .filter(entity::slot::Column::ResourceId.eq("rush-kill"))
            .all(&state.db)
            .await
            .unwrap()
            .iter()
            .map(|s| i64::from(s.booked))
            .sum();
        // Every booking that committed (answered or not) is told once the outbox has drained.
        // Messages the killed instance had claimed wait for their claim to expire (60 s).
        // Delivery is at least once: one whose send was in flight at the kill may come twice.
        let waited = Instant::now();
        let (told, twice) =
            wait_for_notices(&store.wechat, &stored, Duration::from_secs(3 * 60)).await;
        let waited = waited.elapsed().as_secs_f64();
        let ok = ready < Duration::from_secs(2)
            && kept == answered.len()
            && seats as usize == rows_now
            && told == rows_now;
        rows.push(format!(
        "| {name} | S7: kill -9 after 1.5 s of a {KILL_BOOKINGS}-booking rush, then restart | ready in {:.2} s | | | {} answered 201, {kept} of them kept; {rows_now} rows, {seats} seats taken; {told} told (all in {waited:.0} s), {twice} of them twice | | ready < 2 s, nothing lost: {} |",
        ready.as_secs_f64(), answered.len(), verdict(ok)
    ));
        free_everyone(&state).await;
    }

    let steady_secs: u64 = std::env::var("RUSH_STEADY_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    if wanted("S5") {
        rows.push(
            fixed_rate(
                &server,
                &state,
                &people,
                date,
                name,
                200,
                4_000,
                steady_secs,
            )
            .await,
        );
        free_everyone(&state).await;
    }
    if wanted("S6") {
        rows.push(fixed_rate(&server, &state, &people, date, name, 400, 8_000, 60).await);
        free_everyone(&state).await;
    }

    if backend == Backend::Postgres && wanted("S10") {
        rows.push(two_instances(&store, &server, &state, &people, date, name).await);
    }
    server.stop();
    rows
}

/// S4: 20 identical POSTs with one key, at once.
async fn storm(server: &Server, p: &Person, date: NaiveDate, name: &str) -> String {
    let slot = slot_ids(server, "rush-storm", date).await[0];
    let client = minzheng_tests::http_client();
    let url = format!("{}/api/v1/marriage/appointments", server.base);
    let payload = body("rush-storm", slot, p);
    let answers: Vec<(u16, String)> = futures_util::future::join_all((0..20).map(|_| {
        let (client, url, payload) = (client.clone(), url.clone(), payload.clone());
        async move {
            let res = client
                .post(url)
                .bearer_auth(&p.token)
                .header("idempotency-key", "storm-1")
                .json(&payload)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap_or_default())
        }
    }))
    .await;
    let identical = answers.iter().all(|a| *a == answers[0]);
    let day = availability(server, "rush-storm", date).await;
    let taken = 10
        - day["days"][0]["slots"][0]["remaining"]
            .as_i64()
            .unwrap_or(10);
    format!(
        "| {name} | S4: 20 identical POSTs with one `Idempotency-Key` at once | | | | status {}, {} identical answers, {taken} seat taken | | one booking, identical answers: {} |",
        answers[0].0,
        answers.iter().filter(|a| **a == answers[0]).count(),
        verdict(identical && answers[0].0 == 201 && taken == 1)
    )
}

/// S8: 5 MB photos, 20 uploads in flight; MB/s, p99 and the server's peak memory.
async fn uploads(server: &Server, p: &Person, name: &str) -> String {
    let photo = big_jpeg();
    let mb = photo.len() as f64 / 1_000_000.0;
    let client = minzheng_tests::http_client();
    let url = format!("{}/api/v1/media", server.base);
    let start = Instant::now();
    let answers: Vec<(Duration, u16)> = futures_util::stream::iter(0..UPLOADS)
        .map(|_| {
            let (client, url, photo) = (client.clone(), url.clone(), photo.clone());
            async move {
                let part = reqwest::multipart::Part::bytes(photo)
                    .file_name("photo.jpg")
                    .mime_str("image/jpeg")
                    .unwrap();
                let form = reqwest::multipart::Form::new()
                    .text("purpose", "application_material")
                    .part("file", part);
                let sent = Instant::now();
                let res = client
                    .post(url)
                    .bearer_auth(&p.token)
                    .multipart(form)
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let _ = res.bytes().await;
                (sent.elapsed(), status)
            }
        })
        .buffer_unordered(UPLOADS_IN_FLIGHT)
        .collect()
        .await;
    let wall = start.elapsed().as_secs_f64();
    let mut l: Vec<Duration> = answers.iter().map(|a| a.0).collect();
    l.sort();
    let p99 = percentile_ms(&l, 0.99);
    let ok = answers.iter().filter(|a| a.1 == 201).count();
    let errors = answers.iter().filter(|a| a.1 >= 500).count();
    let refused = answers.len() - ok - errors;
    let peak = server.memory_mib("VmHWM");
    format!(
        "| {name} | S8: {UPLOADS} photos of {mb:.1} MB, {UPLOADS_IN_FLIGHT} in flight | {:.1} MB/s | {:.0} | {p99:.0} | {ok} stored, {refused} refused, {errors} 5xx, server peak {peak:.0} MiB | | peak < 512 MiB, no 5xx: {} |",
        UPLOADS as f64 * mb / wall,
        l[l.len() / 2].as_secs_f64() * 1000.0,
        verdict(peak < 512.0 && errors == 0 && ok == UPLOADS)
    )
}

/// A photo-like JPEG of about 4.5 MB (noise compresses badly), 2560 × 1800: just under
/// the intake's 5 MiB limit.
fn big_jpeg() -> Vec<u8> {
    let (w, h) = (2560u32, 1800u32);
    let mut seed = 12345u32;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let n = (seed >> 24) as u8 / 4;
        image::Rgb([(x / 16) as u8 ^ n, (y / 12) as u8 ^ n, n])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .encode_image(&img)
        .unwrap();
    out.into_inner()
}

/// What hey saw: requests/s, p99 ms, slowest ms, answers by status.
struct Hey {
    rate: f64,
    p99: f64,
    slowest: f64,
    statuses: Vec<(u16, usize)>,
}

fn parse_hey(text: &str) -> Hey {
    let number = |after: &str| -> f64 {
        text.lines()
            .find(|l| l.trim_start().starts_with(after))
            .and_then(|l| l.trim_start()[after.len()..].split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let statuses = text
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let code = l.strip_prefix('[')?.split(']').next()?.parse().ok()?;
            let count = l.split_whitespace().nth(1)?.parse().ok()?;
            Some((code, count))
        })
        .collect();
    Hey {
        rate: number("Requests/sec:"),
        p99: number("99% in") * 1000.0,
        slowest: number("Slowest:") * 1000.0,
        statuses,
    }
}

/// S5 and S6: bookings at a fixed rate (open loop: one every 1/rate s, whatever the
/// answers) plus availability reads by hey at a fixed rate, for `secs`.
#[allow(clippy::too_many_arguments)]
async fn fixed_rate(
    server: &Server,
    state: &AppState,
    people: &[Person],
    date: NaiveDate,
    name: &str,
    writes: u64,
    reads: u64,
    secs: u64,
) -> String {
    let office = format!("rush-rate-{writes}");
    office_for_rate(state, &office, date).await;
    let slots = slot_ids(server, &office, date).await;
    let url = format!(
        "{}/api/v1/resources/{office}/availability?business_type=reissue&from={date}&to={date}",
        server.base
    );
    let workers = 100;
    let hey = tokio::process::Command::new("hey")
        .args([
            "-z",
            &format!("{secs}s"),
            "-c",
            &workers.to_string(),
            "-q",
            &(reads / workers).to_string(),
            &url,
        ])
        .output();
    let rss_start = server.memory_mib("VmRSS");
    // People may book again once a second (their earlier bookings are marked done).
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let freer = {
        let (stop, db) = (stop.clone(), state.db.clone());
        let config = state.config.clone();
        tokio::spawn(async move {
            let state = AppState::new(
                db,
                config,
                test_secrets(),
                minzheng::startup::seat_holders(),
            );
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_secs(1)).await;
                free_everyone(&state).await;
            }
        })
    };
    let client = minzheng_tests::http_client();
    let booking_url = format!("{}/api/v1/marriage/appointments", server.base);
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / writes));
    let started = Instant::now();
    let mut handles = Vec::new();
    let mut i = 0usize;
    while started.elapsed() < Duration::from_secs(secs) {
        tick.tick().await;
        let p = &people[i % people.len()];
        let (client, url, body) = (
            client.clone(),
            booking_url.clone(),
            body(&office, slots[i % slots.len()], p),
        );
        let token = p.token.clone();
        handles.push(tokio::spawn(async move {
            let sent = Instant::now();
            match client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .timeout(Duration::from_secs(30))
                .send()
                .await
            {
                Ok(res) => {
                    let status = res.status().as_u16();
                    let retry_after = res.headers().contains_key("retry-after");
                    let _ = res.bytes().await;
                    (sent.elapsed(), status, retry_after)
                }
                Err(_) => (sent.elapsed(), 0, false),
            }
        }));
        i += 1;
    }
    let mut answers = Vec::with_capacity(handles.len());
    for h in handles {
        answers.push(h.await.unwrap());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = freer.await;
    let rss_end = server.memory_mib("VmRSS");
    let hey = parse_hey(&String::from_utf8_lossy(
        &hey.await.expect("hey (Debian package) runs").stdout,
    ));
    let mut l: Vec<Duration> = answers.iter().map(|a| a.0).collect();
    l.sort();
    let p99 = percentile_ms(&l, 0.99);
    let slowest = l.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let booked = answers.iter().filter(|a| a.1 == 201).count();
    let shed = answers.iter().filter(|a| matches!(a.1, 429 | 503)).count();
    let shed_without_retry_after = answers
        .iter()
        .filter(|a| matches!(a.1, 429 | 503) && !a.2)
        .count();
    let other_5xx = answers
        .iter()
        .filter(|a| a.1 >= 500 && a.1 != 503 || a.1 == 0)
        .count();
    let reads_shed: usize = hey
        .statuses
        .iter()
        .filter(|(c, _)| matches!(c, 429 | 503))
        .map(|(_, n)| n)
        .sum();
    let reads_5xx: usize = hey
        .statuses
        .iter()
        .filter(|(c, _)| *c >= 500 && *c != 503)
        .map(|(_, n)| n)
        .sum();
    let writes_rate = answers.len() as f64 / started.elapsed().as_secs_f64();
    if writes <= 200 {
        let flat = rss_end <= rss_start * 1.5 + 32.0;
        let ok = p99 < 500.0 && hey.p99 < 200.0 && other_5xx == 0 && reads_5xx == 0 && flat;
        format!(
            "| {name} | S5: {writes} bookings/s and {reads} reads/s for {secs} s | {writes_rate:.0} + {:.0} /s | | {p99:.0} / {:.0} | {booked} booked, {shed} shed, {other_5xx} other 5xx; reads {reads_5xx} 5xx; memory {rss_start:.0} → {rss_end:.0} MiB | | p99 < 500 / 200 ms, memory flat: {} |",
            hey.rate,
            hey.p99,
            verdict(ok)
        )
    } else {
        let ok = other_5xx == 0
            && reads_5xx == 0
            && shed_without_retry_after == 0
            && slowest < 10_000.0
            && hey.slowest < 10_000.0;
        format!(
            "| {name} | S6: {writes} bookings/s and {reads} reads/s for {secs} s (twice S5) | {writes_rate:.0} + {:.0} /s | | {p99:.0} / {:.0} | {booked} booked, {shed} shed ({shed_without_retry_after} without `Retry-After`), {other_5xx} other 5xx; reads {reads_shed} shed, {reads_5xx} 5xx; slowest {slowest:.0} / {:.0} ms | | shed with 429/503, no other 5xx, all < 10 s: {} |",
            hey.rate,
            hey.p99,
            hey.slowest,
            verdict(ok)
        )
    }
}

/// An office for the fixed-rate runs shaped like a 清明 day: 20 slots with room for
/// 200,000 bookings (so its availability answer is the size citizens see).
async fn office_for_rate(state: &AppState, id: &str, date: NaiveDate) {
    office(state, id, date, 20, 10_000).await;
}

/// S10: a second instance on the same PostgreSQL; the S3 rush split across both.
async fn two_instances(
    store: &Store,
    first: &Server,
    state: &AppState,
    people: &[Person],
    date: NaiveDate,
    name: &str,
) -> String {
    let (second, _) = store.start(1).await;
    let slots = slot_ids(first, "rush-two", date).await;
    let run = over_http(
        &[first.base.clone(), second.base.clone()],
        "rush-two",
        &slots,
        &people[..HOT_ATTEMPTS],
    )
    .await;
    let booked = run.count(201, "");
    let stored = appointments_of(state, "rush-two").await;
    let (sent, twice) = wait_for_notices(&store.wechat, &stored, Duration::from_secs(60)).await;
    second.stop();
    format!(
        "| {name} | S10: two instances share {HOT_ATTEMPTS} attempts at 1 slot of {HOT_SEATS} | {:.0} /s | {:.1} | {:.1} | {booked} booked, {} `slot_full`; {sent} of {} told, {twice} twice | | exactly {HOT_SEATS}, each notice once: {} |",
        run.per_sec(),
        run.ms(0.5),
        run.ms(0.99),
        run.count(409, "scheduling.slot_full"),
        stored.len(),
        verdict(
            booked == HOT_SEATS as usize && stored.len() == booked && sent == booked && twice == 0
        )
    )
}
