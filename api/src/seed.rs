//! Demo data, each part written once per database: the district's streets and the first
//! admin (whose generated password is printed once), then the marriage registration
//! offices with their weekly templates, the funeral home, the cemeteries (with their 清明
//! and 冬至 peak periods). Each part has its own marker in `app_meta`, so a
//! database seeded before a part existed gets that part on its next start.
use chrono::Utc;
use entity::app_meta;
use sea_orm::{DatabaseConnection, DatabaseTransaction, EntityTrait, Set};

use crate::platform::db::begin_write;
use crate::{admin, auth, marriage};

/// What a seed run did.
pub enum Seeded {
    /// The first part was there already (no new admin password).
    Already,
    /// The first part ran now; the admin's one-time password.
    Now { admin_password: String },
}

/// Seeds what is missing. Two instances starting together on one PostgreSQL race on the
/// markers' primary key: the loser of a part rolls it back and does nothing.
pub async fn run(
    db: &DatabaseConnection,
) -> Result<Seeded, Box<dyn std::error::Error + Send + Sync>> {
    let mut admin_password = None;
    if let Some(txn) = claim(db, "demo_seeded_at").await? {
        admin::service::seed_streets(&txn).await?;
        admin_password = Some(auth::service::seed_admin(&txn).await?);
        txn.commit().await?;
    }
    if let Some(txn) = claim(db, "demo_marriage_offices_at").await? {
        marriage::service::seed_offices(&txn).await?;
        txn.commit().await?;
    }
    if let Some(txn) = claim(db, "demo_funeral_homes_at").await? {
        crate::funeral::service::seed_homes(&txn).await?;
        txn.commit().await?;
    }
    if let Some(txn) = claim(db, "demo_cemeteries_at").await? {
        crate::memorial::visits::service::seed_cemeteries(&txn).await?;
        txn.commit().await?;
    }
    Ok(
        admin_password.map_or(Seeded::Already, |admin_password| Seeded::Now {
            admin_password,
        }),
    )
}

/// A transaction holding the part's marker, or `None` when the part ran before.
async fn claim(
    db: &DatabaseConnection,
    key: &str,
) -> Result<Option<DatabaseTransaction>, sea_orm::DbErr> {
    if app_meta::Entity::find_by_id(key).one(db).await?.is_some() {
        return Ok(None);
    }
    let txn = begin_write(db).await?;
    let marker = app_meta::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(Utc::now().to_rfc3339()),
        created_at: Set(Utc::now()),
    };
    Ok(app_meta::Entity::insert(marker)
        .exec(&txn)
        .await
        .is_ok()
        .then_some(txn))
}
