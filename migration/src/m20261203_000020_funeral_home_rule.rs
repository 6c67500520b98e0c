//! Each funeral home's minimum gaps between its services: from the body's pick-up to the
//! first service, and from the end of the farewell to the cremation. A home without a
//! row keeps the defaults (30 and 0 minutes).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("funeral_home_rule")
                .col(string_len("home_id", 64).primary_key())
                .col(integer("transport_gap_minutes"))
                .col(integer("farewell_gap_minutes"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("funeral_home_rule").to_owned())
            .await
    }
}
