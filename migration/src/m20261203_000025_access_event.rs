//! Staff reads of personal data (个人信息查阅记录): who read (the staff account, its role
//! and unit), what (an application with incomes, a desk look-up, a transferee's
//! contact, an export), of which record, and whose data it was: the person's ID-number
//! blind index, so one citizen sees every read about them, whichever record it was.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("access_event")
                .col(uuid("id").primary_key())
                .col(timestamp_with_time_zone("at"))
                .col(uuid("staff_id"))
                .col(string_len("staff_role", 16))
                .col(string_len("unit_kind", 16))
                .col(string_len_null("unit_id", 64))
                // application_opened | desk_lookup | contact_read | export
                .col(string_len("kind", 32))
                .col(string_len("target_kind", 32))
                .col(string_len("target_id", 64))
                .col(string_len("subject_index", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("access_event_subject")
                .table("access_event")
                .col("subject_index")
                .col("at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("access_event").to_owned())
            .await
    }
}
