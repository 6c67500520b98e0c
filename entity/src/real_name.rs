//! A citizen's real name and ID number, both sealed; the blind index finds the ID number.
//! No clear column may help rebuild the number: the mask hides eleven characters and the
//! birth date is read from the sealed number when a rule needs it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "real_name")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub citizen_id: Uuid,
    pub name_sealed: String,
    pub id_number_sealed: String,
    pub id_number_index: String,
    pub id_number_masked: String,
    pub sex: String,
    pub status: String,
    pub verified_by: Option<String>,
    pub verified_at: Option<DateTimeUtc>,
    pub verified_by_staff: Option<Uuid>,
    /// When the holder consented to face processing for verifying this real name
    /// (`None`: never, or withdrawn).
    pub face_consent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
