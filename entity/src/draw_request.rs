//! One request handed in for a draw; its sealed payload is what the room books on a win.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "draw_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub draw_id: Uuid,
    pub citizen_id: Uuid,
    pub payload_sealed: String,
    pub status: String,
    pub rank: Option<i32>,
    pub appointment_id: Option<Uuid>,
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
