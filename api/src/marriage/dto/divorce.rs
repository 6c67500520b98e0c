//! Joint divorce applications on the wire.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::appointments::PartyRequest;
use crate::marriage::states::DivorceApplicationStatus;

/// A joint divorce application as the desk records it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"office_id": "marriage-centre", "parties": [{"name": "张伟", "id_number": "110112199001010014"}, {"name": "李娜", "id_number": "110112199203040027"}]}))]
pub struct DivorceApplicationRequest {
    pub office_id: String,
    /// Both spouses, present at the desk.
    pub parties: Vec<PartyRequest>,
}

/// A divorce application and its dates (Civil Code art. 1077).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "received_on": "2026-11-02", "cooling_off_ends": "2026-12-02", "certificate_from": "2026-12-03", "certificate_by": "2027-01-04", "status": "cooling_off", "parties_masked": ["110***********0014", "110***********0027"]}))]
pub struct DivorceApplicationDto {
    pub id: uuid::Uuid,
    pub office_id: String,
    pub received_on: chrono::NaiveDate,
    /// Last day of the cooling-off period; either party may withdraw until then.
    pub cooling_off_ends: chrono::NaiveDate,
    /// The certificate appointment may be booked for a day from this date...
    pub certificate_from: chrono::NaiveDate,
    /// ...to this one; after it, an unbooked application lapses.
    pub certificate_by: chrono::NaiveDate,
    /// `cooling_off`, `booked`, `completed`, `withdrawn`, `lapsed`.
    #[schema(value_type = DivorceApplicationStatus)]
    pub status: String,
    pub parties_masked: Vec<String>,
}

impl From<entity::divorce_application::Model> for DivorceApplicationDto {
    fn from(a: entity::divorce_application::Model) -> Self {
        DivorceApplicationDto {
            id: a.id,
            office_id: a.office_id,
            received_on: a.received_on,
            cooling_off_ends: a.cooling_off_ends,
            certificate_from: a.cooling_off_ends + chrono::Duration::days(1),
            certificate_by: a.certificate_by,
            status: a.status,
            parties_masked: vec![a.party1_masked, a.party2_masked],
        }
    }
}

/// The caller's divorce applications.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "office_id": "marriage-centre", "received_on": "2026-11-02", "cooling_off_ends": "2026-12-02", "certificate_from": "2026-12-03", "certificate_by": "2027-01-04", "status": "cooling_off", "parties_masked": ["110***********0014", "110***********0027"]}]}))]
pub struct DivorceApplicationListDto {
    pub items: Vec<DivorceApplicationDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
