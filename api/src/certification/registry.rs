//! The registry of transferees: one record at a time (admin API) or a whole file
//! (`minzheng import-transferees`). A file is checked completely before anything is
//! written, and written in one transaction, so a bad file changes nothing; re-running a
//! file updates the records it already made (the ID number's blind index is the key).
use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::{street, transferee};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use crate::identity::domain::{IdNumber, mask_name};
use crate::identity::service::id_index;
use crate::platform::crypto::Sealer;

/// A registry record as given, checked.
#[derive(Clone, Debug)]
pub struct NewTransferee {
    pub name: String,
    pub id_number: IdNumber,
    pub street_id: String,
    pub village: String,
    pub phone: Option<String>,
    /// Only for a new record: when its first certification is due.
    pub due_on: Option<NaiveDate>,
}

/// Streets by id and by Chinese name (registry files from the social-security system use
/// names such as 永顺镇; the API uses ids such as `yongshun`).
pub struct Streets(HashMap<String, String>);

impl Streets {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Streets, sea_orm::DbErr> {
        let rows = street::Entity::find().all(db).await?;
        let mut map = HashMap::new();
        for row in rows {
            map.insert(row.name.clone(), row.id.clone());
            map.insert(row.id.clone(), row.id);
        }
        Ok(Streets(map))
    }

    /// The street id for an id or a name.
    pub fn resolve(&self, text: &str) -> Option<&str> {
        self.0.get(text.trim()).map(String::as_str)
    }
}

/// A problem in one field of one row, in Chinese for the clerk who prepared the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub column: &'static str,
    pub message: String,
}

/// A phone number as kept: 11 digits of a mainland mobile, or a landline with area code.
pub fn parse_phone(text: &str) -> Option<String> {
    let digits: String = crate::platform::text::identifier(text)
        .chars()
        .filter(|c| *c != '-')
        .collect();
    let ok = digits.chars().all(|c| c.is_ascii_digit())
        && ((digits.len() == 11 && digits.starts_with('1'))
            || (10..=12).contains(&digits.len()) && digits.starts_with('0'));
    ok.then_some(digits)
}

/// A village or community name: 1 to 30 characters.
pub fn parse_village(text: &str) -> Option<String> {
    let village = text.trim();
    (1..=30)
        .contains(&village.chars().count())
        .then(|| village.to_owned())
}

/// The rows of one file, in order, with the duplicate check across them.
#[derive(Default)]
pub struct Batch {
    pub rows: Vec<NewTransferee>,
    pub errors: Vec<RowError>,
    seen: HashMap<String, u64>,
}

impl Batch {
    /// Adds one checked row, or records why it is refused (a duplicate ID number names
    /// the line it first appeared on).
    pub fn push(&mut self, line: u64, row: Result<NewTransferee, Vec<RowError>>) {
        match row {
            Err(errors) => self.errors.extend(errors),
            Ok(row) => match self.seen.get(row.id_number.expose()) {
                Some(first) => self.errors.push(RowError {
                    line,
                    column: "id_number",
                    message: format!("身份证号码与第 {first} 行重复"),
                }),
                None => {
                    self.seen.insert(row.id_number.expose().to_owned(), line);
                    self.rows.push(row);
                }
            },
        }
    }
}

/// What writing a batch did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub inserted: u64,
    pub updated: u64,
}

/// Rows per INSERT: about 20 values a row stays far below SQLite's and PostgreSQL's
/// limits on bound parameters.
const CHUNK: usize = 500;

/// Inserts new records and updates the ones whose ID number is already there, in the
/// caller's transaction. Cycle state (due date, certifications, consent) is never touched
/// by an update: re-importing a file cannot undo a certification.
pub async fn write(
    conn: &impl ConnectionTrait,
    sealer: &Sealer,
    rows: &[NewTransferee],
    first_due_on: NaiveDate,
    mut progress: impl FnMut(u64),
) -> Result<Written, sea_orm::DbErr> {
    let mut written = Written::default();
    for chunk in rows.chunks(CHUNK) {
        let models: Vec<transferee::ActiveModel> = chunk
            .iter()
            .map(|r| active(sealer, r, first_due_on))
            .collect();
        let indexes: Vec<String> = models
            .iter()
            .map(|m| m.id_number_index.clone().unwrap())
            .collect();
        let existing: HashSet<String> = transferee::Entity::find()
            .select_only()
            .column(transferee::Column::IdNumberIndex)
            .filter(transferee::Column::IdNumberIndex.is_in(indexes))
            .into_tuple::<String>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        written.updated += existing.len() as u64;
        written.inserted += (chunk.len() - existing.len()) as u64;
        transferee::Entity::insert_many(models)
            .on_conflict(
                OnConflict::column(transferee::Column::IdNumberIndex)
                    .update_columns([
                        transferee::Column::NameSealed,
                        transferee::Column::NameMasked,
                        transferee::Column::IdNumberSealed,
                        transferee::Column::StreetId,
                        transferee::Column::Village,
                        transferee::Column::PhoneSealed,
                        transferee::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
        progress(chunk.len() as u64);
    }
    Ok(written)
}

/// A new record's row; `first_due_on` when the row gives no due date.
pub fn active(
    sealer: &Sealer,
    row: &NewTransferee,
    first_due_on: NaiveDate,
) -> transferee::ActiveModel {
    let now = Utc::now();
    transferee::ActiveModel {
        id: Set(Uuid::now_v7()),
        name_sealed: Set(sealer.seal(&row.name)),
        name_masked: Set(mask_name(&row.name)),
        id_number_sealed: Set(sealer.seal(row.id_number.expose())),
        id_number_index: Set(id_index(sealer, &row.id_number)),
        id_number_masked: Set(row.id_number.masked()),
        street_id: Set(row.street_id.clone()),
        village: Set(row.village.clone()),
        phone_sealed: Set(row.phone.as_deref().map(|p| sealer.seal(p))),
        allowance_status: Set("paid".into()),
        cycle_months: Set(None),
        due_on: Set(row.due_on.unwrap_or(first_due_on)),
        last_certified_at: Set(None),
        last_certified_via: Set(None),
        exempt_until: Set(None),
        exempt_reason: Set(None),
        suspended_since: Set(None),
        reminded_before_for: Set(None),
        reminded_on_for: Set(None),
        face_consent_at: Set(None),
        face_consent_by: Set(None),
        face_consent_withdrawn_at: Set(None),
        failed_attempts: Set(0),
        attempt_day: Set(None),
        attempts_that_day: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_mobiles_or_landlines_with_area_code() {
        assert_eq!(parse_phone("138 0013 8000").as_deref(), Some("13800138000"));
        assert_eq!(parse_phone("010-69541234").as_deref(), Some("01069541234"));
        assert_eq!(parse_phone("12345"), None);
        assert_eq!(parse_phone("1380013800x"), None);
    }
}
