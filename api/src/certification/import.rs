//! `minzheng import-transferees FILE.csv`: the registry file from the social-security
//! system. Columns (header required, any order): `name`, `id_number`, `street` (id such as
//! `yongshun` or name such as 永顺镇), `village`, and optionally `phone` and `due_on`
//! (YYYY-MM-DD, used for new records only). UTF-8, with or without a BOM.
//!
//! Every row is checked before anything is written; a file with any bad row is refused
//! whole, with each problem by line. A good file is written in one transaction: updates
//! for ID numbers already in the registry, inserts for the rest.
use std::path::Path;

use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::registry::{
    Batch, NewTransferee, RowError, Streets, Written, parse_phone, parse_village, write,
};
use crate::identity::domain::IdNumber;
use crate::platform::audit::{self, Actor, Event};
use crate::platform::clock;
use crate::platform::crypto::{Sealer, sha256_hex};
use crate::platform::db::begin_write;

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("the file is not UTF-8 text (save it as “CSV UTF-8”): {0}")]
    Encoding(String),
    #[error(
        "the header lacks column(s): {0} (needed: name,id_number,street,village; optional: phone,due_on)"
    )]
    Header(String),
    #[error("{} bad row(s); nothing was imported", .0.len())]
    Rows(Vec<RowError>),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// What a file held, checked, or why it is refused.
pub fn check(text: &str, streets: &Streets) -> Result<Vec<NewTransferee>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Encoding(e.to_string()))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let missing: Vec<&str> = ["name", "id_number", "street", "village"]
        .into_iter()
        .filter(|c| column(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::Header(missing.join(",")));
    }
    let at = |name: &str| column(name);
    let today = clock::today();
    let mut batch = Batch::default();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                batch.errors.push(RowError {
                    line,
                    column: "",
                    message: format!("无法读取该行：{e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let cells: std::collections::HashMap<&str, &str> =
            ["name", "id_number", "street", "village", "phone", "due_on"]
                .into_iter()
                .map(|c| (c, at(c).and_then(|i| record.get(i)).unwrap_or("").trim()))
                .collect();
        batch.push(line, row(line, &cells, streets, today));
    }
    if batch.errors.is_empty() {
        Ok(batch.rows)
    } else {
        Err(ImportError::Rows(batch.errors))
    }
}

/// One row, or every problem in it.
#[expect(
    clippy::too_many_lines,
    reason = "a transaction's steps in order; #17 splits it"
)]
fn row(
    line: u64,
    cells: &std::collections::HashMap<&str, &str>,
    streets: &Streets,
    today: chrono::NaiveDate,
) -> Result<NewTransferee, Vec<RowError>> {
    let cell = |name: &str| cells.get(name).copied().unwrap_or("");
    let mut errors = Vec::new();
    let mut fail = |column: &'static str, message: String| {
        errors.push(RowError {
            line,
            column,
            message,
        })
    };
    // The one rule for names (`platform::text::person_name`), as for every form.
    let name = match crate::platform::text::person_name(cell("name")) {
        Ok(name) => name,
        Err(_) => {
            fail(
                "name",
                "姓名须为 1 到 30 个汉字（可含“·”），或外文字母和空格".into(),
            );
            String::new()
        }
    };
    let id_number = IdNumber::parse(cell("id_number"), today)
        .map_err(|e| fail("id_number", format!("身份证号码无效：{}", e.message_zh())))
        .ok();
    let street = streets.resolve(cell("street")).map(str::to_owned);
    if street.is_none() {
        fail("street", format!("街道（乡镇）“{}”不存在", cell("street")));
    }
    let village = parse_village(cell("village"));
    if village.is_none() {
        fail("village", "村（社区）须为 1 到 30 个字".into());
    }
    let phone = match cell("phone") {
        "" => None,
        text => {
            let phone = parse_phone(text);
            if phone.is_none() {
                fail("phone", "联系电话须为 11 位手机号或带区号的固定电话".into());
            }
            phone
        }
    };
    let due_on = match cell("due_on") {
        "" => None,
        text => {
            let due = text.parse::<chrono::NaiveDate>().ok();
            if due.is_none() {
                fail("due_on", "首次认证截止日期须为 YYYY-MM-DD".into());
            }
            due
        }
    };
    match (errors.is_empty(), id_number, street, village) {
        (true, Some(id_number), Some(street_id), Some(village)) => Ok(NewTransferee {
            name: name.to_owned(),
            id_number,
            street_id,
            village,
            phone,
            due_on,
        }),
        _ => Err(errors),
    }
}

/// Rows per committed batch: the SQLite write lock is held for one batch (well under a
/// second), so the outbox and other writers go on while a large file is imported.
const BATCH: usize = 1000;

/// Checks the whole file, then writes it in committed batches; `progress` hears how many
/// rows each batch wrote. Nothing is written when a row is bad. A run stopped part-way
/// (a crash, Ctrl-C) is finished by running it again: a row already written is updated
/// with the same values (and counted as updated).
pub async fn import(
    db: &DatabaseConnection,
    sealer: &Sealer,
    path: &Path,
    first_due_on: chrono::NaiveDate,
    mut progress: impl FnMut(u64),
    total: impl FnOnce(u64),
) -> Result<Written, ImportError> {
    let bytes =
        std::fs::read(path).map_err(|e| ImportError::Read(path.display().to_string(), e))?;
    let hash = sha256_hex(&bytes);
    let text = String::from_utf8(bytes).map_err(|e| ImportError::Encoding(e.to_string()))?;
    let streets = Streets::load(db).await?;
    let rows = check(&text, &streets)?;
    total(rows.len() as u64);
    let mut written = Written::default();
    for batch in rows.chunks(BATCH) {
        let txn = begin_write(db).await?;
        let w = write(&txn, sealer, batch, first_due_on, &mut progress).await?;
        txn.commit().await?;
        written.inserted += w.inserted;
        written.updated += w.updated;
    }
    let txn = begin_write(db).await?;
    record(&txn, path, hash, &written).await?;
    txn.commit().await?;
    Ok(written)
}

/// One audit event per import (the file's hash and the counts); the rows themselves
/// are the registry.
async fn record(
    conn: &impl ConnectionTrait,
    path: &Path,
    file_hash: String,
    written: &Written,
) -> Result<(), sea_orm::DbErr> {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    audit::record(
        conn,
        Event {
            actor: Actor::System,
            action: "certification.registry.import",
            target_kind: "transferee_file",
            target_id: file_hash,
            summary: format!(
                "{file}: {} inserted, {} updated",
                written.inserted, written.updated
            ),
            request_id: None,
        },
    )
    .await
}

/// The `import-transferees` command on a migrated database: a progress bar on stderr, the
/// counts on stdout, each bad row on stderr by line.
#[expect(clippy::expect_used, reason = "a literal progress template")]
pub async fn command(
    db: &DatabaseConnection,
    config: &crate::config::Config,
    secrets: &crate::config::Secrets,
    file: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    crate::admin::service::seed_streets(db).await?;
    let sealer = Sealer::new(secrets);
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} 行 {per_sec} 剩余 {eta}")
            .expect("a valid progress template"),
    );
    let first_due = super::cycle::first_due_on(config);
    let result = import(
        db,
        &sealer,
        file,
        first_due,
        |n| bar.inc(n),
        |n| bar.set_length(n),
    )
    .await;
    bar.finish_and_clear();
    match result {
        Ok(w) => {
            println!(
                "导入完成：新增 {} 条，更新 {} 条 (inserted {}, updated {})",
                w.inserted, w.updated, w.inserted, w.updated
            );
            Ok(())
        }
        Err(ImportError::Rows(errors)) => {
            for e in &errors {
                eprintln!("第 {} 行 {}: {}", e.line, e.column, e.message);
            }
            Err(format!(
                "{} bad row(s) (listed above by line); nothing was imported",
                errors.len()
            )
            .into())
        }
        Err(e) => Err(e.into()),
    }
}
