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

fn unavailable(err: reqwest::Error) -> ApiError {
    ApiError::new(Code::WechatUnavailable).with_source(err)
}
