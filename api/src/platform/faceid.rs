//! Tencent Cloud FaceID (API 3.0, version 2018-03-01) for app clients: the backend asks
//! for a `FaceIdToken` bound to a name and ID number, the app runs Tencent's SDK with it,
//! and the backend reads the outcome with `GetFaceIdResult`. Requests are signed with
//! TC3-HMAC-SHA256. The endpoint is configuration, so tests point it at a fake that
//! checks the signature.
//!
//! [`FaceProviderError`] lives here and is shared with WeChat's face verification
//! (`platform::wechat`): the caller treats both providers alike.
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

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
/// Signed as sent: reqwest's `.json()` would send `application/json` without the charset.
const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The `Authorization` header of a TC3-HMAC-SHA256 signed `POST /` with a JSON body,
/// signing the headers `content-type` and `host` (as Tencent's documented example does).
/// The credential scope's date is the UTC date of `timestamp`, which must also be the
/// request's `X-TC-Timestamp`.
fn authorization(
    secret_id: &str,
    secret_key: &str,
    service: &str,
    host: &str,
    timestamp: i64,
    payload: &[u8],
) -> String {
    let signed_headers = "content-type;host";
    let canonical_request = format!(
        "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{}\n\n{signed_headers}\n{}",
        host.to_ascii_lowercase(),
        hex::encode(Sha256::digest(payload))
    );
    let date = chrono::DateTime::from_timestamp(timestamp, 0)
        .expect("a timestamp of this era")
        .format("%Y-%m-%d")
        .to_string();
    let scope = format!("{date}/{service}/tc3_request");
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let secret_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac_sha256(&secret_date, service.as_bytes());
    let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
    let signature = hex::encode(hmac_sha256(&secret_signing, string_to_sign.as_bytes()));
    format!(
        "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// One signed call; returns the `Response` object, or its `Error` as `Rejected`.
async fn call(
    http: &reqwest::Client,
    endpoint: &str,
    region: &str,
    secret_id: &str,
    secret_key: &str,
    action: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, FaceProviderError> {
    let url = reqwest::Url::parse(endpoint)
        .map_err(|e| FaceProviderError::Unavailable(format!("faceid_endpoint: {e}")))?;
    // The Host header as reqwest would send it: the port only when it is not the default.
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => {
            return Err(FaceProviderError::Unavailable(
                "faceid_endpoint has no host".into(),
            ));
        }
    };
    let payload = body.to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let authorization = authorization(
        secret_id,
        secret_key,
        SERVICE,
        &host,
        timestamp,
        payload.as_bytes(),
    );
    let answer: Envelope = http
        .post(url)
        .header("Authorization", authorization)
        .header("Content-Type", CONTENT_TYPE)
        .header("Host", &host)
        .header("X-TC-Action", action)
        .header("X-TC-Version", VERSION)
        .header("X-TC-Timestamp", timestamp.to_string())
        .header("X-TC-Region", region)
        .body(payload)
        .send()
        .await?
        .json()
        .await?;
    match answer.response.get("Error") {
        Some(error) => Err(FaceProviderError::Rejected {
            code: error["Code"].as_str().unwrap_or_default().to_owned(),
            message: error["Message"].as_str().unwrap_or_default().to_owned(),
        }),
        None => Ok(answer.response),
    }
}

/// Every API 3.0 answer: `{"Response": {..., "RequestId"}}`, with `Error` on failure.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: serde_json::Value,
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

    /// Tencent's worked example ("Signature v3", DescribeInstances on cvm in
    /// ap-guangzhou): SecretKey `Gu5t9xGARNpq86cd98joQYCN3EXAMPLE`, timestamp 1551113065
    /// (2019-02-25 UTC, 2019-02-26 in Beijing: the date must be UTC), the body as
    /// published, and the signature the document prints.
    #[test]
    fn signs_tencents_documented_example() {
        let payload = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        let header = authorization(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            "cvm",
            "cvm.tencentcloudapi.com",
            1551113065,
            payload.as_bytes(),
        );
        assert_eq!(
            header,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

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
