//! Joint divorce applications (离婚登记申请), recorded at the desk when both parties hand
//! them in: the cooling-off period (Civil Code art. 1077) and the window after it in
//! which the certificate appointment may be booked.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("divorce_application")
                .col(uuid("id").primary_key())
                .col(string_len("office_id", 64))
                .col(date("received_on"))
                .col(date("cooling_off_ends"))
                .col(date("certificate_by"))
                .col(string_len("status", 16))
                .col(string_len("party1_index", 64))
                .col(string_len("party2_index", 64))
                .col(string_len("party1_masked", 18))
                .col(string_len("party2_masked", 18))
                .col(uuid("recorded_by"))
                .col(uuid_null("appointment_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("divorce_application_p1")
                .table("divorce_application")
                .col("party1_index")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("divorce_application_p2")
                .table("divorce_application")
                .col("party2_index")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("divorce_application").to_owned())
            .await
    }
}
