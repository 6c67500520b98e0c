//! Proxy sweeping (代祭扫): orders of a family for a named grave on a date, and the photo
//! proof cemetery staff attach (append-only: a proof row is never updated or deleted, and
//! keeps the SHA-256 of the stored photo and the server time it was attached).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("sweep_order")
                .col(uuid("id").primary_key())
                .col(uuid("citizen_id"))
                .col(string_len("cemetery_id", 64))
                .col(string_len("grave_key", 64))
                .col(string_len("grave_label", 128))
                .col(date("sweep_date"))
                .col(boolean("cleaning"))
                .col(boolean("flowers"))
                .col(text_null("message_sealed"))
                .col(string_len("status", 16))
                .col(uuid_null("accepted_by"))
                .col(timestamp_with_time_zone_null("accepted_at"))
                .col(timestamp_with_time_zone_null("done_at"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text_null("dispute_sealed"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "sweep_order_cemetery",
                vec!["cemetery_id", "status", "sweep_date"],
            ),
            ("sweep_order_citizen", vec!["citizen_id"]),
        ] {
            let mut index = Index::create();
            index.name(name).table("sweep_order");
            for c in cols {
                index.col(c);
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("sweep_proof")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(uuid("media_id").unique_key())
                .col(string_len("sha256", 64))
                .col(uuid("uploaded_by"))
                .col(timestamp_with_time_zone("attached_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sweep_proof_order")
                .table("sweep_proof")
                .col("order_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("sweep_proof").to_owned())
            .await?;
        m.drop_table(Table::drop().table("sweep_order").to_owned())
            .await
    }
}
