//! The scheduling core (resources, weekly templates, the national calendar, dated
//! exceptions, slots with seat counters) and marriage registration appointments.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("resource")
                .col(string_len("id", 64).primary_key())
                .col(string_len("kind", 32))
                .col(string_len("name", 128))
                .col(text_null("address"))
                .col(integer("window_days"))
                .col(string_len("window_opens_at", 5))
                .col(string_len_null("cutoff_previous_day_at", 5))
                .col(integer("cutoff_minutes"))
                .col(integer("cancel_minutes"))
                .col(boolean("working_days_only"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("slot_template")
                .col(uuid("id").primary_key())
                .col(string_len("resource_id", 64))
                .col(string_len("business_type", 32))
                .col(integer("weekday"))
                .col(string_len("start_time", 5))
                .col(string_len("end_time", 5))
                .col(integer("capacity"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("slot_template_resource")
                .table("slot_template")
                .col("resource_id")
                .col("business_type")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("calendar_day")
                .col(date("date").primary_key())
                .col(string_len("kind", 16))
                .col(string_len("name", 64))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("resource_exception")
                .col(uuid("id").primary_key())
                .col(string_len("resource_id", 64))
                .col(date("date"))
                .col(string_len("kind", 16))
                .col(integer_null("capacity_percent"))
                .col(string_len("note", 128))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("resource_exception_day")
                .table("resource_exception")
                .col("resource_id")
                .col("date")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("slot")
                .col(uuid("id").primary_key())
                .col(string_len("resource_id", 64))
                .col(string_len("business_type", 32))
                .col(date("date"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(timestamp_with_time_zone("ends_at"))
                .col(integer("capacity"))
                .col(integer("booked"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("slot_unique_start")
                .table("slot")
                .col("resource_id")
                .col("business_type")
                .col("starts_at")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("slot_day")
                .table("slot")
                .col("resource_id")
                .col("business_type")
                .col("date")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("marriage_appointment")
                .col(uuid("id").primary_key())
                .col(string_len("code", 16).unique_key())
                .col(string_len("office_id", 64))
                .col(string_len("business_type", 32))
                .col(uuid("slot_id"))
                .col(date("date"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(uuid("booked_by"))
                .col(string_len("status", 24))
                .col(timestamp_with_time_zone("confirm_deadline"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("marriage_appointment_day")
                .table("marriage_appointment")
                .col("office_id")
                .col("date")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("marriage_party")
                .col(uuid("id").primary_key())
                .col(uuid("appointment_id"))
                .col(integer("position"))
                .col(text("name_sealed"))
                .col(text("id_number_sealed"))
                .col(string_len("id_number_index", 64))
                .col(string_len("id_number_masked", 18))
                .col(string_len("sex", 8))
                .col(uuid_null("citizen_id"))
                .col(timestamp_with_time_zone_null("confirmed_at"))
                // Equal to id_number_index while the appointment is active, NULL after:
                // the unique index makes "one active booking per person" a constraint.
                .col(string_len_null("active_key", 64).unique_key())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("marriage_party_appointment")
                .table("marriage_party")
                .col("appointment_id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("marriage_party_person")
                .table("marriage_party")
                .col("id_number_index")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "marriage_party",
            "marriage_appointment",
            "slot",
            "resource_exception",
            "calendar_day",
            "slot_template",
            "resource",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
