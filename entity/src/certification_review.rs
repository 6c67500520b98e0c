//! A manual review of a transferee's certification (after failed face checks, or asked
//! for), decided by staff with a reason.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "certification_review")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub transferee_id: Uuid,
    pub street_id: String,
    /// `failed_attempts` or `requested`.
    pub reason: String,
    pub note_sealed: Option<String>,
    pub requested_by: Option<Uuid>,
    /// `open`, `approved` or `rejected`.
    pub status: String,
    /// True while open (a partial unique index keeps one open review per transferee).
    pub open: bool,
    pub decided_by: Option<Uuid>,
    pub decision_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
