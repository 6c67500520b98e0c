//! Tencent Cloud FaceID (API 3.0, version 2018-03-01) for app clients: the backend asks
//! for a `FaceIdToken` bound to a name and ID number, the app runs Tencent's SDK with it,
//! and the backend reads the outcome with `GetFaceIdResult`. Requests are signed with
//! TC3-HMAC-SHA256 (`platform::tencent_cloud`). The endpoint is configuration, so tests point it at a fake that
//! checks the signature.
//!
//! [`FaceProviderError`] lives here and is shared with WeChat's face verification
//! (`platform::wechat`): the caller treats both providers alike.
use serde::Deserialize;

use crate::platform::tencent_cloud::{self, CloudError};

/// Why a face provider did not give an answer. Messages never carry a URL, a token, a
/// name or an ID number, so they may be logged and stored.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FaceProviderError {
    /// Network, timeout or an answer that is not the provider's JSON: worth trying later.
    #[error("face provider unavailable: {0}")]
    Unavailable(String),
    /// The provider answered with an error: WeChat's `errcode` (as text) or Tencent's
    /// `Error.Code`, with the provider's message.
    #[error("face provider rejected the call: {code}: {message}")]
    Rejected { code: String, message: String },
}

/// reqwest's errors name the URL, and WeChat's URLs carry the access token: drop it.
impl From<reqwest::Error> for FaceProviderError {
    fn from(err: reqwest::Error) -> Self {
        FaceProviderError::Unavailable(err.without_url().to_string())
    }
}

const VERSION: &str = "2018-03-01";
const SERVICE: &str = "faceid";

impl From<CloudError> for FaceProviderError {
    fn from(err: CloudError) -> Self {
        match err {
            CloudError::Unavailable(why) => FaceProviderError::Unavailable(why),
            CloudError::Rejected { code, message } => FaceProviderError::Rejected { code, message },
        }
    }
}

/// One signed FaceID call; returns the `Response` object.
async fn call(
    http: &reqwest::Client,
    endpoint: &str,
    region: &str,
    secret_id: &str,
    secret_key: &str,
    action: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, FaceProviderError> {
    let api = tencent_cloud::Api {
        http,
        endpoint,
        service: SERVICE,
        version: VERSION,
        region,
        secret_id,
        secret_key,
    };
    Ok(tencent_cloud::call(&api, action, body).await?)
}

fn unexpected(err: serde_json::Error) -> FaceProviderError {
    FaceProviderError::Unavailable(format!("unexpected FaceID answer: {err}"))
}

/// Starts a face check against the public-security photo of `id_card` (CompareLib
/// `BUSINESS`): returns the `FaceIdToken` the app's SDK runs with (valid 10 minutes,
/// single use).
pub async fn get_face_id_token(
    http: &reqwest::Client,
    endpoint: &str,
    region: &str,
    secret_id: &str,
    secret_key: &str,
    name: &str,
    id_card: &str,
) -> Result<String, FaceProviderError> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(rename = "FaceIdToken")]
        face_id_token: String,
    }
    let body = serde_json::json!({"CompareLib": "BUSINESS", "IdCard": id_card, "Name": name});
    let response = call(
        http,
        endpoint,
        region,
        secret_id,
        secret_key,
        "GetFaceIdToken",
        &body,
    )
    .await?;
    let answer: Answer = serde_json::from_value(response).map_err(unexpected)?;
    Ok(answer.face_id_token)
}

/// The outcome of a face check as Tencent reports it. The caller decides what passes:
/// `result == "0"` is success; `similarity` (0-100) is how alike face and photo were.
#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct FaceIdResult {
    pub result: String,
    pub description: String,
    pub similarity: Option<f32>,
    pub id_card: Option<String>,
    pub name: Option<String>,
}

/// Leaves the name and ID number out, so that logging a result cannot leak them.
impl std::fmt::Debug for FaceIdResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceIdResult")
            .field("result", &self.result)
            .field("description", &self.description)
            .field("similarity", &self.similarity)
            .finish_non_exhaustive()
    }
}

/// Reads the outcome of the check run with `token` (readable for 3 days).
pub async fn get_face_id_result(
    http: &reqwest::Client,
    endpoint: &str,
    region: &str,
    secret_id: &str,
    secret_key: &str,
    token: &str,
) -> Result<FaceIdResult, FaceProviderError> {
    let body = serde_json::json!({"FaceIdToken": token});
    let response = call(
        http,
        endpoint,
        region,
        secret_id,
        secret_key,
        "GetFaceIdResult",
        &body,
    )
    .await?;
    serde_json::from_value(response).map_err(unexpected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_do_not_show_name_or_id_number_when_debug_printed() {
        let result: FaceIdResult = serde_json::from_value(serde_json::json!({
            "Result": "0", "Description": "成功", "Similarity": 91.5,
            "IdCard": "11010519491231002X", "Name": "张三", "RequestId": "r"
        }))
        .unwrap();
        assert_eq!(result.similarity, Some(91.5));
        assert_eq!(result.id_card.as_deref(), Some("11010519491231002X"));
        let shown = format!("{result:?}");
        assert!(
            !shown.contains("1101") && !shown.contains("张三"),
            "{shown}"
        );
    }
}
