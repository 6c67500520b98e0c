//! Persons booked to visit one grave on one day (limited, taken by a conditional update).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "grave_day")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub cemetery_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub grave_key: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub visit_date: Date,
    pub persons: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
