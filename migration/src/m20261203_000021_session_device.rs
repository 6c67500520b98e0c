//! Which device a session was signed in from (the client's `User-Agent`, cleaned and
//! cut to 120 characters), so that people can tell their sessions apart and end one.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("auth_session")
                .add_column(string_len_null("device", 120))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("auth_session")
                .drop_column("device")
                .to_owned(),
        )
        .await
    }
}
