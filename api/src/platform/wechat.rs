//! WeChat's server API as far as the service uses it. The base URL is configuration, so
//! tests point it at a fake that speaks the same JSON.
use serde::Deserialize;

use crate::error::{ApiError, Code};

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
        if let Some((token, until)) = current.as_ref() {
            if !force && *until > std::time::Instant::now() {
                return Ok(token.clone());
            }
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
    /// Will never work (the user refused, a field is invalid): give up now.
    Permanent(String),
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
        43101 => Err(SendFailure::Permanent(
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
