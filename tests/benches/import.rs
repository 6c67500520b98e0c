//! `import-transferees` at the size the registry is heading for: 50,000 rows checked
//! (ID check digit, duplicates, streets, phones) and written in one transaction, beside
//! the reference of the same rows, already built and sealed, written with the same
//! multi-row INSERTs and nothing else, on SQLite and PostgreSQL in one run. Not a test:
//! `scripts/bench` runs it in release mode and writes `docs/benchmarks/certification.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests stop at the first surprise, and each reads as one story"
)]
use std::time::Instant;

use minzheng::certification::import::{check, import};
use minzheng::certification::registry::{Streets, active};
use minzheng::platform::crypto::Sealer;
use minzheng_tests::{Backend, spawn_app_with};
use sea_orm::{ConnectionTrait, EntityTrait, Statement, TransactionTrait};

const ROWS: usize = 50_000;

/// A valid 18-digit ID number for row `i` (distinct birth dates and sequence numbers).
fn id_number(i: usize) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).unwrap()
        + chrono::Duration::days((i % 9000) as i64);
    let first17 = format!(
        "110112{}{:03}",
        day.format("%Y%m%d"),
        i / 9000 * 2 + 1 + (i % 2)
    );
    minzheng_tests::id_number(&first17)
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

fn csv() -> String {
    let streets = ["yongshun", "lucheng", "songzhuang", "zhangjiawan", "taihu"];
    let mut out = String::from("name,id_number,street,village,phone\n");
    for i in 0..ROWS {
        out.push_str(&format!(
            "居民{},{},{},第{}村,1380013{:04}\n",
            chinese_digits(i),
            id_number(i),
            streets[i % 5],
            i % 40,
            i % 10000
        ));
    }
    out
}

async fn clear(db: &sea_orm::DatabaseConnection) {
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        "DELETE FROM transferee",
    ))
    .await
    .unwrap();
}

/// The certification sweep over the imported rows, as an admin runs it: `POST
/// /api/v1/certification/sweeps` (a job), polled until done; rows per second. Every row
/// is due within the notice period, so each gets its reminder (a conditional update, the
/// street's notice and an audit event, committed on its own).
async fn sweep(app: &minzheng_tests::TestApp) -> f64 {
    let admin = app.admin().await;
    let start = Instant::now();
    let (status, job) = app
        .post_as(
            &admin.access,
            "/api/v1/certification/sweeps",
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 202, "{job}");
    let path = format!("/api/v1/jobs/{}", job["id"].as_str().unwrap());
    let admin_token = admin.access.clone();
    loop {
        let (_, job) = app.get_as(&admin_token, &path).await;
        match job["status"].as_str() {
            Some("done") => {
                assert_eq!(
                    job["result"]["reminded_before"].as_u64(),
                    Some(ROWS as u64),
                    "{job}"
                );
                return ROWS as f64 / start.elapsed().as_secs_f64();
            }
            Some("failed") => panic!("{job}"),
            _ => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
}

async fn measure(backend: Backend, file: &std::path::Path, text: &str) -> (f64, f64, f64) {
    // The background sweeper would share the rows with the job: it waits a day here.
    let app = spawn_app_with(backend, |c| c.sweep_interval_secs = 86_400).await;
    let sealer = Sealer::new(&minzheng_tests::test_secrets());
    let due = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    // Reference: rows built and sealed beforehand, then only the writes.
    let streets = Streets::load(&app.db).await.unwrap();
    let rows = check(text, &streets).unwrap();
    let models: Vec<_> = rows.iter().map(|r| active(&sealer, r, due)).collect();
    let start = Instant::now();
    let txn = app.db.begin().await.unwrap();
    for chunk in models.chunks(500) {
        entity::transferee::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    let reference = ROWS as f64 / start.elapsed().as_secs_f64();
    clear(&app.db).await;
    // The import: read, check every row, seal, write.
    let start = Instant::now();
    let written = import(&app.db, &sealer, file, due, |_| {}, |_| {})
        .await
        .unwrap();
    let rate = ROWS as f64 / start.elapsed().as_secs_f64();
    assert_eq!(written.inserted as usize, ROWS);
    // A re-run (all updates), as the command is meant to be re-run.
    let start = Instant::now();
    let again = import(&app.db, &sealer, file, due, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!(again.updated as usize, ROWS);
    let rerun = ROWS as f64 / start.elapsed().as_secs_f64();
    eprintln!("{backend:?}: re-run {rerun:.0} rows/s");
    // Due within the notice period from today, so the sweep reminds every row.
    let soon = crate_today() + chrono::Duration::days(10);
    app.db
        .execute_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!("UPDATE transferee SET due_on = '{soon}'"),
        ))
        .await
        .unwrap();
    let swept = sweep(&app).await;
    (rate, reference, swept)
}

fn crate_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("registry.csv");
    let text = csv();
    std::fs::write(&file, &text).unwrap();
    println!(
        "| Import of {ROWS} rows | rows/s | reference: same rows, INSERTs only (rows/s) | ratio | time |"
    );
    println!("|---|---|---|---|---|");
    let mut sweeps = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (rate, reference, swept) = runtime.block_on(measure(backend, &file, &text));
        println!(
            "| {backend:?} | {rate:.0} | {reference:.0} | {:.2} | {:.1} s |",
            rate / reference,
            ROWS as f64 / rate
        );
        sweeps.push((backend, swept, reference));
    }
    println!();
    println!(
        "| Sweep of {ROWS} rows as a job (a reminder each) | rows/s | reference: same rows, INSERTs only (rows/s) | ratio | time |"
    );
    println!("|---|---|---|---|---|");
    for (backend, swept, reference) in sweeps {
        println!(
            "| {backend:?} | {swept:.0} | {reference:.0} | {:.3} | {:.0} s |",
            swept / reference,
            ROWS as f64 / swept
        );
    }
}
