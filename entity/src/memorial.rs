//! An online memorial page (网上纪念馆) for a deceased person, with its tribute counters.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "memorial")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub deceased_name: String,
    pub birth_date: Option<Date>,
    pub death_date: Date,
    pub portrait_media_id: Option<Uuid>,
    pub biography: String,
    pub visibility: String,
    pub pre_review: bool,
    pub link_token_hash: String,
    pub link_token_sealed: String,
    pub status: String,
    pub takedown_reason: Option<String>,
    pub flowers: i64,
    pub candles: i64,
    pub incense: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
