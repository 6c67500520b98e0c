//! The catalogue: each service's definition, versioned. An admin's change is a new
//! version; an application keeps the version it was created with, so a change never
//! alters what was already submitted.
use chrono::Utc;
use entity::service_version as version;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::domain::{self, ServiceDef};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::audit::{self, Actor, Event};
use crate::platform::db::begin_write;

/// A definition with its code and version.
pub struct Service {
    pub code: String,
    pub version: i32,
    pub def: ServiceDef,
}

fn parse(row: version::Model) -> Result<Service, ApiError> {
    let def = serde_json::from_str(&row.definition).map_err(ApiError::internal)?;
    Ok(Service {
        code: row.service_code,
        version: row.version,
        def,
    })
}

/// Writes version 1 of every service that has none (reference data, on every start).
pub async fn seed(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    let rows = domain::seed_definitions()
        .into_iter()
        .map(|(code, def)| version::ActiveModel {
            id: Set(Uuid::now_v7()),
            service_code: Set(code.into()),
            version: Set(1),
            definition: Set(serde_json::to_string(&def).unwrap_or_default()),
            created_by: Set(None),
            created_at: Set(Utc::now()),
        });
    version::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([version::Column::ServiceCode, version::Column::Version])
        .exec(db)
        .await?;
    Ok(())
}

/// The current version of a service, or 404.
pub async fn current(conn: &impl ConnectionTrait, code: &str) -> Result<Service, ApiError> {
    let row = version::Entity::find()
        .filter(version::Column::ServiceCode.eq(code))
        .order_by_desc(version::Column::Version)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::new(Code::ServiceNotFound))?;
    parse(row)
}

/// A given version of a service, or 404.
pub async fn at_version(
    conn: &impl ConnectionTrait,
    code: &str,
    v: i32,
) -> Result<Service, ApiError> {
    let row = version::Entity::find()
        .filter(version::Column::ServiceCode.eq(code))
        .filter(version::Column::Version.eq(v))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::new(Code::ServiceNotFound))?;
    parse(row)
}

/// The current version of every service, in catalogue order.
pub async fn all_current(conn: &impl ConnectionTrait) -> Result<Vec<Service>, ApiError> {
    let mut out = Vec::new();
    for code in domain::SERVICES {
        out.push(current(conn, code).await?);
    }
    Ok(out)
}

/// Saves a new version of a service (admins); applications already made keep theirs.
pub async fn save(
    db: &DatabaseConnection,
    code: &str,
    def: ServiceDef,
    admin: Uuid,
    actor: Actor,
    request_id: Option<String>,
) -> Result<Service, ApiError> {
    if !domain::SERVICES.contains(&code) {
        return Err(ApiError::new(Code::ServiceNotFound));
    }
    let problems = domain::check_definition(&def);
    if let Some(first) = problems.first() {
        let mut error = ApiError::new(Code::InvalidBody);
        for p in &problems {
            error = error.with_field(FieldError {
                field: p.field.clone(),
                reason: p.reason,
                message: Message::new("不符合要求", "not valid here"),
            });
        }
        tracing::debug!(field = %first.field, "catalogue: definition refused");
        return Err(error);
    }
    let txn = begin_write(db).await?;
    let last = current(&txn, code).await?;
    let row = version::ActiveModel {
        id: Set(Uuid::now_v7()),
        service_code: Set(code.into()),
        version: Set(last.version + 1),
        definition: Set(serde_json::to_string(&def).map_err(ApiError::internal)?),
        created_by: Set(Some(admin)),
        created_at: Set(Utc::now()),
    };
    // Two admins saving at once: the unique (code, version) lets one win; the other is
    // told to reload and save again.
    let saved = match version::Entity::insert(row).exec_with_returning(&txn).await {
        Ok(saved) => saved,
        Err(e) if crate::platform::db::is_unique_violation(&e) => {
            return Err(
                ApiError::new(Code::IllegalTransition).with_detail(Message::new(
                    "另一位管理员刚刚保存了新版本，请刷新后重试",
                    "another admin just saved a version; reload and try again",
                )),
            );
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        Event {
            actor,
            action: "applications.catalogue.save",
            target_kind: "service",
            target_id: code.into(),
            summary: format!("version {} of {code}", saved.version),
            request_id,
        },
    )
    .await?;
    txn.commit().await?;
    parse(saved)
}
