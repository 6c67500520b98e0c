//! One face check, provider-neutral: provider, session, our sequence number, the result
//! code and whether it passed. Never an image.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "face_attempt")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub transferee_id: Uuid,
    /// `wechat`, `faceid` or `desk`.
    pub provider: String,
    pub session_id: String,
    pub sequence_no: String,
    pub by_citizen: Option<Uuid>,
    pub by_staff: Option<Uuid>,
    pub by_proxy: bool,
    pub openid: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    /// `started`, `passed` or `failed`.
    pub state: String,
    pub result_code: Option<String>,
    pub passed: Option<bool>,
    /// The provider's similarity (0-100) or the desk comparison's face distance.
    pub score: Option<f64>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
