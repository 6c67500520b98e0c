//! Staff reads of personal data (个人信息查阅记录; PIPL arts. 44-45: a person may know who
//! handled their data): opening an application with its incomes, a desk's look-up, a
//! transferee's contact, an export. Each read writes one event per person read, keyed by
//! the person's ID-number blind index, before the data is answered (no answer without
//! its record). A citizen lists the reads of their data by role and unit, never by the
//! staff member's name.
use chrono::Utc;
use entity::{access_event as event, real_name};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::auth::domain::ScopeKind;
use crate::auth::extract::Staff;
use crate::error::ApiError;
use crate::platform::context::Context;

crate::closed_set! {
    /// What a staff member read (查阅事项).
    pub enum AccessKind {
        /// 查看救助申请（含收入等家庭信息）
        ApplicationOpened => "application_opened",
        /// 窗口查询预约（按预约码或身份证号码）
        DeskLookup => "desk_lookup",
        /// 查看联系方式
        ContactRead => "contact_read",
        /// 导出名单
        Export => "export",
    }
}

/// One read: what, and of which record (`application`, `marriage_appointment`,
/// `transferee`, `street`).
pub struct Read<'a> {
    pub kind: AccessKind,
    pub target_kind: &'static str,
    pub target_id: &'a str,
}

/// Rows a batch insert writes at once (an export may read 50,000 people).
const BATCH: usize = 500;

/// Records that `staff` read the data of the people with these ID-number indexes.
pub async fn record(
    conn: &impl ConnectionTrait,
    staff: &Staff,
    read: &Read<'_>,
    subjects: &[String],
) -> Result<(), ApiError> {
    let mut subjects = subjects.to_vec();
    subjects.sort();
    subjects.dedup();
    let at = Utc::now();
    for chunk in subjects.chunks(BATCH) {
        let rows = chunk.iter().map(|subject| event::ActiveModel {
            id: Set(Uuid::now_v7()),
            at: Set(at),
            staff_id: Set(staff.id),
            staff_role: Set(staff.role.as_str().into()),
            unit_kind: Set(staff.scope.kind.as_str().into()),
            unit_id: Set(staff.scope.id.clone()),
            kind: Set(read.kind.as_str().into()),
            target_kind: Set(read.target_kind.into()),
            target_id: Set(read.target_id.into()),
            subject_index: Set(subject.clone()),
        });
        event::Entity::insert_many(rows).exec(conn).await?;
    }
    Ok(())
}

/// The ID-number index of a citizen's bound real name, if any (the subject of reads of
/// their accounts' records).
pub async fn index_of(
    conn: &impl ConnectionTrait,
    citizen: Uuid,
) -> Result<Option<String>, ApiError> {
    Ok(real_name::Entity::find_by_id(citizen)
        .one(conn)
        .await?
        .map(|r| r.id_number_index))
}

/// A read as the citizen sees it: when, by which role of which unit, what, of what.
pub struct Seen {
    pub event: event::Model,
    pub unit_name: String,
}

/// The most reads a citizen is shown (the newest).
const SHOWN: u64 = 500;

/// The reads of the caller's data (by their bound real name's ID number), newest first.
pub async fn of_citizen(state: &Context, citizen: Uuid) -> Result<Vec<Seen>, ApiError> {
    let Some(index) = index_of(&state.db, citizen).await? else {
        return Ok(Vec::new());
    };
    let rows = event::Entity::find()
        .filter(event::Column::SubjectIndex.eq(index))
        .order_by_desc(event::Column::At)
        .order_by_desc(event::Column::Id)
        .limit(SHOWN)
        .all(&state.db)
        .await?;
    let mut names = std::collections::HashMap::new();
    let mut seen = Vec::with_capacity(rows.len());
    for row in rows {
        let unit = (row.unit_kind.clone(), row.unit_id.clone());
        if !names.contains_key(&unit) {
            let name = unit_name(&state.db, &unit.0, unit.1.as_deref()).await?;
            names.insert(unit.clone(), name);
        }
        let unit_name = names[&unit].clone();
        seen.push(Seen {
            event: row,
            unit_name,
        });
    }
    Ok(seen)
}

/// The unit's name as the public knows it: the street, the office, cemetery or funeral
/// home, or the district bureau.
async fn unit_name(
    conn: &impl ConnectionTrait,
    kind: &str,
    id: Option<&str>,
) -> Result<String, ApiError> {
    let id = id.unwrap_or_default();
    let name = match ScopeKind::parse(kind) {
        Some(ScopeKind::Street) => entity::street::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|s| s.name),
        Some(ScopeKind::District) | None => None,
        Some(_) => entity::resource::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|r| r.name),
    };
    Ok(name.unwrap_or_else(|| "通州区民政局".into()))
}
