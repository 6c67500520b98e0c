//! What a client needs to run a started face check, the same for every purpose: the
//! attempt to confirm afterwards, the provider's session and its life.
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A started WeChat face verification: pass `verify_id` to `wx.requestFacialVerify`,
/// then confirm the attempt.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"attempt_id": "0193a6c4-9999-7b61-9d1e-3f0c2a9b8e71", "verify_id": "wxvid-5f2c9a", "expires_in": 3600}))]
pub struct WechatStartDto {
    pub attempt_id: Uuid,
    pub verify_id: String,
    /// Seconds the verify id is valid.
    pub expires_in: u64,
}

/// A started FaceID check: pass `face_id_token` to the FaceID SDK, then confirm.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"attempt_id": "0193a6c4-9999-7b61-9d1e-3f0c2a9b8e71", "face_id_token": "A6A2A9F5-1C1D-4E7B-9D43-2E33C7F1D2A1", "expires_in": 600}))]
pub struct FaceIdStartDto {
    pub attempt_id: Uuid,
    pub face_id_token: String,
    pub expires_in: u64,
}
