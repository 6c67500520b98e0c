//! Online applications for social assistance: the versioned catalogue of services, the
//! applications with their household, materials and history, and the holds that make
//! "one active application per household and service" a constraint.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("service_version")
                .col(uuid("id").primary_key())
                .col(string_len("service_code", 32))
                .col(integer("version"))
                .col(text("definition"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("service_version_unique")
                .table("service_version")
                .col("service_code")
                .col("version")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("application")
                .col(uuid("id").primary_key())
                .col(string_len("service_code", 32))
                .col(integer("service_version"))
                .col(uuid("applicant_id"))
                .col(uuid("submitted_by"))
                .col(string_len("status", 24))
                .col(string_len_null("street_id", 64))
                .col(string_len_null("hukou_street_id", 64))
                .col(string_len_null("residence_street_id", 64))
                .col(boolean("urgent"))
                .col(text("form_sealed"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(date_null("accept_due"))
                .col(date_null("decide_due"))
                .col(date_null("paused_on"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(timestamp_with_time_zone_null("reminded_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("application_queue", vec!["street_id", "status"]),
            ("application_applicant", vec!["applicant_id"]),
            ("application_status", vec!["status", "updated_at"]),
        ] {
            let mut index = Index::create();
            index.name(name).table("application");
            for c in cols {
                index.col(c);
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("application_member")
                .col(uuid("id").primary_key())
                .col(uuid("application_id"))
                .col(integer("position"))
                .col(string_len("relation", 16))
                .col(text("name_sealed"))
                .col(text("id_number_sealed"))
                .col(string_len("id_number_index", 64))
                .col(string_len("id_number_masked", 18))
                .col(text("income_sealed"))
                .col(integer_null("disability_grade"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("application_member_application")
                .table("application_member")
                .col("application_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("application_material")
                .col(uuid("id").primary_key())
                .col(uuid("application_id"))
                .col(string_len("material_code", 32))
                .col(uuid("media_id"))
                .col(boolean("supplement"))
                .col(timestamp_with_time_zone("added_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("application_material_application")
                .table("application_material")
                .col("application_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("application_event")
                .col(uuid("id").primary_key())
                .col(uuid("application_id"))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("actor_kind", 16))
                .col(uuid_null("actor_id"))
                .col(string_len("action", 32))
                .col(string_len_null("from_status", 24))
                .col(string_len("to_status", 24))
                // Reasons and home-visit notes may speak of health and family: sealed.
                .col(text_null("note_sealed"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("application_event_application")
                .table("application_event")
                .col("application_id")
                .col("at")
                .to_owned(),
        )
        .await?;
        // One row per household member of an active application: the unique index makes
        // "one active application per household and service" a constraint.
        m.create_table(
            Table::create()
                .table("application_hold")
                .col(uuid("id").primary_key())
                .col(uuid("application_id"))
                .col(string_len("service_code", 32))
                .col(string_len("person_index", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("application_hold_person")
                .table("application_hold")
                .col("service_code")
                .col("person_index")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("application_hold_application")
                .table("application_hold")
                .col("application_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "application_hold",
            "application_event",
            "application_material",
            "application_member",
            "application",
            "service_version",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
