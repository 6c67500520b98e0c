//! Wire types of the admin room.
use serde::Serialize;
use utoipa::ToSchema;

/// A street (街道) or township (乡镇) of the district.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "zhongcang", "name": "中仓街道", "kind": "subdistrict"}))]
pub struct StreetDto {
    /// Stable identifier used wherever a street is named (`street_id`).
    pub id: String,
    /// The official Chinese name.
    pub name: String,
    /// `subdistrict` (街道), `township` (镇) or `ethnic_township` (民族乡).
    pub kind: String,
}

impl From<entity::street::Model> for StreetDto {
    fn from(m: entity::street::Model) -> Self {
        StreetDto {
            id: m.id,
            name: m.name,
            kind: m.kind,
        }
    }
}
