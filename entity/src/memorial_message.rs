//! A message left on a memorial page, with its moderation state.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "memorial_message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub memorial_id: Uuid,
    pub author_id: Uuid,
    pub display_name: String,
    pub body: String,
    pub status: String,
    pub hold_reason: Option<String>,
    pub moderated_by_kind: Option<String>,
    pub moderated_by: Option<Uuid>,
    pub moderated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
