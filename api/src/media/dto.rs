//! Wire types of uploads.
use serde::Serialize;
use utoipa::ToSchema;

use super::kinds::MediaContentType;

/// The multipart form of an upload (as `wx.uploadFile` sends it with `name: "file"`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: a JPEG or PNG photo or scan, or a PDF, at most 5 MB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// What it is for, lower-case letters and `_`, e.g. `application_material`,
    /// `death_certificate`, `sweeping_proof` (default `document`).
    pub purpose: Option<String>,
}

/// A stored file.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "content_type": "image/jpeg", "byte_size": 412877, "width": 3024, "height": 4032, "sha256": "9f2c0d4e5b6a718293a4b5c6d7e8f90112233445566778899aabbccddeeff00", "purpose": "application_material", "url": "/api/v1/media/0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71", "thumbnail_url": "/api/v1/media/0193a6c4-5a4e-7b61-9d1e-3f0c2a9b8e71/thumbnail", "uploaded_at": "2026-11-29T09:12:00+08:00"}))]
pub struct MediaDto {
    pub id: uuid::Uuid,
    /// What the content is (sniffed, never taken from the client): `image/jpeg`,
    /// `image/png` or `application/pdf`.
    #[schema(value_type = MediaContentType)]
    pub content_type: String,
    /// Of the stored file, after re-encoding.
    pub byte_size: i64,
    /// Images only, after turning them upright and scaling to at most 4096 px.
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// SHA-256 (hex) of the stored file, as downloaded from `url`.
    pub sha256: String,
    pub purpose: String,
    pub url: String,
    /// Images only: a JPEG of at most 320 px.
    pub thumbnail_url: Option<String>,
    /// Server time.
    #[schema(format = DateTime)]
    pub uploaded_at: String,
}

impl From<entity::media_object::Model> for MediaDto {
    fn from(m: entity::media_object::Model) -> Self {
        let url = format!("/api/v1/media/{}", m.id);
        MediaDto {
            thumbnail_url: m.thumbnail_key.as_ref().map(|_| format!("{url}/thumbnail")),
            url,
            id: m.id,
            content_type: m.content_type,
            byte_size: m.byte_size,
            width: m.width,
            height: m.height,
            sha256: m.sha256,
            purpose: m.purpose,
            uploaded_at: crate::platform::clock::format(m.created_at),
        }
    }
}
