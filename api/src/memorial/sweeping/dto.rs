//! Wire types of proxy sweeping.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::states::SweepOrderStatus;
use crate::memorial::visits::GraveDto;

/// What the family orders.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cemetery_id": "luhe-cemetery", "grave": {"section": "A", "row": "3", "number": "12"}, "sweep_date": "2027-04-04", "cleaning": true, "flowers": true, "message": "爸，家里一切都好，勿念。"}))]
pub struct SweepRequest {
    pub cemetery_id: String,
    pub grave: GraveDto,
    /// From tomorrow to 90 days ahead.
    pub sweep_date: chrono::NaiveDate,
    /// Clean the gravestone.
    #[serde(default)]
    pub cleaning: bool,
    /// Lay flowers.
    #[serde(default)]
    pub flowers: bool,
    /// A written message for staff to read at the grave (at most 300 characters).
    pub message: Option<String>,
}

/// A photo proving the sweeping.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a71", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "attached_at": "2027-04-04T10:12:30+08:00", "url": "/api/v1/proxy-sweeps/01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a69/proofs/01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a71", "thumbnail_url": "/api/v1/proxy-sweeps/01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a69/proofs/01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a71?thumbnail=true"}))]
pub struct ProofDto {
    pub id: Uuid,
    /// SHA-256 (hex) of the photo as stored; the download has exactly these bytes.
    pub sha256: String,
    /// Server time the photo was attached.
    #[schema(format = DateTime)]
    pub attached_at: String,
    pub url: String,
    pub thumbnail_url: String,
}

/// A proxy sweeping order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a69", "cemetery_id": "luhe-cemetery", "grave": "A区 3排 12号", "sweep_date": "2027-04-04", "cleaning": true, "flowers": true, "message": "爸，家里一切都好，勿念。", "status": "done", "overdue": false, "accepted_at": "2027-03-30T09:00:00+08:00", "done_at": "2027-04-04T10:12:30+08:00", "decided_at": null, "dispute_reason": null, "proofs": [{"id": "01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a71", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "attached_at": "2027-04-04T10:12:30+08:00", "url": "/api/v1/proxy-sweeps/01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a69/proofs/01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a71", "thumbnail_url": "/api/v1/proxy-sweeps/01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a69/proofs/01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a71?thumbnail=true"}], "created_at": "2027-03-21T09:00:05+08:00"}))]
pub struct SweepDto {
    pub id: Uuid,
    pub cemetery_id: String,
    pub grave: String,
    pub sweep_date: chrono::NaiveDate,
    pub cleaning: bool,
    pub flowers: bool,
    pub message: Option<String>,
    /// `ordered`, `accepted`, `done` (proof attached), `confirmed`, `disputed`, `cancelled`.
    #[schema(value_type = SweepOrderStatus)]
    pub status: String,
    /// Its date has passed without proof (shown to staff and family).
    pub overdue: bool,
    #[schema(format = DateTime)]
    pub accepted_at: Option<String>,
    #[schema(format = DateTime)]
    pub done_at: Option<String>,
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
    pub dispute_reason: Option<String>,
    pub proofs: Vec<ProofDto>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// Orders.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a69", "cemetery_id": "luhe-cemetery", "grave": "A区 3排 12号", "sweep_date": "2027-04-04", "cleaning": true, "flowers": false, "message": null, "status": "ordered", "overdue": false, "accepted_at": null, "done_at": null, "decided_at": null, "dispute_reason": null, "proofs": [], "created_at": "2027-03-21T09:00:05+08:00"}]}))]
pub struct SweepListDto {
    pub items: Vec<SweepDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Photos (uploaded first with `POST /api/v1/media`) proving the sweeping.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"media_ids": ["01936f7e-8c1a-7c3e-9a55-1f2d3c4b5a72"]}))]
pub struct ProofRequest {
    /// 1 to 9 photos the caller uploaded.
    pub media_ids: Vec<Uuid>,
}

/// The family's answer to the proof: nothing to accept, a reason to dispute.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "照片中的墓碑不是我家的"}))]
pub struct DisputeRequest {
    /// 1 to 300 characters.
    pub reason: String,
}

/// Which orders staff want.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SweepQueueQuery {
    pub cemetery_id: String,
    pub status: Option<SweepOrderStatus>,
    /// Only orders whose date passed without proof.
    #[serde(default)]
    pub overdue: bool,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl SweepQueueQuery {
    /// The page this query asks for.
    pub fn page(&self) -> crate::platform::pagination::PageQuery {
        crate::platform::pagination::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// Full photo or thumbnail.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProofQuery {
    #[serde(default)]
    pub thumbnail: bool,
}
