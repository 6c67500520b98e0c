//! A transferee (征地超转人员) in the registry, with the state of their certification cycle.
//! Name, ID number and phone are sealed; the blind index finds the ID number.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "transferee")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name_sealed: String,
    pub name_masked: String,
    pub id_number_sealed: String,
    pub id_number_index: String,
    pub id_number_masked: String,
    pub street_id: String,
    pub village: String,
    pub phone_sealed: Option<String>,
    /// `paid`, `suspended` (missed certification) or `stopped` (by the bureau).
    pub allowance_status: String,
    /// This person's cycle when it differs from the configured one.
    pub cycle_months: Option<i32>,
    pub due_on: Date,
    pub last_certified_at: Option<DateTimeUtc>,
    pub last_certified_via: Option<String>,
    pub exempt_until: Option<Date>,
    pub exempt_reason: Option<String>,
    pub suspended_since: Option<Date>,
    pub reminded_before_for: Option<Date>,
    pub reminded_on_for: Option<Date>,
    pub face_consent_at: Option<DateTimeUtc>,
    pub face_consent_by: Option<String>,
    pub face_consent_withdrawn_at: Option<DateTimeUtc>,
    /// Failed face checks since the last certification.
    pub failed_attempts: i32,
    pub attempt_day: Option<Date>,
    pub attempts_that_day: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
