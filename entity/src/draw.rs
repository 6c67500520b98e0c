//! A rush day given out by lottery: the request window, the committed seed, the result.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "draw")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub resource_id: String,
    pub business_type: String,
    pub date: Date,
    pub requests_open_at: DateTimeUtc,
    pub requests_close_at: DateTimeUtc,
    pub status: String,
    pub seed_sealed: String,
    pub seed_sha256: String,
    pub seed: Option<String>,
    pub request_count: Option<i32>,
    pub winner_count: Option<i32>,
    pub drawn_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
