//! What the marriage draw use cases share: a request's payload, who is named in it, the
//! ranking.
use entity::{draw, draw_entrant as entrant, draw_request as request};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::identity::domain::IdNumber;
use crate::identity::service as identity;
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::rows::find_or;

/// What a request keeps, sealed: the parties as named, and which one handed it in.
#[derive(Serialize, Deserialize)]
pub(super) struct Payload {
    pub(super) caller_position: usize,
    pub(super) parties: Vec<(String, String)>,
}

/// A request the caller handed in or is named in, or 404.
pub async fn mine(
    conn: &impl ConnectionTrait,
    citizen: &Citizen,
    id: Uuid,
) -> Result<request::Model, ApiError> {
    let found = find_or::<request::Entity>(conn, id, Code::DrawRequestNotFound).await?;
    if found.citizen_id == citizen.id || named_in(conn, citizen).await?.contains(&found.id) {
        Ok(found)
    } else {
        Err(ApiError::new(Code::DrawRequestNotFound))
    }
}

/// The requests naming the caller (by their verified ID number).
pub(super) async fn named_in(
    conn: &impl ConnectionTrait,
    citizen: &Citizen,
) -> Result<Vec<Uuid>, ApiError> {
    let Ok(index) = identity::verified_index(conn, citizen.id).await else {
        return Ok(Vec::new());
    };
    Ok(entrant::Entity::find()
        .filter(entrant::Column::SubjectKey.eq(index))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.request_id)
        .collect())
}

/// The published ranking of a drawn draw: request ids in rank order.
pub async fn ranking(conn: &impl ConnectionTrait, d: &draw::Model) -> Result<Vec<Uuid>, ApiError> {
    if d.status != "drawn" {
        return Ok(Vec::new());
    }
    Ok(request::Entity::find()
        .filter(request::Column::DrawId.eq(d.id))
        .filter(request::Column::Rank.is_not_null())
        .order_by_asc(request::Column::Rank)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

pub(super) fn status_label(status: &str) -> &'static str {
    match status {
        "won" => "中签",
        "lost" => "未中签",
        _ => "未能预约",
    }
}

/// The ID numbers of a request's parties, masked, for its owner's view.
pub fn parties_masked(state: &Context, r: &request::Model) -> Vec<String> {
    let Some(payload) = state
        .sealer
        .open(&r.payload_sealed)
        .ok()
        .and_then(|p| serde_json::from_str::<Payload>(&p).ok())
    else {
        return Vec::new();
    };
    payload
        .parties
        .iter()
        .filter_map(|(_, id)| IdNumber::parse(id, clock::today()).ok())
        .map(|id| id.masked())
        .collect()
}
