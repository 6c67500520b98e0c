//! How many tributes one person gave on one memorial page on one day.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "memorial_tribute_day")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub memorial_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub citizen_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub given: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
