//! A staff account (clerk, reviewer, approver, admin) with its scope.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "staff_account")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    /// argon2id PHC string; never leaves the service.
    pub password_hash: String,
    /// `clerk`, `reviewer`, `approver` or `admin`.
    pub role: String,
    /// `office`, `funeral_home`, `cemetery`, `street` or `district`.
    pub scope_kind: String,
    pub scope_id: Option<String>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Wrong passwords since the last success.
    pub failed_attempts: i32,
    pub locked_until: Option<DateTimeUtc>,
    /// The TOTP secret, sealed.
    pub totp_secret_sealed: Option<String>,
    pub totp_enabled: bool,
    /// The last TOTP time step accepted (a code works once).
    pub totp_last_step: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
