//! Loading the settings: defaults, then the file, then the environment, then command-line
//! overrides, each value checked.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::Serialize;

use super::settings::{Config, SMS_PLACEHOLDER_ID};

/// Settings given on the command line; they win over everything else.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

/// Names of the environment variables that hold secrets, never read from a file.
pub const SECRET_VARS: [&str; 3] = [
    "MINZHENG_SEALING_KEY",
    "MINZHENG_BLIND_INDEX_KEY",
    "MINZHENG_TOKEN_KEY",
];

/// Optional secrets: read from the environment when set, refused in the file like the others.
pub const OPTIONAL_SECRET_VARS: [&str; 8] = [
    "MINZHENG_BLIND_INDEX_KEY_ROTATIONS",
    "MINZHENG_BLIND_INDEX_KEY_NEXT",
    "MINZHENG_WECHAT_APP_SECRET",
    "MINZHENG_SMTP_PASSWORD",
    "MINZHENG_FACEID_SECRET_ID",
    "MINZHENG_FACEID_SECRET_KEY",
    "MINZHENG_SMS_SECRET_ID",
    "MINZHENG_SMS_SECRET_KEY",
];

/// A configuration that cannot be used; the message names the setting.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub(super) String);

impl Config {
    /// Reads the layers in order. `file` is `minzheng.toml` unless `MINZHENG_CONFIG` or
    /// `--config` names another; a named file must exist, the default one may not.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let (path, required) = match file {
            Some(path) => (path.to_path_buf(), true),
            None => (PathBuf::from("minzheng.toml"), false),
        };
        if required && !path.exists() {
            return Err(ConfigError(format!(
                "the configuration file {} does not exist",
                path.display()
            )));
        }
        reject_secrets_in_file(&path)?;
        let config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(&path))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("MINZHENG_").only(&Self::env_keys()))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| ConfigError(describe(e)))?;
        config.check()?;
        Ok(config)
    }

    /// The keys that `MINZHENG_<KEY>` may set: every field, nothing else (so secrets and
    /// the test harness's own variables are never mistaken for settings).
    fn env_keys() -> Vec<&'static str> {
        vec![
            "mode",
            "bind",
            "data_dir",
            "database_url",
            "db_max_connections",
            "migrate_on_start",
            "seed_demo_data",
            "contract_check",
            "log_format",
            "log_level",
            "body_limit_bytes",
            "request_timeout_secs",
            "shutdown_timeout_secs",
            "workers",
            "max_in_flight",
            "max_in_flight_writes",
            "admission_wait_ms",
            "trusted_proxies",
            "smtp_url",
            "mail_from",
            "wechat_api_base",
            "wechat_app_id",
            "wechat_miniprogram_state",
            "marriage_confirm_hours",
            "marriage_share_page",
            "funeral_confirm_minutes",
            "job_stale_secs",
            "waitlist_claim_minutes",
            "draft_retention_days",
            "draft_reminder_days",
            "grave_persons_per_day",
            "sweep_interval_secs",
            "no_show_limit",
            "no_show_window_days",
            "no_show_block_days",
            "faceid_endpoint",
            "faceid_region",
            "sms_app_id",
            "sms_sign_name",
            "sms_endpoint",
            "sms_region",
            "sms_daily_cap_per_number",
            "sms_daily_budget",
            "certification_cycle_months",
            "certification_notice_days",
            "face_attempts_per_day",
            "face_failures_before_review",
            "face_models_dir",
        ]
    }

    /// Checks that serde cannot express.
    #[expect(
        clippy::too_many_lines,
        reason = "one check per setting, in their order"
    )]
    fn check(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database_url {
            let known = ["postgres://", "postgresql://", "sqlite:"];
            if !known.iter().any(|prefix| url.starts_with(prefix)) {
                return Err(ConfigError(
                    "database_url (DATABASE_URL) must start with postgres:// or sqlite:".into(),
                ));
            }
        }
        let positive = [
            ("db_max_connections", self.db_max_connections as u64),
            ("body_limit_bytes", self.body_limit_bytes as u64),
            ("request_timeout_secs", self.request_timeout_secs),
            ("max_in_flight", self.max_in_flight as u64),
            ("max_in_flight_writes", self.max_in_flight_writes as u64),
            (
                "waitlist_claim_minutes",
                self.waitlist_claim_minutes.max(0) as u64,
            ),
            (
                "draft_retention_days",
                self.draft_retention_days.max(0) as u64,
            ),
            (
                "grave_persons_per_day",
                self.grave_persons_per_day.max(0) as u64,
            ),
            ("face_attempts_per_day", self.face_attempts_per_day as u64),
            (
                "face_failures_before_review",
                self.face_failures_before_review as u64,
            ),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return Err(ConfigError(format!("{name} must be greater than 0")));
        }
        if let Some(bad) = self
            .trusted_proxies
            .iter()
            .find(|entry| crate::platform::client::parse_proxy(entry).is_none())
        {
            return Err(ConfigError(format!(
                "trusted_proxies: {bad:?} is neither an IP address nor a network such as 10.0.0.0/8"
            )));
        }
        if self.request_timeout_secs > 120 {
            return Err(ConfigError(
                "request_timeout_secs must be at most 120 (WeChat gives up after 60)".into(),
            ));
        }
        if self.draft_reminder_days < 0 || self.draft_reminder_days >= self.draft_retention_days {
            return Err(ConfigError(
                "draft_reminder_days must be at least 0 and less than draft_retention_days".into(),
            ));
        }
        if !(1..=24).contains(&self.certification_cycle_months) {
            return Err(ConfigError(
                "certification_cycle_months must be between 1 and 24".into(),
            ));
        }
        if !(0..=90).contains(&self.certification_notice_days) {
            return Err(ConfigError(
                "certification_notice_days must be between 0 and 90".into(),
            ));
        }
        self.check_sms()?;
        if !["https://", "http://"]
            .iter()
            .any(|scheme| self.faceid_endpoint.starts_with(scheme))
        {
            return Err(ConfigError(
                "faceid_endpoint must be an https:// (or http://) URL".into(),
            ));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log_level).map_err(|e| {
            ConfigError(format!(
                "log_level {:?} is not a valid filter: {e}",
                self.log_level
            ))
        })?;
        Ok(())
    }

    /// SMS settings: an http(s) endpoint, and, when SMS are sent, a template for sign-in
    /// codes with one parameter of at least 6 characters.
    fn check_sms(&self) -> Result<(), ConfigError> {
        if !["https://", "http://"]
            .iter()
            .any(|scheme| self.sms_endpoint.starts_with(scheme))
        {
            return Err(ConfigError(
                "sms_endpoint must be an https:// (or http://) URL".into(),
            ));
        }
        let code = self.sms_templates.get("sign_in_code");
        if !code.is_some_and(|t| t.param_limits.len() == 1 && t.param_limits[0] >= 6) {
            return Err(ConfigError(
                "sms_templates.sign_in_code must have one parameter of at least 6 characters (the code)".into(),
            ));
        }
        if self.sms_app_id.is_some()
            && code.is_some_and(|t| t.id == SMS_PLACEHOLDER_ID || t.id.is_empty())
        {
            return Err(ConfigError(
                "sms_templates.sign_in_code.id must be the approved template's id when sms_app_id is set".into(),
            ));
        }
        for (purpose, template) in &self.sms_templates {
            if purpose != "sign_in_code" {
                crate::notices::check_sms_template(purpose, template).map_err(ConfigError)?;
            }
        }
        Ok(())
    }

    /// The folder of the face-comparison model files: `face_models_dir`, or
    /// `data_dir/face-models` when unset.
    pub fn face_models_path(&self) -> PathBuf {
        self.face_models_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("face-models"))
    }
}

/// figment's message names the key and where it came from; add which variable sets it.
pub(super) fn describe(err: figment::Error) -> String {
    err.into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let env = if key.is_empty() {
                String::new()
            } else {
                format!(" (MINZHENG_{})", key.to_uppercase())
            };
            let origin = e.metadata.as_ref().map(|meta| match &meta.source {
                Some(source) => format!(" from {} {source}", meta.name),
                None => format!(" from {}", meta.name),
            });
            format!(
                "setting `{key}`{env}{}: {}",
                origin.unwrap_or_default(),
                e.kind
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn reject_secrets_in_file(path: &Path) -> Result<(), ConfigError> {
    let file = Figment::from(Toml::file(path));
    for var in SECRET_VARS.iter().chain(&OPTIONAL_SECRET_VARS) {
        let key = var.trim_start_matches("MINZHENG_").to_lowercase();
        if file.contains(&key) {
            return Err(ConfigError(format!(
                "`{key}` is a secret: set it in the environment as {var}, not in {}",
                path.display()
            )));
        }
    }
    Ok(())
}
