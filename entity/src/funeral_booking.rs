//! A family's booking of funeral services for a deceased person.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "funeral_booking")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub home_id: String,
    pub booked_by: Uuid,
    pub status: String,
    pub deceased_name_sealed: String,
    pub deceased_id_sealed: String,
    pub deceased_id_index: String,
    pub deceased_id_masked: String,
    pub date_of_death: Date,
    pub certificate_number_sealed: String,
    pub certificate_number_masked: String,
    pub certificate_media_id: Uuid,
    pub transport_status: Option<String>,
    pub transport_address_sealed: Option<String>,
    pub transport_contact_name_sealed: Option<String>,
    pub transport_contact_phone_sealed: Option<String>,
    pub transport_requested_at: Option<DateTimeUtc>,
    pub transport_proposed_at: Option<DateTimeUtc>,
    pub transport_at: Option<DateTimeUtc>,
    pub farewell_slot_id: Option<Uuid>,
    pub cremation_slot_id: Option<Uuid>,
    pub service_date: Date,
    pub total_fen: i64,
    pub active_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
