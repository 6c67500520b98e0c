//! Text messages: Tencent Cloud SMS (`SendSms`, version 2021-01-11) when `sms_app_id` is
//! set; in `dev` mode without it, a JSON file per message in `data_dir/sms` (and a row
//! on the dev outbox page), never sent; in `production` without it, nothing (callers
//! answer `auth.sms_unavailable`). Every message is checked against its template's
//! parameter limits before it goes anywhere.
use std::path::PathBuf;

use crate::config::{Config, Mode, Secrets, SmsTemplate};
use crate::platform::tencent_cloud::{self, Api, CloudError};

/// Tencent Cloud SMS's API version.
const VERSION: &str = "2021-01-11";

/// Where text messages go.
pub enum SmsGateway<'a> {
    Tencent {
        api: Api<'a>,
        app_id: &'a str,
        sign_name: &'a str,
    },
    /// `data_dir/sms`: dev mode's sandbox.
    Files(PathBuf),
    /// Production without SMS settings.
    Off,
}

/// Why a message was not sent, in the terms callers answer with.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// `LimitExceeded.*`: Tencent's frequency limits for the number (or the app).
    #[error("SMS frequency limit: {0}")]
    RateLimited(String),
    /// `FailedOperation.PhoneNumberInBlacklist`: the number unsubscribed or is on the
    /// carrier's do-not-disturb list; another channel is needed.
    #[error("the number refuses SMS")]
    Blocked,
    /// `InvalidParameterValue.IncorrectPhoneNumber`.
    #[error("Tencent rejects the number")]
    WrongNumber,
    /// Our settings or Tencent's side (unapproved template or signature, signature,
    /// `InternalError.*`, network): nothing the citizen can change.
    #[error("SMS unavailable: {0}")]
    Unavailable(String),
}

impl<'a> SmsGateway<'a> {
    /// The gateway the configuration names.
    pub fn new(config: &'a Config, secrets: &'a Secrets, http: &'a reqwest::Client) -> Self {
        match (
            &config.sms_app_id,
            &secrets.sms_secret_id,
            &secrets.sms_secret_key,
        ) {
            (Some(app_id), Some(secret_id), Some(secret_key)) => SmsGateway::Tencent {
                api: Api {
                    http,
                    endpoint: &config.sms_endpoint,
                    service: "sms",
                    version: VERSION,
                    region: &config.sms_region,
                    secret_id,
                    secret_key,
                },
                app_id,
                sign_name: &config.sms_sign_name,
            },
            (None, _, _) if config.mode == Mode::Dev => {
                SmsGateway::Files(config.data_dir.join("sms"))
            }
            _ => SmsGateway::Off,
        }
    }

    /// Whether `template` can go out: dev mode's folder takes any; Tencent only an
    /// approved one (not the placeholder id `"0"` the defaults carry).
    pub fn takes(&self, template: &SmsTemplate) -> bool {
        match self {
            SmsGateway::Files(_) => true,
            SmsGateway::Tencent { .. } => template.id != crate::config::SMS_PLACEHOLDER_ID,
            SmsGateway::Off => false,
        }
    }

    /// Sends `params` (the template's `{1}`, `{2}`...) to one E.164 number.
    pub async fn send(
        &self,
        phone: &str,
        purpose: &str,
        template: &SmsTemplate,
        params: &[String],
    ) -> Result<(), SmsError> {
        check_params(template, params).map_err(SmsError::Unavailable)?;
        match self {
            SmsGateway::Tencent {
                api,
                app_id,
                sign_name,
            } => {
                let body = serde_json::json!({
                    "PhoneNumberSet": [phone], "SmsSdkAppId": app_id, "SignName": sign_name,
                    "TemplateId": template.id, "TemplateParamSet": params,
                });
                let answer = tencent_cloud::call(api, "SendSms", &body)
                    .await
                    .map_err(from_cloud)?;
                sent_status(&answer)
            }
            SmsGateway::Files(dir) => write_file(dir, phone, purpose, template, params).await,
            SmsGateway::Off => Err(SmsError::Unavailable("SMS is not configured".into())),
        }
    }
}

/// Each parameter within its template's limit, and as many as the template has.
pub fn check_params(template: &SmsTemplate, params: &[String]) -> Result<(), String> {
    if params.len() != template.param_limits.len() {
        return Err(format!(
            "template {} takes {} parameters, not {}",
            template.id,
            template.param_limits.len(),
            params.len()
        ));
    }
    match params
        .iter()
        .zip(&template.param_limits)
        .position(|(param, limit)| param.chars().count() > *limit)
    {
        Some(i) => Err(format!(
            "parameter {} of template {} is longer than {} characters",
            i + 1,
            template.id,
            template.param_limits[i]
        )),
        None => Ok(()),
    }
}

/// A call-level error: Tencent's code decides.
fn from_cloud(error: CloudError) -> SmsError {
    match error {
        CloudError::Rejected { code, message } => by_code(&code, &message),
        CloudError::Unavailable(e) => SmsError::Unavailable(e),
    }
}

/// `SendStatusSet[0].Code`: `Ok`, or why this number got nothing.
fn sent_status(answer: &serde_json::Value) -> Result<(), SmsError> {
    let status = &answer["SendStatusSet"][0];
    match status["Code"].as_str() {
        Some("Ok") => Ok(()),
        Some(code) => Err(by_code(
            code,
            status["Message"].as_str().unwrap_or_default(),
        )),
        None => Err(SmsError::Unavailable(
            "SendSms answered without a SendStatusSet".into(),
        )),
    }
}

fn by_code(code: &str, message: &str) -> SmsError {
    match code {
        c if c.starts_with("LimitExceeded.") => SmsError::RateLimited(c.to_owned()),
        "FailedOperation.PhoneNumberInBlacklist" => SmsError::Blocked,
        "InvalidParameterValue.IncorrectPhoneNumber" => SmsError::WrongNumber,
        other => SmsError::Unavailable(format!("{other}: {message}")),
    }
}

/// Dev mode: the message as JSON in `dir`, named by time so `ls` lists them in order.
async fn write_file(
    dir: &std::path::Path,
    phone: &str,
    purpose: &str,
    template: &SmsTemplate,
    params: &[String],
) -> Result<(), SmsError> {
    let unavailable = |e: std::io::Error| SmsError::Unavailable(format!("{}: {e}", dir.display()));
    tokio::fs::create_dir_all(dir).await.map_err(unavailable)?;
    let name = format!(
        "{}-{}.json",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
        uuid::Uuid::now_v7().simple()
    );
    let message = serde_json::json!({
        "to": phone, "purpose": purpose, "template_id": template.id, "params": params,
    });
    tokio::fs::write(dir.join(name), message.to_string())
        .await
        .map_err(unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(limits: &[usize]) -> SmsTemplate {
        SmsTemplate {
            id: "1234".into(),
            param_limits: limits.to_vec(),
            params: Vec::new(),
        }
    }

    #[test]
    fn parameters_are_checked_against_the_template() {
        let code = template(&[6]);
        assert!(check_params(&code, &["123456".into()]).is_ok());
        assert!(check_params(&code, &["1234567".into()]).is_err());
        assert!(check_params(&code, &[]).is_err());
        // Characters, not bytes: a short Chinese place fits a limit of 4.
        assert!(check_params(&template(&[4, 6]), &["通州民政".into(), "123456".into()]).is_ok());
    }

    #[test]
    fn tencent_codes_map_to_what_callers_answer() {
        assert_eq!(
            by_code("LimitExceeded.PhoneNumberDailyLimit", ""),
            SmsError::RateLimited("LimitExceeded.PhoneNumberDailyLimit".into())
        );
        assert_eq!(
            by_code("FailedOperation.PhoneNumberInBlacklist", ""),
            SmsError::Blocked
        );
        assert_eq!(
            by_code("InvalidParameterValue.IncorrectPhoneNumber", ""),
            SmsError::WrongNumber
        );
        assert!(matches!(
            by_code("FailedOperation.TemplateIncorrectOrUnapproved", "x"),
            SmsError::Unavailable(_)
        ));
        assert!(sent_status(&serde_json::json!({"SendStatusSet": [{"Code": "Ok"}]})).is_ok());
        assert!(matches!(
            sent_status(&serde_json::json!({})),
            Err(SmsError::Unavailable(_))
        ));
    }
}
