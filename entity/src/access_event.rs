//! One staff read of one person's data: who (staff id, role, unit), what, of which
//! record, and whose (the person's ID-number blind index).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "access_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub staff_id: Uuid,
    pub staff_role: String,
    /// The staff member's scope: `office`, `funeral_home`, `cemetery`, `street`, `district`.
    pub unit_kind: String,
    pub unit_id: Option<String>,
    /// `application_opened`, `desk_lookup`, `contact_read` or `export`.
    pub kind: String,
    pub target_kind: String,
    pub target_id: String,
    pub subject_index: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
