//! A bulk job (a certification sweep): its progress, result and heartbeat.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "job")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `certification_sweep`.
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// The job's input, as JSON.
    pub params: String,
    /// Rows handled so far.
    pub done: i64,
    /// Rows to handle, once counted.
    pub total: Option<i64>,
    /// The job's outcome, as JSON, once done.
    pub result: Option<String>,
    /// The error code, once failed.
    pub error: Option<String>,
    /// Times a runner took it up (more than one after a crash).
    pub attempts: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// Last sign of life of the runner; a running job silent for a minute is taken up again.
    pub heartbeat_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
