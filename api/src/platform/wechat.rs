//! WeChat's server API as far as the service uses it. The base URL is configuration, so
//! tests point it at a fake that speaks the same JSON.
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, Code};
use crate::platform::face::faceid::FaceProviderError;

/// What `jscode2session` gives for a login code. The `session_key` is never kept or sent.
#[derive(Debug)]
pub struct WechatSession {
    pub openid: String,
    pub unionid: Option<String>,
}

#[derive(Deserialize)]
struct Jscode2SessionAnswer {
    openid: Option<String>,
    unionid: Option<String>,
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// Exchanges a `wx.login` code for the user's openid.
pub async fn jscode2session(
    http: &reqwest::Client,
    base: &str,
    app_id: &str,
    secret: &str,
    code: &str,
) -> Result<WechatSession, ApiError> {
    let url = format!("{}/sns/jscode2session", base.trim_end_matches('/'));
    let query = [
        ("appid", app_id),
        ("secret", secret),
        ("js_code", code),
        ("grant_type", "authorization_code"),
    ];
    let response = http
        .get(url)
        .query(&query)
        .send()
        .await
        .map_err(unavailable)?;
    let answer: Jscode2SessionAnswer = response.json().await.map_err(unavailable)?;
    match (answer.errcode, answer.openid) {
        (0, Some(openid)) => Ok(WechatSession {
            openid,
            unionid: answer.unionid,
        }),
        (40029, _) => Err(ApiError::new(Code::WechatCodeInvalid)),
        (40163, _) => Err(ApiError::new(Code::WechatCodeUsed)),
        (45011, _) => Err(ApiError::new(Code::WechatRateLimited)),
        (40226, _) => Err(ApiError::new(Code::WechatHighRisk)),
        (errcode, _) => Err(ApiError::new(Code::WechatUnavailable).with_source(format!(
            "jscode2session errcode {errcode}: {}",
            answer.errmsg
        ))),
    }
}

/// The URL of these calls carries the app secret or the access token: errors lose it
/// before they reach a log or the database.
fn unavailable(err: reqwest::Error) -> ApiError {
    let err = err.without_url();
    ApiError::new(Code::WechatUnavailable).with_source(err)
}

/// The shared access token of the app, fetched with `stable_token` and kept until shortly
/// before it expires. `stable_token` hands every instance the same token, so instances
/// do not invalidate each other's.
#[derive(Default)]
pub struct AccessTokenCache {
    current: tokio::sync::Mutex<Option<(String, std::time::Instant)>>,
}

#[derive(Deserialize)]
struct StableTokenAnswer {
    access_token: Option<String>,
    #[serde(default)]
    expires_in: u64,
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

impl AccessTokenCache {
    /// A valid token, fetched when there is none or it expires within five minutes.
    pub async fn get(
        &self,
        http: &reqwest::Client,
        base: &str,
        app_id: &str,
        secret: &str,
        force: bool,
    ) -> Result<String, String> {
        let mut current = self.current.lock().await;
        let fresh = current
            .as_ref()
            .filter(|(_, until)| *until > std::time::Instant::now());
        if let Some((token, _)) = fresh.filter(|_| !force) {
            return Ok(token.clone());
        }
        let url = format!("{}/cgi-bin/stable_token", base.trim_end_matches('/'));
        let body = serde_json::json!({"grant_type": "client_credential", "appid": app_id, "secret": secret, "force_refresh": force});
        let answer: StableTokenAnswer = http
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?
            .json()
            .await
            .map_err(|e| e.without_url().to_string())?;
        let token = answer
            .access_token
            .filter(|_| answer.errcode == 0)
            .ok_or_else(|| format!("stable_token errcode {}: {}", answer.errcode, answer.errmsg))?;
        let refresh_at = std::time::Instant::now()
            + std::time::Duration::from_secs(answer.expires_in.saturating_sub(300));
        *current = Some((token.clone(), refresh_at));
        Ok(token)
    }
}

/// Why a subscribe message was not delivered.
#[derive(Debug, PartialEq, Eq)]
pub enum SendFailure {
    /// Worth trying again later (network, WeChat busy, token expired).
    Retry(String),
    /// Will never work (a field is invalid): give up now.
    Permanent(String),
    /// The user has not accepted (or has turned off) this subscribe message (43101):
    /// give up on WeChat, and reach them by their next channel.
    Refused(String),
}

/// Checks subscribe-message values against WeChat's field limits, by key prefix.
pub fn check_fields(data: &std::collections::BTreeMap<String, String>) -> Result<(), String> {
    for (key, value) in data {
        let chars = value.chars().count();
        let ok = if key.starts_with("thing") {
            chars <= 20
        } else if key.starts_with("phrase") {
            chars <= 5
        } else if key.starts_with("character_string") {
            chars <= 32
        } else if key.starts_with("name") {
            chars <= 10
        } else {
            chars <= 20
        };
        if !ok || value.is_empty() {
            return Err(format!("field {key} does not fit WeChat's limits"));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct ErrAnswer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// Sends one subscribe message with a valid access token.
pub async fn send_subscribe(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    body: &serde_json::Value,
) -> Result<(), SendFailure> {
    let url = format!(
        "{}/cgi-bin/message/subscribe/send",
        base.trim_end_matches('/')
    );
    let response = http
        .post(url)
        .query(&[("access_token", token)])
        .json(body)
        .send()
        .await
        .map_err(|e| SendFailure::Retry(e.without_url().to_string()))?;
    let answer: ErrAnswer = response
        .json()
        .await
        .map_err(|e| SendFailure::Retry(e.without_url().to_string()))?;
    match answer.errcode {
        0 => Ok(()),
        43101 => Err(SendFailure::Refused(
            "43101: the user refused subscribe messages".into(),
        )),
        47003 => Err(SendFailure::Permanent(format!(
            "47003: invalid field: {}",
            answer.errmsg
        ))),
        40001 | 42001 => Err(SendFailure::Retry(format!(
            "{}: access token rejected",
            answer.errcode
        ))),
        code => Err(SendFailure::Retry(format!("{code}: {}", answer.errmsg))),
    }
}

/// The one certificate type the service verifies: the resident identity card.
const CERT_TYPE: &str = "IDENTITY_CARD";

/// `cert_hash` of `queryverifyinfo`: lower-case hex SHA-256 of
/// `cert_type=<b64>&cert_name=<b64>&cert_no=<b64>`, each value standard Base64 of its
/// UTF-8. WeChat compares it with the identity given to `getverifyid`, so a result cannot
/// be claimed for another person than the one the check was started for.
pub fn cert_hash(name: &str, id_number: &str) -> String {
    let b64 = |value: &str| STANDARD.encode(value.as_bytes());
    let text = format!(
        "cert_type={}&cert_name={}&cert_no={}",
        b64(CERT_TYPE),
        b64(name),
        b64(id_number)
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A face-verification session: the mini-program passes `verify_id` to
/// `wx.requestFacialVerify` within `expires_in` seconds.
#[derive(Debug, PartialEq, Eq)]
pub struct VerifyId {
    pub verify_id: String,
    pub expires_in: u64,
}

/// WeChat's lifetime of a `verify_id` when the answer does not say.
const DEFAULT_VERIFY_EXPIRES_IN: u64 = 3600;

/// Starts a face verification of the person `name`/`id_number` using WeChat user
/// `openid`. `out_seq_no` is ours: 5-32 characters of `[0-9A-Za-z_-]`, never reused.
pub async fn get_verify_id(
    http: &reqwest::Client,
    base: &str,
    access_token: &str,
    out_seq_no: &str,
    name: &str,
    id_number: &str,
    openid: &str,
) -> Result<VerifyId, FaceProviderError> {
    let body = serde_json::json!({
        "out_seq_no": out_seq_no,
        "cert_info": {"cert_type": CERT_TYPE, "cert_name": name, "cert_no": id_number},
        "openid": openid,
    });
    let answer = face_call(http, base, "getverifyid", access_token, &body).await?;
    let verify_id = answer["verify_id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| FaceProviderError::Unavailable("getverifyid gave no verify_id".into()))?;
    Ok(VerifyId {
        verify_id: verify_id.to_owned(),
        expires_in: answer["expires_in"]
            .as_u64()
            .unwrap_or(DEFAULT_VERIFY_EXPIRES_IN),
    })
}

/// The real outcome of a face verification, asked of WeChat by the backend (the
/// mini-program's own report is never trusted): WeChat's `verify_ret`, 10000 = passed.
/// `out_seq_no` and `openid` must be those of [`get_verify_id`], `cert_hash` that of
/// [`cert_hash`] for the same identity; WeChat answers an errcode otherwise.
pub async fn query_verify_info(
    http: &reqwest::Client,
    base: &str,
    access_token: &str,
    verify_id: &str,
    out_seq_no: &str,
    cert_hash: &str,
    openid: &str,
) -> Result<i64, FaceProviderError> {
    let body = serde_json::json!({
        "verify_id": verify_id, "out_seq_no": out_seq_no, "cert_hash": cert_hash, "openid": openid,
    });
    let answer = face_call(http, base, "queryverifyinfo", access_token, &body).await?;
    answer["verify_ret"]
        .as_i64()
        .ok_or_else(|| FaceProviderError::Unavailable("queryverifyinfo gave no verify_ret".into()))
}

/// The phone number a mini-program user allowed (`<button open-type="getPhoneNumber">`
/// gives the `code`; each works once, for 5 minutes): `countryCode` and
/// `purePhoneNumber`, after checking the watermark names this app. An errcode (40029 for
/// a used or expired code) is `Rejected`.
pub async fn user_phone_number(
    http: &reqwest::Client,
    base: &str,
    access_token: &str,
    app_id: &str,
    code: &str,
) -> Result<(String, String), FaceProviderError> {
    let url = format!(
        "{}/wxa/business/getuserphonenumber",
        base.trim_end_matches('/')
    );
    let answer: serde_json::Value = http
        .post(url)
        .query(&[("access_token", access_token)])
        .json(&serde_json::json!({ "code": code }))
        .send()
        .await?
        .json()
        .await?;
    if let Some(code) = answer["errcode"].as_i64().filter(|c| *c != 0) {
        return Err(FaceProviderError::Rejected {
            code: code.to_string(),
            message: answer["errmsg"].as_str().unwrap_or_default().to_owned(),
        });
    }
    let info = &answer["phone_info"];
    if info["watermark"]["appid"] != app_id {
        return Err(FaceProviderError::Unavailable(
            "getuserphonenumber answered for another app".into(),
        ));
    }
    match (
        info["countryCode"].as_str(),
        info["purePhoneNumber"].as_str(),
    ) {
        (Some(country), Some(number)) => Ok((country.to_owned(), number.to_owned())),
        _ => Err(FaceProviderError::Unavailable(
            "getuserphonenumber gave no phone_info".into(),
        )),
    }
}

/// One call to `/cityservice/face/identify/{api}`; an errcode other than 0 is `Rejected`.
async fn face_call(
    http: &reqwest::Client,
    base: &str,
    api: &str,
    access_token: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, FaceProviderError> {
    let url = format!(
        "{}/cityservice/face/identify/{api}",
        base.trim_end_matches('/')
    );
    // `?` turns reqwest's errors into `Unavailable` without the URL (it holds the token).
    let answer: serde_json::Value = http
        .post(url)
        .query(&[("access_token", access_token)])
        .json(body)
        .send()
        .await?
        .json()
        .await?;
    match answer["errcode"].as_i64().unwrap_or(0) {
        0 => Ok(answer),
        code => Err(FaceProviderError::Rejected {
            code: code.to_string(),
            message: answer["errmsg"].as_str().unwrap_or_default().to_owned(),
        }),
    }
}

/// Runs `call` with the shared access token. A token WeChat refuses (40001 invalid, 42001
/// expired: another instance may have forced a refresh) is fetched afresh once and the
/// call repeated; any other answer is returned as it is. E.g.
/// `with_access_token(.., |token| async move { get_verify_id(http, base, &token, ..).await })`.
/// (The token is passed owned rather than to an `AsyncFn(&str)`, whose futures cannot be
/// proven `Send` and so could not run in `tokio::spawn`.)
pub async fn with_access_token<T, F, Fut>(
    tokens: &AccessTokenCache,
    http: &reqwest::Client,
    base: &str,
    app_id: &str,
    secret: &str,
    call: F,
) -> Result<T, FaceProviderError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, FaceProviderError>>,
{
    let token = tokens
        .get(http, base, app_id, secret, false)
        .await
        .map_err(FaceProviderError::Unavailable)?;
    match call(token).await {
        Err(FaceProviderError::Rejected { code, .. }) if code == "40001" || code == "42001" => {
            let token = tokens
                .get(http, base, app_id, secret, true)
                .await
                .map_err(FaceProviderError::Unavailable)?;
            call(token).await
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values computed apart from this code (python3 hashlib + base64); the
    /// first is also WeChat's documented example.
    #[test]
    fn cert_hash_matches_independently_computed_values() {
        assert_eq!(
            cert_hash("张三", "310101199801011234"),
            "3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b"
        );
        assert_eq!(
            cert_hash("欧阳娜娜", "11010519491231002X"),
            "752f07d20c5ef76597d9bea2b330db87cb6328b5fdd5593291e486780a1cd5b7"
        );
    }
}
