//! A funeral home's minimum gaps between its services (minutes); none means the defaults.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "funeral_home_rule")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub home_id: String,
    pub transport_gap_minutes: i32,
    pub farewell_gap_minutes: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
