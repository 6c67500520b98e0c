//! One certification of a transferee: how, by whom, and what it did to the cycle and the
//! allowance (back pay owed when it ended a suspension).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "survival_certification")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub transferee_id: Uuid,
    /// `wechat`, `faceid`, `desk`, `home_visit` or `manual_review`.
    pub via: String,
    pub by_proxy: bool,
    pub by_citizen: Option<Uuid>,
    pub by_staff: Option<Uuid>,
    pub attempt_id: Option<Uuid>,
    pub street_id: String,
    pub certified_at: DateTimeUtc,
    pub due_on_before: Date,
    pub due_on_after: Date,
    pub back_pay_from: Option<Date>,
    pub back_pay_until: Option<Date>,
    pub back_pay_months: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
