//! Tencent Cloud API 3.0: one signed `POST /` with a JSON body, answered with
//! `{"Response": {..., "RequestId"}}` or `{"Response": {"Error": {Code, Message}}}`.
//! Requests are signed with TC3-HMAC-SHA256. FaceID (`platform::face::faceid`) and SMS
//! (`platform::sms`) call through here; the endpoint is configuration, so tests point it
//! at fakes that check the signature.
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Signed as sent: reqwest's `.json()` would send `application/json` without the charset.
const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Which product is called, where, and with which credentials.
pub struct Api<'a> {
    pub http: &'a reqwest::Client,
    /// `https://faceid.tencentcloudapi.com`, `https://sms.tencentcloudapi.com`, a fake.
    pub endpoint: &'a str,
    /// The product in the credential scope: `faceid`, `sms`.
    pub service: &'static str,
    /// `X-TC-Version`: each product has its own.
    pub version: &'static str,
    /// `X-TC-Region`, e.g. `ap-beijing`.
    pub region: &'a str,
    pub secret_id: &'a str,
    pub secret_key: &'a str,
}

/// Why a call gave no answer. Messages never carry a URL or a credential.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CloudError {
    /// Network, timeout or an answer that is not Tencent's JSON: worth trying later.
    #[error("Tencent Cloud unavailable: {0}")]
    Unavailable(String),
    /// Tencent answered `Error`: its `Code` (`AuthFailure.SignatureFailure`, ...) and message.
    #[error("Tencent Cloud rejected the call: {code}: {message}")]
    Rejected { code: String, message: String },
}

impl From<reqwest::Error> for CloudError {
    fn from(err: reqwest::Error) -> Self {
        CloudError::Unavailable(err.without_url().to_string())
    }
}

/// One signed call of `action`; returns the `Response` object, or its `Error` as `Rejected`.
pub async fn call(
    api: &Api<'_>,
    action: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, CloudError> {
    let url = reqwest::Url::parse(api.endpoint)
        .map_err(|e| CloudError::Unavailable(format!("{} endpoint: {e}", api.service)))?;
    // The Host header as reqwest would send it: the port only when it is not the default.
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => {
            return Err(CloudError::Unavailable(format!(
                "{} endpoint has no host",
                api.service
            )));
        }
    };
    let payload = body.to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let authorization = authorization(
        api.secret_id,
        api.secret_key,
        api.service,
        &host,
        timestamp,
        payload.as_bytes(),
    );
    let answer: Envelope = api
        .http
        .post(url)
        .header("Authorization", authorization)
        .header("Content-Type", CONTENT_TYPE)
        .header("Host", &host)
        .header("X-TC-Action", action)
        .header("X-TC-Version", api.version)
        .header("X-TC-Timestamp", timestamp.to_string())
        .header("X-TC-Region", api.region)
        .body(payload)
        .send()
        .await?
        .json()
        .await?;
    match answer.response.get("Error") {
        Some(error) => Err(CloudError::Rejected {
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
    // Before 1970 or after 262143: not this service's clock; the scope is then refused.
    let date = chrono::DateTime::from_timestamp(timestamp, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
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
    // HMAC takes a key of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = <Hmac<Sha256>>::new_from_slice(key) else {
        unreachable!("HMAC takes any key length")
    };
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
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
}
