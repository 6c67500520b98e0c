//! One online face check of a real name, provider-neutral: provider, session, our
//! sequence number, the ID number checked (its blind index) and the result. Never an image.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "real_name_face_check")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub citizen_id: Uuid,
    /// `wechat` or `faceid`.
    pub provider: String,
    pub session_id: String,
    pub sequence_no: String,
    pub id_number_index: String,
    pub openid: Option<String>,
    pub expires_at: DateTimeUtc,
    /// `started`, `passed` or `failed`.
    pub state: String,
    pub result_code: Option<String>,
    /// FaceID's similarity (0-100).
    pub score: Option<f64>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
