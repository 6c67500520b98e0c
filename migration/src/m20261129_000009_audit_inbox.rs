//! Audit events are first written to an inbox in the transaction of the change (no
//! contention: a random key), then chained in order by one background writer at a time.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("audit_inbox")
                .col(uuid("id").primary_key())
                .col(timestamp_with_time_zone("at"))
                .col(string_len("actor_kind", 16))
                .col(string_len_null("actor_id", 64))
                .col(string_len_null("actor_role", 16))
                .col(string_len("action", 64))
                .col(string_len("target_kind", 32))
                .col(string_len("target_id", 64))
                .col(text("summary"))
                .col(string_len_null("request_id", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_inbox_order")
                .table("audit_inbox")
                .col("at")
                .col("id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("audit_inbox").to_owned())
            .await
    }
}
