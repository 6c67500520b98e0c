//! Real-name verification by face, online. A real name gets the time its holder gave the
//! separate consent to face processing for this purpose (null: none, or withdrawn), and
//! each face check started for it is kept, provider-neutral, without any image: which
//! provider, its session, our sequence number, for which ID number (its blind index, so a
//! name re-bound between start and confirm is not verified by the old check) and what
//! it came to.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("real_name")
                .add_column(timestamp_with_time_zone_null("face_consent_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("real_name_face_check")
                .col(uuid("id").primary_key())
                .col(uuid("citizen_id"))
                // wechat | faceid
                .col(string_len("provider", 16))
                // The provider's session (verify_id, FaceIdToken).
                .col(string_len("session_id", 128))
                // Our sequence number sent to the provider (out_seq_no).
                .col(string_len("sequence_no", 32).unique_key())
                .col(string_len("id_number_index", 64))
                .col(string_len_null("openid", 128))
                .col(timestamp_with_time_zone("expires_at"))
                // started | passed | failed
                .col(string_len("state", 16))
                .col(string_len_null("result_code", 32))
                .col(double_null("score"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("real_name_face_check_citizen")
                .table("real_name_face_check")
                .col("citizen_id")
                .col("created_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("real_name_face_check").to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table("real_name")
                .drop_column("face_consent_at")
                .to_owned(),
        )
        .await
    }
}
