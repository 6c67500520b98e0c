//! A party of a marriage appointment; name and ID number sealed.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "marriage_party")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub appointment_id: Uuid,
    pub position: i32,
    pub name_sealed: String,
    pub id_number_sealed: String,
    pub id_number_index: String,
    pub id_number_masked: String,
    pub sex: String,
    pub citizen_id: Option<Uuid>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub active_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
