//! Identity and access: citizen accounts, real names (sealed), proxies, sessions and
//! refresh tokens, sign-in codes, rate counters, idempotency records, the audit chain and
//! the notification outbox.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("citizen_account")
                .col(uuid("id").primary_key())
                .col(string_len_null("wechat_openid", 64).unique_key())
                .col(string_len_null("wechat_unionid", 64))
                .col(string_len_null("email", 254).unique_key())
                .col(boolean("disabled"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("real_name")
                .col(uuid("citizen_id").primary_key())
                .col(text("name_sealed"))
                .col(text("id_number_sealed"))
                .col(string_len("id_number_index", 64).unique_key())
                .col(string_len("id_number_masked", 18))
                .col(string_len("sex", 8))
                .col(date("birth_date"))
                .col(string_len("status", 16))
                .col(string_len_null("verified_by", 16))
                .col(timestamp_with_time_zone_null("verified_at"))
                .col(uuid_null("verified_by_staff"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("proxy_consent")
                .col(uuid("id").primary_key())
                .col(uuid("principal_id"))
                .col(uuid("proxy_id"))
                .col(string_len("relation", 16))
                .col(text("services"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("proxy_consent_principal")
                .table("proxy_consent")
                .col("principal_id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("proxy_consent_proxy")
                .table("proxy_consent")
                .col("proxy_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("auth_session")
                .col(uuid("id").primary_key())
                .col(string_len("account_kind", 16))
                .col(uuid("account_id"))
                .col(string_len_null("restriction", 32))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("auth_session_account")
                .table("auth_session")
                .col("account_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("refresh_token")
                .col(string_len("token_hash", 64).primary_key())
                .col(uuid("session_id"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("email_code")
                .col(string_len("email", 254).primary_key())
                .col(string_len("code_hash", 64))
                .col(timestamp_with_time_zone("expires_at"))
                .col(integer("wrong_attempts"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("rate_counter")
                .col(string_len("key", 200).primary_key())
                .col(big_integer("window_start"))
                .col(integer("hits"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("idempotency_record")
                .col(string_len("key_hash", 64).primary_key())
                .col(string_len("request_hash", 64))
                .col(integer_null("status"))
                .col(text_null("response_body"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_event")
                .col(big_integer("seq").primary_key())
                .col(uuid("id"))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("actor_kind", 16))
                .col(string_len_null("actor_id", 64))
                .col(string_len_null("actor_role", 16))
                .col(string_len("action", 64))
                .col(string_len("target_kind", 32))
                .col(string_len("target_id", 64))
                .col(text("summary"))
                .col(string_len_null("request_id", 64))
                .col(string_len("prev_hash", 64))
                .col(string_len("hash", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_event_target")
                .table("audit_event")
                .col("target_kind")
                .col("target_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("outbox_message")
                .col(uuid("id").primary_key())
                .col(string_len("channel", 16))
                .col(string_len("recipient", 254))
                .col(string_len("template", 64))
                .col(text("payload"))
                .col(string_len("status", 16))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("outbox_due")
                .table("outbox_message")
                .col("status")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("staff_account")
                .add_column(integer("failed_attempts").default(0))
                .to_owned(),
        )
        .await?;
        for col in [
            timestamp_with_time_zone_null("locked_until"),
            text_null("totp_secret_sealed"),
            boolean("totp_enabled").default(false).to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table("staff_account")
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "outbox_message",
            "audit_event",
            "idempotency_record",
            "rate_counter",
            "email_code",
            "refresh_token",
            "auth_session",
            "proxy_consent",
            "real_name",
            "citizen_account",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for col in [
            "failed_attempts",
            "locked_until",
            "totp_secret_sealed",
            "totp_enabled",
        ] {
            m.alter_table(
                Table::alter()
                    .table("staff_account")
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
