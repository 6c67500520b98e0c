//! A citizen's account: found by WeChat openid, by email or by phone number.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "citizen_account")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub wechat_openid: Option<String>,
    pub wechat_unionid: Option<String>,
    pub email: Option<String>,
    /// The phone number in E.164 (`+86...`), sealed.
    pub phone_sealed: Option<String>,
    /// The blind index of the E.164 number: unique, so one account per phone.
    pub phone_index: Option<String>,
    pub disabled: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
