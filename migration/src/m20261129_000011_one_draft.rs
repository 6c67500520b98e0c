//! One draft per applicant and service, as a constraint (a partial unique index, the same
//! SQL on SQLite and PostgreSQL).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX application_one_draft ON application (applicant_id, service_code) WHERE status = 'draft'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX application_one_draft")
            .await?;
        Ok(())
    }
}
