//! A tomb visit reservation: one party, one grave, one slot, one QR code.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "tomb_visit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub cemetery_id: String,
    pub slot_id: Uuid,
    pub visit_date: Date,
    pub booked_by: Uuid,
    /// Normalised `section/row/number`, the key of the persons-per-grave limit.
    pub grave_key: String,
    pub grave_label: String,
    pub persons: i32,
    /// JSON array of normalised plates.
    pub plates: String,
    /// `booked`, `checked_in`, `cancelled`.
    pub status: String,
    pub checked_in_at: Option<DateTimeUtc>,
    pub checked_in_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
