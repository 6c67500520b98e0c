//! Online memorial halls: pages, invited family, tributes, messages, sensitive words.
//!
//! The tribute counters live on the page row and move by one atomic `col = col + 1`; the
//! per-person daily limit is a row per (page, person, day) moved by a conditional upsert;
//! one family membership per person and page, and one use of an invitation code, are
//! unique indexes.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Words held for staff review from the start; district admins edit the list.
const DEFAULT_WORDS: &[&str] = &["赌博", "六合彩", "代开发票", "傻逼", "fuck"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("memorial")
                .col(uuid("id").primary_key())
                .col(uuid("owner_id"))
                .col(string_len("deceased_name", 64))
                .col(date_null("birth_date"))
                .col(date("death_date"))
                .col(uuid_null("portrait_media_id"))
                .col(text("biography"))
                .col(string_len("visibility", 8))
                .col(boolean("pre_review"))
                // The share link's token: its digest finds the page, the sealed copy is
                // shown to the family so they can pass the link on.
                .col(string_len("link_token_hash", 64))
                .col(text("link_token_sealed"))
                .col(string_len("status", 16))
                .col(text_null("takedown_reason"))
                .col(big_integer("flowers"))
                .col(big_integer("candles"))
                .col(big_integer("incense"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memorial_link_token")
                .table("memorial")
                .col("link_token_hash")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memorial_listing")
                .table("memorial")
                .col("visibility")
                .col("status")
                .col("id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memorial_owner")
                .table("memorial")
                .col("owner_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("memorial_member")
                .col(uuid("id").primary_key())
                .col(uuid("memorial_id"))
                .col(uuid("citizen_id"))
                .col(timestamp_with_time_zone("joined_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memorial_member_unique")
                .table("memorial_member")
                .col("memorial_id")
                .col("citizen_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memorial_member_citizen")
                .table("memorial_member")
                .col("citizen_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("memorial_invitation")
                .col(uuid("id").primary_key())
                .col(uuid("memorial_id"))
                .col(string_len("code_index", 64))
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(uuid_null("used_by"))
                .col(timestamp_with_time_zone_null("used_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memorial_invitation_code")
                .table("memorial_invitation")
                .col("code_index")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("memorial_tribute_day")
                .col(uuid("memorial_id"))
                .col(uuid("citizen_id"))
                .col(date("day"))
                .col(integer("given"))
                .primary_key(
                    Index::create()
                        .col("memorial_id")
                        .col("citizen_id")
                        .col("day"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("memorial_message")
                .col(uuid("id").primary_key())
                .col(uuid("memorial_id"))
                .col(uuid("author_id"))
                .col(string_len("display_name", 64))
                .col(text("body"))
                .col(string_len("status", 16))
                .col(string_len_null("hold_reason", 16))
                .col(string_len_null("moderated_by_kind", 16))
                .col(uuid_null("moderated_by"))
                .col(timestamp_with_time_zone_null("moderated_at"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memorial_message_page")
                .table("memorial_message")
                .col("memorial_id")
                .col("status")
                .col("id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memorial_message_queue")
                .table("memorial_message")
                .col("status")
                .col("hold_reason")
                .col("id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sensitive_word")
                .col(string_len("word", 64).primary_key())
                .col(uuid_null("added_by"))
                .to_owned(),
        )
        .await?;
        let mut seed = Query::insert();
        seed.into_table("sensitive_word").columns(["word"]);
        for word in DEFAULT_WORDS {
            seed.values_panic([(*word).into()]);
        }
        m.exec_stmt(seed).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "sensitive_word",
            "memorial_message",
            "memorial_tribute_day",
            "memorial_invitation",
            "memorial_member",
            "memorial",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
