//! Peak periods of a resource (清明, 冬至: their own slot layout and an earlier opening)
//! and tomb visit reservations: the party's visitors (one active reservation per ID number
//! and day, a partial unique index) and the persons per grave and day (a counter row
//! taken by one conditional update, like slot seats).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("peak_period")
                .col(uuid("id").primary_key())
                .col(string_len("resource_id", 64))
                .col(string_len("name", 32))
                .col(date("first_date"))
                .col(date("last_date"))
                .col(integer("window_days"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("peak_period_resource")
                .table("peak_period")
                .col("resource_id")
                .col("first_date")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("peak_slot_template")
                .col(uuid("id").primary_key())
                .col(uuid("period_id"))
                .col(string_len("business_type", 32))
                .col(string_len("start_time", 5))
                .col(string_len("end_time", 5))
                .col(integer("capacity"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("peak_slot_template_period")
                .table("peak_slot_template")
                .col("period_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("tomb_visit")
                .col(uuid("id").primary_key())
                .col(string_len("code", 16).unique_key())
                .col(string_len("cemetery_id", 64))
                .col(uuid("slot_id"))
                .col(date("visit_date"))
                .col(uuid("booked_by"))
                .col(string_len("grave_key", 64))
                .col(string_len("grave_label", 128))
                .col(integer("persons"))
                .col(text("plates"))
                .col(string_len("status", 16))
                .col(timestamp_with_time_zone_null("checked_in_at"))
                .col(uuid_null("checked_in_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("tomb_visit_day", vec!["cemetery_id", "visit_date"]),
            ("tomb_visit_booker", vec!["booked_by"]),
        ] {
            let mut index = Index::create();
            index.name(name).table("tomb_visit");
            for c in cols {
                index.col(c);
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("tomb_visitor")
                .col(uuid("id").primary_key())
                .col(uuid("visit_id"))
                .col(date("visit_date"))
                .col(integer("position"))
                .col(text("name_sealed"))
                .col(text("id_number_sealed"))
                .col(string_len("id_number_index", 64))
                .col(string_len("id_number_masked", 32))
                .col(boolean("active"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("tomb_visitor_visit")
                .table("tomb_visitor")
                .col("visit_id")
                .to_owned(),
        )
        .await?;
        // One active reservation per ID number and day, whoever booked it.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX tomb_visitor_one_a_day ON tomb_visitor (visit_date, id_number_index) WHERE active",
            )
            .await?;
        m.create_table(
            Table::create()
                .table("grave_day")
                .col(string_len("cemetery_id", 64))
                .col(string_len("grave_key", 64))
                .col(date("visit_date"))
                .col(integer("persons"))
                .primary_key(
                    Index::create()
                        .col("cemetery_id")
                        .col("grave_key")
                        .col("visit_date"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("walk_in")
                .col(uuid("id").primary_key())
                .col(string_len("cemetery_id", 64))
                .col(date("visit_date"))
                .col(integer("persons"))
                .col(uuid("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("walk_in_day")
                .table("walk_in")
                .col("cemetery_id")
                .col("visit_date")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "walk_in",
            "grave_day",
            "tomb_visitor",
            "tomb_visit",
            "peak_slot_template",
            "peak_period",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
