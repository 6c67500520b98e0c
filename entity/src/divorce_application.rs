//! A joint divorce application and its cooling-off dates.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "divorce_application")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub office_id: String,
    pub received_on: Date,
    pub cooling_off_ends: Date,
    pub certificate_by: Date,
    pub status: String,
    pub party1_index: String,
    pub party2_index: String,
    pub party1_masked: String,
    pub party2_masked: String,
    pub recorded_by: Uuid,
    pub appointment_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
