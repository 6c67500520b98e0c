//! A photo proving a proxy sweeping: append-only, with the stored photo's hash.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "sweep_proof")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub media_id: Uuid,
    /// SHA-256 of the stored photo when it was attached.
    pub sha256: String,
    pub uploaded_by: Uuid,
    /// Server time of attaching (never the phone's clock).
    pub attached_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
