//! Notices by the channel the rules pick (WeChat, SMS or email): each outbox message now
//! names the person it is for (a citizen account, or a transferee reached at the
//! registry's phone), so a desk can see whether that person's last notice went out.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("outbox_message")
                .add_column(uuid_null("person_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("outbox_message_person")
                .table("outbox_message")
                .col("person_id")
                .col("created_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("outbox_message_person")
                .table("outbox_message")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("outbox_message")
                .drop_column("person_id")
                .to_owned(),
        )
        .await
    }
}
