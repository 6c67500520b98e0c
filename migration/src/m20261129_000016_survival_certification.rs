//! Survival certification (生存认证) of transferees: the registry with each person's
//! cycle, the certifications made, face attempts as provider-neutral records (never an
//! image), manual reviews, and proxies recorded by staff from a paper consent.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("transferee")
                .col(uuid("id").primary_key())
                .col(text("name_sealed"))
                .col(string_len("name_masked", 32))
                .col(text("id_number_sealed"))
                .col(string_len("id_number_index", 64).unique_key())
                .col(string_len("id_number_masked", 32))
                .col(string_len("street_id", 64))
                .col(string_len("village", 64))
                .col(text_null("phone_sealed"))
                // paid | suspended | stopped
                .col(string_len("allowance_status", 16))
                .col(integer_null("cycle_months"))
                .col(date("due_on"))
                .col(timestamp_with_time_zone_null("last_certified_at"))
                .col(string_len_null("last_certified_via", 16))
                .col(date_null("exempt_until"))
                .col(text_null("exempt_reason"))
                .col(date_null("suspended_since"))
                // The due date each reminder was last queued for: a reminder goes once a cycle.
                .col(date_null("reminded_before_for"))
                .col(date_null("reminded_on_for"))
                .col(timestamp_with_time_zone_null("face_consent_at"))
                .col(string_len_null("face_consent_by", 64))
                .col(timestamp_with_time_zone_null("face_consent_withdrawn_at"))
                .col(integer("failed_attempts"))
                .col(date_null("attempt_day"))
                .col(integer("attempts_that_day"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("transferee_street_due")
                .table("transferee")
                .col("street_id")
                .col("due_on")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("survival_certification")
                .col(uuid("id").primary_key())
                .col(uuid("transferee_id"))
                // wechat | faceid | desk | home_visit | manual_review
                .col(string_len("via", 16))
                .col(boolean("by_proxy"))
                .col(uuid_null("by_citizen"))
                .col(uuid_null("by_staff"))
                .col(uuid_null("attempt_id"))
                .col(string_len("street_id", 64))
                .col(timestamp_with_time_zone("certified_at"))
                .col(date("due_on_before"))
                .col(date("due_on_after"))
                .col(date_null("back_pay_from"))
                .col(date_null("back_pay_until"))
                .col(integer("back_pay_months"))
                .to_owned(),
        )
        .await?;
        for (name, table, cols) in [
            (
                "survival_certification_transferee",
                "survival_certification",
                vec!["transferee_id"],
            ),
            (
                "survival_certification_street",
                "survival_certification",
                vec!["street_id", "certified_at"],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(table);
            for c in cols {
                index.col(c);
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("face_attempt")
                .col(uuid("id").primary_key())
                .col(uuid("transferee_id"))
                // wechat | faceid | desk
                .col(string_len("provider", 16))
                // The provider's session (verify_id, FaceIdToken); ours for desk checks.
                .col(string_len("session_id", 128))
                // Our sequence number sent to the provider (out_seq_no).
                .col(string_len("sequence_no", 32).unique_key())
                .col(uuid_null("by_citizen"))
                .col(uuid_null("by_staff"))
                .col(boolean("by_proxy"))
                .col(string_len_null("openid", 128))
                .col(timestamp_with_time_zone_null("expires_at"))
                // started | passed | failed
                .col(string_len("state", 16))
                .col(string_len_null("result_code", 32))
                .col(boolean_null("passed"))
                .col(double_null("score"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("face_attempt_transferee")
                .table("face_attempt")
                .col("transferee_id")
                .col("created_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("certification_review")
                .col(uuid("id").primary_key())
                .col(uuid("transferee_id"))
                .col(string_len("street_id", 64))
                // failed_attempts | requested
                .col(string_len("reason", 32))
                .col(text_null("note_sealed"))
                .col(uuid_null("requested_by"))
                // open | approved | rejected
                .col(string_len("status", 16))
                .col(boolean("open"))
                .col(uuid_null("decided_by"))
                .col(text_null("decision_reason"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .to_owned(),
        )
        .await?;
        // At most one open review per transferee, whoever opens it.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX certification_review_one_open ON certification_review (transferee_id) WHERE open",
            )
            .await?;
        m.create_index(
            Index::create()
                .name("certification_review_street")
                .table("certification_review")
                .col("street_id")
                .col("status")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("transferee_proxy")
                .col(uuid("id").primary_key())
                .col(uuid("transferee_id"))
                .col(uuid("citizen_id"))
                .col(string_len("relation", 16))
                .col(uuid("recorded_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("transferee_proxy_citizen")
                .table("transferee_proxy")
                .col("citizen_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "transferee_proxy",
            "certification_review",
            "face_attempt",
            "survival_certification",
            "transferee",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
