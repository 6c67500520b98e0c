//! Sign-in by phone number. A citizen account gets its phone, sealed, with a blind index
//! that is unique (one account per phone). The table of sign-in codes served email only;
//! it now holds codes sent by SMS too, so it is renamed `sign_in_code` and its key
//! `address` (an email address, or `phone:` and the phone's blind index). Both renames
//! are plain `ALTER TABLE`, the same on SQLite (3.25+) and PostgreSQL.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("ALTER TABLE email_code RENAME TO sign_in_code")
            .await?;
        db.execute_unprepared("ALTER TABLE sign_in_code RENAME COLUMN email TO address")
            .await?;
        m.alter_table(
            Table::alter()
                .table("citizen_account")
                .add_column(text_null("phone_sealed"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("citizen_account")
                .add_column(string_len_null("phone_index", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("citizen_account_phone_index")
                .table("citizen_account")
                .col("phone_index")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("citizen_account_phone_index")
                .table("citizen_account")
                .to_owned(),
        )
        .await?;
        for column in ["phone_index", "phone_sealed"] {
            m.alter_table(
                Table::alter()
                    .table("citizen_account")
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        db.execute_unprepared("ALTER TABLE sign_in_code RENAME COLUMN address TO email")
            .await?;
        db.execute_unprepared("ALTER TABLE sign_in_code RENAME TO email_code")
            .await?;
        Ok(())
    }
}
