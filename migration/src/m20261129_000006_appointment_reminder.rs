//! When the day-before reminder of a marriage appointment was queued (once per appointment).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("marriage_appointment")
                .add_column(timestamp_with_time_zone_null("reminded_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("marriage_appointment")
                .drop_column("reminded_at")
                .to_owned(),
        )
        .await
    }
}
