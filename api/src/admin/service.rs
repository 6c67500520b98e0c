//! Rules of the admin room, in functions that run inside or outside a transaction.
use entity::street;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::error::{ApiError, Code};

/// Tongzhou district's streets and townships, in the order official lists give them.
const TONGZHOU_STREETS: [(&str, &str, &str); 22] = [
    ("zhongcang", "中仓街道", "subdistrict"),
    ("xinhua", "新华街道", "subdistrict"),
    ("beiyuan", "北苑街道", "subdistrict"),
    ("yuqiao", "玉桥街道", "subdistrict"),
    ("luyuan", "潞源街道", "subdistrict"),
    ("tongyun", "通运街道", "subdistrict"),
    ("wenjing", "文景街道", "subdistrict"),
    ("jiukeshu", "九棵树街道", "subdistrict"),
    ("linheli", "临河里街道", "subdistrict"),
    ("yangzhuang", "杨庄街道", "subdistrict"),
    ("luyi", "潞邑街道", "subdistrict"),
    ("yongshun", "永顺镇", "township"),
    ("liyuan", "梨园镇", "township"),
    ("songzhuang", "宋庄镇", "township"),
    ("zhangjiawan", "张家湾镇", "township"),
    ("huoxian", "漷县镇", "township"),
    ("majuqiao", "马驹桥镇", "township"),
    ("xiji", "西集镇", "township"),
    ("taihu", "台湖镇", "township"),
    ("yongledian", "永乐店镇", "township"),
    ("lucheng", "潞城镇", "township"),
    ("yujiawu", "于家务回族乡", "ethnic_township"),
];

/// Inserts the district's streets that are missing (reference data, at every start).
pub async fn seed_streets(db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    let rows = TONGZHOU_STREETS
        .iter()
        .enumerate()
        .map(|(i, (id, name, kind))| street::ActiveModel {
            id: Set((*id).to_owned()),
            name: Set((*name).to_owned()),
            kind: Set((*kind).to_owned()),
            sort_order: Set(i as i32 + 1),
        });
    // Reference data, written at every start: rows already there stay as they are.
    street::Entity::insert_many(rows)
        .on_conflict_do_nothing()
        .exec(db)
        .await?;
    Ok(())
}

/// One page of streets in official order, after the street whose key is `after`.
/// The key is `sort_order:id`, so the order is total even if two share a position.
pub async fn list_streets(
    db: &impl ConnectionTrait,
    after: Option<String>,
    limit: u32,
) -> Result<Vec<street::Model>, ApiError> {
    let mut query = street::Entity::find()
        .order_by_asc(street::Column::SortOrder)
        .order_by_asc(street::Column::Id)
        .limit(u64::from(limit) + 1);
    if let Some(key) = after {
        let (order, id) = parse_key(&key).ok_or_else(|| ApiError::new(Code::InvalidCursor))?;
        query = query.filter(
            Condition::any()
                .add(street::Column::SortOrder.gt(order))
                .add(
                    Condition::all()
                        .add(street::Column::SortOrder.eq(order))
                        .add(street::Column::Id.gt(id)),
                ),
        );
    }
    Ok(query.all(db).await?)
}

/// The cursor key of a street.
pub fn street_key(street: &street::Model) -> String {
    format!("{}:{}", street.sort_order, street.id)
}

fn parse_key(key: &str) -> Option<(i32, String)> {
    let (order, id) = key.split_once(':')?;
    Some((order.parse().ok()?, id.to_owned()))
}

/// A page of the audit events of one target, oldest first, after sequence `after`.
pub async fn audit_events(
    db: &impl ConnectionTrait,
    target_kind: &str,
    target_id: &str,
    after: Option<i64>,
    limit: u32,
) -> Result<Vec<entity::audit_event::Model>, ApiError> {
    use entity::audit_event;
    let mut query = audit_event::Entity::find()
        .filter(audit_event::Column::TargetKind.eq(target_kind))
        .filter(audit_event::Column::TargetId.eq(target_id))
        .order_by_asc(audit_event::Column::Seq)
        .limit(u64::from(limit) + 1);
    if let Some(after) = after {
        query = query.filter(audit_event::Column::Seq.gt(after));
    }
    Ok(query.all(db).await?)
}
