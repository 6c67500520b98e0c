//! Demo data for a fresh database, written once: the district's streets and the first
//! admin (whose generated password is printed once). Later rooms add their demo rows
//! here (offices, funeral homes, cemeteries, the service catalogue).
use chrono::Utc;
use entity::app_meta;
use sea_orm::{DatabaseConnection, EntityTrait, Set, TransactionTrait};

use crate::{admin, auth};

/// The `app_meta` key that records the seed, so it never runs twice.
const SEEDED: &str = "demo_seeded_at";

/// What a seed run did.
pub enum Seeded {
    /// The database already had its seed.
    Already,
    /// Seeded now; the admin's one-time password.
    Now { admin_password: String },
}

/// Seeds a fresh database in one transaction. Two instances starting together on one
/// PostgreSQL race on the `app_meta` primary key: the loser rolls back and does nothing.
pub async fn run(
    db: &DatabaseConnection,
) -> Result<Seeded, Box<dyn std::error::Error + Send + Sync>> {
    if app_meta::Entity::find_by_id(SEEDED)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(Seeded::Already);
    }
    let txn = db.begin().await?;
    let marker = app_meta::ActiveModel {
        key: Set(SEEDED.to_owned()),
        value: Set(Utc::now().to_rfc3339()),
        created_at: Set(Utc::now()),
    };
    if app_meta::Entity::insert(marker).exec(&txn).await.is_err() {
        return Ok(Seeded::Already);
    }
    admin::service::seed_streets(&txn).await?;
    let admin_password = auth::service::seed_admin(&txn).await?;
    txn.commit().await?;
    Ok(Seeded::Now { admin_password })
}
