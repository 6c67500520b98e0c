//! Waitlists for full days and draws (摇号) for rush days, both in the scheduling core,
//! and the requests people hand in for a draw.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("waitlist_entry")
                .col(uuid("id").primary_key())
                .col(string_len("resource_id", 64))
                .col(string_len("business_type", 32))
                .col(date("date"))
                .col(uuid("citizen_id"))
                .col(string_len("subject_key", 64))
                .col(string_len("status", 16))
                .col(uuid_null("slot_id"))
                .col(timestamp_with_time_zone_null("offer_expires_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                // Set while the entry waits or holds an offer, NULL after: the unique
                // index makes "one place per person per day and business" a constraint.
                .col(string_len_null("active_key", 200).unique_key())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("waitlist_entry_day")
                .table("waitlist_entry")
                .col("resource_id")
                .col("business_type")
                .col("date")
                .col("status")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("waitlist_entry_citizen")
                .table("waitlist_entry")
                .col("citizen_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("draw")
                .col(uuid("id").primary_key())
                .col(string_len("resource_id", 64))
                .col(string_len("business_type", 32))
                .col(date("date"))
                .col(timestamp_with_time_zone("requests_open_at"))
                .col(timestamp_with_time_zone("requests_close_at"))
                .col(string_len("status", 16))
                // The seed stays sealed until the draw; its SHA-256 is public from the
                // start, so anyone can check afterwards that it was not changed.
                .col(text("seed_sealed"))
                .col(string_len("seed_sha256", 64))
                .col(string_len_null("seed", 64))
                .col(integer_null("request_count"))
                .col(integer_null("winner_count"))
                .col(timestamp_with_time_zone_null("drawn_at"))
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("draw_day")
                .table("draw")
                .col("resource_id")
                .col("business_type")
                .col("date")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("draw_request")
                .col(uuid("id").primary_key())
                .col(uuid("draw_id"))
                .col(uuid("citizen_id"))
                .col(text("payload_sealed"))
                .col(string_len("status", 16))
                .col(integer_null("rank"))
                .col(uuid_null("appointment_id"))
                .col(string_len_null("reason", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("draw_request_draw")
                .table("draw_request")
                .col("draw_id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("draw_request_citizen")
                .table("draw_request")
                .col("citizen_id")
                .to_owned(),
        )
        .await?;
        // One row per person named in a request: nobody holds two requests for one day.
        m.create_table(
            Table::create()
                .table("draw_entrant")
                .col(uuid("id").primary_key())
                .col(uuid("request_id"))
                .col(date("date"))
                .col(string_len("subject_key", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("draw_entrant_person_day")
                .table("draw_entrant")
                .col("date")
                .col("subject_key")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("draw_entrant_request")
                .table("draw_entrant")
                .col("request_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["draw_entrant", "draw_request", "draw", "waitlist_entry"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
