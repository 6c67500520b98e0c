//! A bookable place: a marriage registration office, a farewell hall, a cemetery.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "resource")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub kind: String,
    pub name: String,
    pub address: Option<String>,
    pub window_days: i32,
    pub window_opens_at: String,
    pub cutoff_previous_day_at: Option<String>,
    pub cutoff_minutes: i32,
    pub cancel_minutes: i32,
    pub working_days_only: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
