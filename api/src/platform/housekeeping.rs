//! Periodic clean-up of rows that only matter for a while: idempotency records past
//! their 24 hours and rate-limit counters of past windows. Runs in every instance;
//! deleting what another instance deleted already does no harm.
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use entity::{idempotency_record, rate_counter};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::platform::idempotency::KEY_LIFETIME;

/// Deletes what has expired; returns how many rows went.
pub async fn purge(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let now = Utc::now();
    let keys = idempotency_record::Entity::delete_many()
        .filter(idempotency_record::Column::CreatedAt.lt(now - KEY_LIFETIME))
        .exec(db)
        .await?;
    // No limit has a window longer than a day.
    let counters = rate_counter::Entity::delete_many()
        .filter(rate_counter::Column::WindowStart.lt((now - Duration::days(1)).timestamp()))
        .exec(db)
        .await?;
    Ok(keys.rows_affected + counters.rows_affected)
}

/// Purges every ten minutes until the process ends.
pub async fn run(db: DatabaseConnection) {
    loop {
        match purge(&db).await {
            Ok(n) if n > 0 => tracing::debug!(rows = n, "housekeeping: purged expired rows"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping: purge failed"),
        }
        tokio::time::sleep(StdDuration::from_secs(600)).await;
    }
}
