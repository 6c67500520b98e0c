//! A supplement request names the materials it asks for, so that its answer must bring
//! them (before, `materials: []` answered it and review resumed without the document).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("application")
                .add_column(text_null("supplement_codes"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("application")
                .drop_column("supplement_codes")
                .to_owned(),
        )
        .await
    }
}
