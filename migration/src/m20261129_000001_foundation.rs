//! The foundation: streets (the reference data every room routes by), staff accounts
//! (so the first admin exists), and a small key/value table for one-time facts such as
//! "the demo data was seeded".
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppMeta::Table)
                    .col(string_len(AppMeta::Key, 64).primary_key())
                    .col(text(AppMeta::Value))
                    .col(timestamp_with_time_zone(AppMeta::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Street::Table)
                    .col(string_len(Street::Id, 32).primary_key())
                    .col(string_len(Street::Name, 64))
                    .col(string_len(Street::Kind, 16))
                    .col(integer(Street::SortOrder))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffAccount::Table)
                    .col(uuid(StaffAccount::Id).primary_key())
                    .col(string_len_uniq(StaffAccount::Username, 64))
                    .col(string_len(StaffAccount::DisplayName, 64))
                    .col(text(StaffAccount::PasswordHash))
                    .col(string_len(StaffAccount::Role, 16))
                    .col(string_len(StaffAccount::ScopeKind, 16))
                    .col(string_len_null(StaffAccount::ScopeId, 64))
                    .col(boolean(StaffAccount::MustChangePassword))
                    .col(boolean(StaffAccount::Disabled))
                    .col(timestamp_with_time_zone(StaffAccount::CreatedAt))
                    .col(timestamp_with_time_zone(StaffAccount::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StaffAccount::Table.into_iden(),
            Street::Table.into_iden(),
            AppMeta::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AppMeta {
    Table,
    Key,
    Value,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Street {
    Table,
    Id,
    Name,
    Kind,
    SortOrder,
}

#[derive(DeriveIden)]
enum StaffAccount {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    ScopeKind,
    ScopeId,
    MustChangePassword,
    Disabled,
    CreatedAt,
    UpdatedAt,
}
