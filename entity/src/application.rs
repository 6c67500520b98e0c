//! An application for social assistance.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "application")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub service_code: String,
    pub service_version: i32,
    pub applicant_id: Uuid,
    pub submitted_by: Uuid,
    pub status: String,
    pub street_id: Option<String>,
    pub hukou_street_id: Option<String>,
    pub residence_street_id: Option<String>,
    pub urgent: bool,
    pub form_sealed: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub accept_due: Option<Date>,
    pub decide_due: Option<Date>,
    pub paused_on: Option<Date>,
    pub decided_at: Option<DateTimeUtc>,
    pub reminded_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The material codes an open supplement request asks for, comma-separated.
    pub supplement_codes: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
