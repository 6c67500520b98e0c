//! Uploaded files (photos, scans, PDFs): what they are and where the sealed bytes lie.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("media_object")
                .col(uuid("id").primary_key())
                .col(string_len("owner_kind", 16))
                .col(uuid("owner_id"))
                .col(string_len("purpose", 32))
                .col(string_len("content_type", 64))
                .col(big_integer("byte_size"))
                .col(integer_null("width"))
                .col(integer_null("height"))
                // SHA-256 of the stored (re-encoded) content: proof that it never changed.
                .col(string_len("sha256", 64))
                .col(string_len("storage_key", 128))
                .col(string_len_null("thumbnail_key", 128))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("media_object_owner")
                .table("media_object")
                .col("owner_kind")
                .col("owner_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("media_object").to_owned())
            .await
    }
}
