//! The last TOTP time step accepted per staff account: RFC 6238 section 5.2 says a code
//! is accepted once, so a step at or below it is refused.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("staff_account")
                .add_column(big_integer_null("totp_last_step"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("staff_account")
                .drop_column("totp_last_step")
                .to_owned(),
        )
        .await
    }
}
