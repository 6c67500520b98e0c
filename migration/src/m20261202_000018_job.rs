//! Bulk work as jobs: a request answers 202 with a job id at once, the work runs in
//! committed batches outside the request, shows its progress, and resumes after a crash
//! (a running job whose heartbeat stopped is taken up again).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("job")
                .col(uuid("id").primary_key())
                // certification_sweep
                .col(string_len("kind", 32))
                // queued | running | done | failed
                .col(string_len("status", 16))
                .col(text("params"))
                .col(big_integer("done"))
                .col(big_integer_null("total"))
                .col(text_null("result"))
                .col(string_len_null("error", 64))
                .col(integer("attempts"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("heartbeat_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("job_status")
                .table("job")
                .col("status")
                .col("heartbeat_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("job").to_owned()).await
    }
}
