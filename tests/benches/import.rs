//! `import-transferees` at the size the registry is heading for: 50,000 rows checked
//! (ID check digit, duplicates, streets, phones) and written in one transaction, beside
//! the reference of the same rows, already built and sealed, written with the same
//! multi-row INSERTs and nothing else, on SQLite and PostgreSQL in one run. Not a test:
//! `scripts/bench` runs it in release mode and writes `docs/benchmarks/certification.md`.
use std::time::Instant;

use minzheng::certification::import::{check, import};
use minzheng::certification::registry::{Streets, active};
use minzheng::platform::crypto::Sealer;
use minzheng_tests::{Backend, spawn_app};
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

fn csv() -> String {
    let streets = ["yongshun", "lucheng", "songzhuang", "zhangjiawan", "taihu"];
    let mut out = String::from("name,id_number,street,village,phone\n");
    for i in 0..ROWS {
        out.push_str(&format!(
            "居民{i},{},{},第{}村,1380013{:04}\n",
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

async fn measure(backend: Backend, file: &std::path::Path, text: &str) -> (f64, f64) {
    let app = spawn_app(backend).await;
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
    (rate, reference)
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
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (rate, reference) = runtime.block_on(measure(backend, &file, &text));
        println!(
            "| {backend:?} | {rate:.0} | {reference:.0} | {:.2} | {:.1} s |",
            rate / reference,
            ROWS as f64 / rate
        );
    }
}
