//! A proxy sweeping order: staff sweep a named grave on a date for the family.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "sweep_order")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub citizen_id: Uuid,
    pub cemetery_id: String,
    pub grave_key: String,
    pub grave_label: String,
    pub sweep_date: Date,
    pub cleaning: bool,
    pub flowers: bool,
    /// The family's message to read at the grave, sealed.
    pub message_sealed: Option<String>,
    /// `ordered`, `accepted`, `done` (proof attached), `confirmed`, `disputed`, `cancelled`.
    pub status: String,
    pub accepted_by: Option<Uuid>,
    pub accepted_at: Option<DateTimeUtc>,
    pub done_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub dispute_sealed: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
