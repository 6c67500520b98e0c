//! Configuration: defaults, then `minzheng.toml`, then `MINZHENG_*` environment
//! variables (and `DATABASE_URL`), then command-line flags. A wrong value stops start-up
//! with a message naming the setting. Secrets are not configuration: they come only from
//! the environment (see [`Secrets`]).
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

pub use crate::notices::SmsTemplate;

/// Where the service runs: `dev` generates missing secrets, `production` refuses to start
/// without them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Dev,
    Production,
}

/// The shape of log lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Every setting, with its default. The README's configuration table lists the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub mode: Mode,
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// Everything the embedded default writes goes here: the SQLite file, dev keys.
    pub data_dir: PathBuf,
    /// `postgres://...` for PostgreSQL, `sqlite://...` for another SQLite file; unset
    /// means SQLite in `data_dir`.
    pub database_url: Option<String>,
    pub db_max_connections: u32,
    /// Run pending migrations when `serve` starts.
    pub migrate_on_start: bool,
    /// Seed demo data (streets, the first admin) into a fresh database.
    pub seed_demo_data: bool,
    /// Answer 500 (and log why) when an error answer's code is not one its operation
    /// lists in the contract. For the test suite and the contract checks; off in service.
    pub contract_check: bool,
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `minzheng=debug,info`; `RUST_LOG` wins if set.
    pub log_level: String,
    /// The largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// A request still running after this many seconds is answered 503 `server.timeout`.
    pub request_timeout_secs: u64,
    /// On SIGTERM, how long in-flight requests may take to finish.
    pub shutdown_timeout_secs: u64,
    /// HTTP worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// Requests handled at once (health checks aside); more wait in line.
    pub max_in_flight: usize,
    /// Of those, writes (POST, PUT, PATCH, DELETE) handled at once: they queue on the
    /// database, so a few more than its connections keep it busy without a long line.
    pub max_in_flight_writes: usize,
    /// How long a request may wait in line before it is answered 503 `server.busy` with
    /// `Retry-After` (overload is answered early instead of piling up).
    pub admission_wait_ms: u64,
    /// Reverse proxies whose `X-Forwarded-For` is believed, by address or network
    /// (`["10.0.0.0/8"]`); empty means the TCP peer is the client (see docs/limits.md).
    pub trusted_proxies: Vec<String>,
    /// Where emails go, e.g. `smtp://mail.example:587` or `smtps://user@mail.example`;
    /// unset writes them as `.eml` files into `data_dir/mail` (dev).
    pub smtp_url: Option<String>,
    /// The sender of every email.
    pub mail_from: String,
    /// WeChat's API base URL (tests point it at a fake).
    pub wechat_api_base: String,
    /// The mini-program's app id; unset turns WeChat sign-in off.
    pub wechat_app_id: Option<String>,
    /// Subscribe-message template ids by purpose, e.g. `proxy_granted = "Xyz..."`
    /// (file only: `[wechat_templates]`). A purpose without a template sends no WeChat message.
    pub wechat_templates: std::collections::BTreeMap<String, String>,
    /// No-shows within `no_show_window_days` that block new marriage bookings...
    pub no_show_limit: u32,
    pub no_show_window_days: i64,
    /// ...for this many days after the last one.
    pub no_show_block_days: i64,
    /// How often background sweeps run (releasing unconfirmed appointments), in seconds.
    pub sweep_interval_secs: u64,
    /// Hours the second party has to confirm a marriage appointment before its seat is released.
    pub marriage_confirm_hours: i64,
    /// The mini-program page that opens an appointment's share link for the other party;
    /// the link is this path with `?token=`.
    pub marriage_share_page: String,
    /// Seconds a running job may stay silent before another runner takes it up (its
    /// process is taken to have died).
    pub job_stale_secs: i64,
    /// Minutes a funeral home has to confirm a booking before it lapses and its seats
    /// come back (the family is told).
    pub funeral_confirm_minutes: i64,
    /// Minutes the first person on a waitlist has to claim a freed seat before it goes
    /// to the next in line.
    pub waitlist_claim_minutes: i64,
    /// Days an untouched application draft is kept...
    pub draft_retention_days: i64,
    /// ...and how many days before its deletion its citizen is reminded.
    pub draft_reminder_days: i64,
    /// Persons who may visit one grave on one day, across all reservations (Beijing 清明
    /// practice: 5).
    pub grave_persons_per_day: i32,
    /// `miniprogram_state` of subscribe messages: `formal`, `trial` or `developer`.
    pub wechat_miniprogram_state: String,
    /// Tencent Cloud FaceID's API endpoint (tests point it at a fake); the app clients'
    /// face checks go there.
    pub faceid_endpoint: String,
    /// The Tencent Cloud region of the FaceID calls (`X-TC-Region`).
    pub faceid_region: String,
    /// The `SmsSdkAppId` of Tencent Cloud SMS. Set, SMS go to Tencent (with
    /// `MINZHENG_SMS_SECRET_ID`/`_KEY`); unset, dev mode writes them into `data_dir/sms`
    /// and the dev outbox, and production answers SMS sign-ins `auth.sms_unavailable`.
    pub sms_app_id: Option<String>,
    /// The approved SMS signature (`SignName`, needed for mainland numbers).
    pub sms_sign_name: String,
    /// Tencent Cloud SMS's API endpoint (tests point it at a fake).
    pub sms_endpoint: String,
    /// The Tencent Cloud region of the SMS calls (`X-TC-Region`).
    pub sms_region: String,
    /// SMS templates by purpose (file only: `[sms_templates.sign_in_code]` with `id` and
    /// `param_limits`, the most characters each `{1}`, `{2}`... may take under the
    /// template's review rules). Every message is checked against them before sending.
    pub sms_templates: std::collections::BTreeMap<String, SmsTemplate>,
    /// Notice SMS one number may get in a day (sign-in codes have their own limits).
    pub sms_daily_cap_per_number: u32,
    /// Notice SMS the whole service may send in a day: a runaway loop stops here.
    pub sms_daily_budget: u32,
    /// Months within which each transferee certifies again (1-24; some schemes use 6).
    pub certification_cycle_months: u32,
    /// Days before the due date from which a transferee is reminded (0-90).
    pub certification_notice_days: i64,
    /// Face attempts a person may start in one day.
    pub face_attempts_per_day: u32,
    /// Failed face attempts in a cycle after which certification goes to manual review.
    pub face_failures_before_review: u32,
    /// Where the in-process face comparison finds its model files; unset means
    /// `data_dir/face-models` (see [`Config::face_models_path`]).
    pub face_models_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            mode: Mode::Dev,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            db_max_connections: 10,
            migrate_on_start: true,
            seed_demo_data: true,
            contract_check: false,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            body_limit_bytes: 256 * 1024,
            request_timeout_secs: 30,
            shutdown_timeout_secs: 30,
            workers: 0,
            max_in_flight: 512,
            max_in_flight_writes: 32,
            admission_wait_ms: 2000,
            trusted_proxies: Vec::new(),
            smtp_url: None,
            mail_from: "民政自助服务 <noreply@minzheng.local>".into(),
            wechat_api_base: "https://api.weixin.qq.com".into(),
            wechat_app_id: None,
            wechat_templates: Default::default(),
            wechat_miniprogram_state: "formal".into(),
            faceid_endpoint: "https://faceid.tencentcloudapi.com".into(),
            faceid_region: "ap-beijing".into(),
            sms_app_id: None,
            sms_sign_name: "通州民政".into(),
            sms_endpoint: "https://sms.tencentcloudapi.com".into(),
            sms_region: "ap-beijing".into(),
            sms_templates: default_sms_templates(),
            sms_daily_cap_per_number: 5,
            sms_daily_budget: 2000,
            certification_cycle_months: 12,
            certification_notice_days: 30,
            face_attempts_per_day: 5,
            face_failures_before_review: 3,
            face_models_dir: None,
            marriage_confirm_hours: 24,
            marriage_share_page: "pages/marriage/share".into(),
            funeral_confirm_minutes: 24 * 60,
            job_stale_secs: 60,
            waitlist_claim_minutes: 30,
            draft_retention_days: 30,
            grave_persons_per_day: 5,
            draft_reminder_days: 3,
            sweep_interval_secs: 30,
            no_show_limit: 3,
            no_show_window_days: 180,
            no_show_block_days: 90,
        }
    }
}

/// The template id of the defaults: written to the data folder in dev mode, never sent
/// to Tencent (an approved template has a real id).
pub const SMS_PLACEHOLDER_ID: &str = "0";

/// The sign-in code's template and one for each notice purpose the rule may send by
/// SMS, all with the placeholder id `"0"`: dev mode writes them to the data folder, and
/// Tencent gets only those a deployment gives a real id (the others leave SMS out of
/// their purpose's channels). Limits: things and codes 12 characters, times 20, dates
/// 10, phrases 5.
fn default_sms_templates() -> std::collections::BTreeMap<String, SmsTemplate> {
    let template = |params: &[&str]| SmsTemplate {
        id: SMS_PLACEHOLDER_ID.into(),
        param_limits: params.iter().map(|p| param_limit(p)).collect(),
        params: params.iter().map(|p| (*p).to_owned()).collect(),
    };
    let mut templates: std::collections::BTreeMap<String, SmsTemplate> = [
        (
            "marriage_appointment",
            &["thing1", "time2", "character_string4"][..],
        ),
        ("waitlist_offer", &["thing1", "time2", "time3"]),
        ("draw_result", &["thing1", "date2", "phrase3"]),
        ("funeral_booking", &["thing1", "time2", "thing3"]),
        ("tomb_visit", &["thing1", "time2", "character_string3"]),
        ("proxy_sweep", &["thing1", "phrase2", "time3"]),
        ("memorial_message", &["thing1", "thing2", "time3"]),
        ("application_update", &["thing1", "phrase2", "time3"]),
        ("certification", &["thing1", "phrase2", "date3"]),
    ]
    .into_iter()
    .map(|(purpose, params)| (purpose.to_owned(), template(params)))
    .collect();
    let code = SmsTemplate {
        param_limits: vec![6],
        params: Vec::new(),
        ..template(&[])
    };
    templates.insert("sign_in_code".to_owned(), code);
    templates
}

/// A default template parameter's length, by the notice field's kind.
fn param_limit(field: &str) -> usize {
    match field.trim_end_matches(|c: char| c.is_ascii_digit()) {
        "time" => 20,
        "date" => 10,
        "phrase" => 5,
        _ => 12,
    }
}

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
pub struct ConfigError(String);

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
fn describe(err: figment::Error) -> String {
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

fn reject_secrets_in_file(path: &Path) -> Result<(), ConfigError> {
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

/// Keys that must not live in a file: 32 bytes each, base64 in the environment.
#[derive(Clone)]
pub struct Secrets {
    /// AES-256-GCM key for personal data at rest.
    pub sealing_key: [u8; 32],
    /// HMAC key of the blind index that finds sealed ID numbers.
    pub blind_index_key: [u8; 32],
    /// Signing key of access tokens.
    pub token_key: [u8; 32],
    /// `MINZHENG_SEALING_KEY_PREVIOUS`, optional: the key before the last rotation; values
    /// sealed with it still open, new ones use the current key.
    pub previous_sealing_key: Option<[u8; 32]>,
    /// `MINZHENG_TOKEN_KEY_PREVIOUS`, optional: tokens signed with it stay valid until they expire.
    pub previous_token_key: Option<[u8; 32]>,
    /// `MINZHENG_BLIND_INDEX_KEY_ROTATIONS`, optional: the keys of the blind index's
    /// rotations, oldest first, comma-separated (`minzheng rotate-blind-index` prints
    /// the value to set). The blind-index key itself stays.
    pub blind_index_rotations: Vec<[u8; 32]>,
    /// `MINZHENG_BLIND_INDEX_KEY_NEXT`, optional: the new key for
    /// `minzheng rotate-blind-index` (the service itself does not use it).
    pub blind_index_key_next: Option<[u8; 32]>,
    /// `MINZHENG_WECHAT_APP_SECRET`, optional: WeChat sign-in needs it.
    pub wechat_app_secret: Option<String>,
    /// `MINZHENG_SMTP_PASSWORD`, optional: for an SMTP server that wants a login.
    pub smtp_password: Option<String>,
    /// `MINZHENG_FACEID_SECRET_ID` and `MINZHENG_FACEID_SECRET_KEY`, optional: Tencent
    /// Cloud FaceID (app clients' face checks) needs both.
    pub faceid_secret_id: Option<String>,
    pub faceid_secret_key: Option<String>,
    /// `MINZHENG_SMS_SECRET_ID` and `MINZHENG_SMS_SECRET_KEY`: Tencent Cloud SMS needs
    /// both when `sms_app_id` is set.
    pub sms_secret_id: Option<String>,
    pub sms_secret_key: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

/// The file in the data folder that holds generated development keys.
pub const DEV_SECRETS_FILE: &str = "dev-secrets.env";

impl Secrets {
    /// Reads the keys from the environment. In dev mode a missing key is taken from, or
    /// generated into, `data_dir/dev-secrets.env` with a warning; in production it is an error.
    pub fn load(config: &Config) -> Result<Secrets, ConfigError> {
        let dev_file = config.data_dir.join(DEV_SECRETS_FILE);
        let mut stored = match config.mode {
            Mode::Dev => read_env_file(&dev_file)?,
            Mode::Production => Vec::new(),
        };
        let mut keys = Vec::with_capacity(SECRET_VARS.len());
        let mut generated = false;
        for var in SECRET_VARS {
            let value = match std::env::var(var) {
                Ok(value) => value,
                Err(_) if config.mode == Mode::Production => {
                    return Err(ConfigError(format!(
                        "{var} is not set; production mode needs every secret in the environment"
                    )));
                }
                Err(_) => match stored.iter().find(|(k, _)| k == var) {
                    Some((_, v)) => v.clone(),
                    None => {
                        generated = true;
                        let value = STANDARD.encode(random_bytes()?);
                        stored.push((var.to_owned(), value.clone()));
                        value
                    }
                },
            };
            keys.push(decode_key(var, &value)?);
        }
        if generated {
            write_env_file(&dev_file, &stored)?;
        }
        if config.mode == Mode::Dev && SECRET_VARS.iter().any(|v| std::env::var(v).is_err()) {
            tracing::warn!(file = %dev_file.display(), "dev mode: using development keys from the data folder; set MINZHENG_SEALING_KEY, MINZHENG_BLIND_INDEX_KEY and MINZHENG_TOKEN_KEY in production");
        }
        Ok(Secrets {
            sealing_key: keys[0],
            blind_index_key: keys[1],
            token_key: keys[2],
            previous_sealing_key: optional_key("MINZHENG_SEALING_KEY_PREVIOUS")?,
            previous_token_key: optional_key("MINZHENG_TOKEN_KEY_PREVIOUS")?,
            blind_index_rotations: key_list("MINZHENG_BLIND_INDEX_KEY_ROTATIONS")?,
            blind_index_key_next: optional_key("MINZHENG_BLIND_INDEX_KEY_NEXT")?,
            wechat_app_secret: std::env::var("MINZHENG_WECHAT_APP_SECRET").ok(),
            smtp_password: std::env::var("MINZHENG_SMTP_PASSWORD").ok(),
            faceid_secret_id: std::env::var("MINZHENG_FACEID_SECRET_ID").ok(),
            faceid_secret_key: std::env::var("MINZHENG_FACEID_SECRET_KEY").ok(),
            sms_secret_id: std::env::var("MINZHENG_SMS_SECRET_ID").ok(),
            sms_secret_key: std::env::var("MINZHENG_SMS_SECRET_KEY").ok(),
        })
    }
}

/// A comma-separated list of keys (empty when the variable is not set).
fn key_list(var: &str) -> Result<Vec<[u8; 32]>, ConfigError> {
    std::env::var(var)
        .ok()
        .iter()
        .flat_map(|value| value.split(','))
        .filter(|part| !part.trim().is_empty())
        .map(|part| decode_key(var, part))
        .collect()
}

fn optional_key(var: &str) -> Result<Option<[u8; 32]>, ConfigError> {
    std::env::var(var)
        .ok()
        .map(|value| decode_key(var, &value))
        .transpose()
}

fn decode_key(var: &str, value: &str) -> Result<[u8; 32], ConfigError> {
    STANDARD
        .decode(value.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            ConfigError(format!(
                "{var} must be 32 bytes in standard base64 (openssl rand -base64 32)"
            ))
        })
}

fn random_bytes() -> Result<[u8; 32], ConfigError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| ConfigError(format!("no randomness for a dev key: {e}")))?;
    Ok(key)
}

fn read_env_file(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(Vec::new());
    };
    Ok(text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect())
}

fn write_env_file(path: &Path, pairs: &[(String, String)]) -> Result<(), ConfigError> {
    let fail = |e: std::io::Error| {
        ConfigError(format!("cannot write dev keys to {}: {e}", path.display()))
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut text =
        String::from("# Development keys generated by minzheng. Never use them in production.\n");
    for (k, v) in pairs {
        text.push_str(&format!("{k}={v}\n"));
    }
    write_private(path, &text).map_err(fail)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail's closures answer figment's own large error"
)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order_defaults_file_environment_flags() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "minzheng.toml",
                "bind = \"127.0.0.1:9000\"\nworkers = 3\nlog_format = \"json\"\n",
            )?;
            jail.set_env("MINZHENG_WORKERS", "5");
            jail.set_env("DATABASE_URL", "postgres://u@localhost/db");
            let flags = Overrides {
                data_dir: Some("/srv/data".into()),
                bind: None,
            };
            let config = Config::load(None, &flags).map_err(|e| e.to_string())?;
            assert_eq!(config.bind, "127.0.0.1:9000".parse().unwrap());
            assert_eq!(config.workers, 5, "the environment wins over the file");
            assert_eq!(config.log_format, LogFormat::Json);
            assert_eq!(
                config.data_dir,
                PathBuf::from("/srv/data"),
                "flags win over everything"
            );
            assert_eq!(
                config.database_url.as_deref(),
                Some("postgres://u@localhost/db")
            );
            assert_eq!(
                config.request_timeout_secs, 30,
                "untouched settings keep their default"
            );
            Ok(())
        });
    }

    #[test]
    fn wrong_values_name_the_setting() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MINZHENG_DB_MAX_CONNECTIONS", "many");
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("db_max_connections") && err.contains("MINZHENG_DB_MAX_CONNECTIONS"),
                "{err}"
            );
            jail.set_env("MINZHENG_DB_MAX_CONNECTIONS", "0");
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("db_max_connections must be greater than 0"),
                "{err}"
            );
            jail.set_env("MINZHENG_DB_MAX_CONNECTIONS", "4");
            jail.set_env("DATABASE_URL", "mysql://x");
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("database_url"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_are_a_list_of_addresses_or_networks() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MINZHENG_TRUSTED_PROXIES", r#"["10.0.0.0/8", "192.0.2.7"]"#);
            let config = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(config.trusted_proxies, vec!["10.0.0.0/8", "192.0.2.7"]);
            jail.set_env("MINZHENG_TRUSTED_PROXIES", r#"["proxy.local"]"#);
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("trusted_proxies"), "{err}");
            Ok(())
        });
    }

    #[test]
    #[expect(clippy::too_many_lines, reason = "every default and bound in one test")]
    fn certification_and_faceid_settings_have_defaults_and_bounds() {
        figment::Jail::expect_with(|jail| {
            let config = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(config.certification_cycle_months, 12);
            assert_eq!(config.certification_notice_days, 30);
            assert_eq!(config.face_attempts_per_day, 5);
            assert_eq!(config.face_failures_before_review, 3);
            assert_eq!(config.faceid_endpoint, "https://faceid.tencentcloudapi.com");
            assert_eq!(config.faceid_region, "ap-beijing");
            assert_eq!(
                config.face_models_path(),
                config.data_dir.join("face-models")
            );
            jail.create_file(
                "minzheng.toml",
                "face_models_dir = \"/srv/models\"\nfaceid_region = \"ap-shanghai\"\n",
            )?;
            jail.set_env("MINZHENG_CERTIFICATION_CYCLE_MONTHS", "6");
            let config = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(config.certification_cycle_months, 6);
            assert_eq!(config.faceid_region, "ap-shanghai");
            assert_eq!(config.face_models_path(), PathBuf::from("/srv/models"));
            // Each: the variable, a wrong value, the message naming it, a valid value.
            let wrong = [
                (
                    "MINZHENG_CERTIFICATION_CYCLE_MONTHS",
                    "25",
                    "certification_cycle_months must be between 1 and 24",
                    "12",
                ),
                (
                    "MINZHENG_CERTIFICATION_NOTICE_DAYS",
                    "91",
                    "certification_notice_days must be between 0 and 90",
                    "30",
                ),
                (
                    "MINZHENG_FACE_ATTEMPTS_PER_DAY",
                    "0",
                    "face_attempts_per_day must be greater than 0",
                    "5",
                ),
                (
                    "MINZHENG_FACE_FAILURES_BEFORE_REVIEW",
                    "0",
                    "face_failures_before_review must be greater than 0",
                    "3",
                ),
                (
                    "MINZHENG_FACEID_ENDPOINT",
                    "faceid.local",
                    "faceid_endpoint must be an https://",
                    "https://faceid.example",
                ),
            ];
            for (var, value, message, valid) in wrong {
                jail.set_env(var, value);
                let err = Config::load(None, &Overrides::default())
                    .unwrap_err()
                    .to_string();
                assert!(err.contains(message), "{err}");
                jail.set_env(var, valid);
            }
            Ok(())
        });
    }

    #[test]
    fn faceid_secrets_are_refused_in_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("minzheng.toml", "faceid_secret_key = \"abc\"\n")?;
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("MINZHENG_FACEID_SECRET_KEY"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn unknown_settings_in_the_file_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("minzheng.toml", "bnid = \"127.0.0.1:9000\"\n")?;
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("bnid"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_named_file_must_exist() {
        let err = Config::load(
            Some(Path::new("/no/such/minzheng.toml")),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("/no/such/minzheng.toml"));
    }

    #[test]
    fn dev_keys_are_generated_once_and_reused() {
        figment::Jail::expect_with(|jail| {
            let config = Config {
                data_dir: jail.directory().join("data"),
                ..Config::default()
            };
            let first = Secrets::load(&config).map_err(|e| e.to_string())?;
            let second = Secrets::load(&config).map_err(|e| e.to_string())?;
            assert_eq!(first.sealing_key, second.sealing_key);
            assert_ne!(first.sealing_key, first.token_key);
            assert!(config.data_dir.join(DEV_SECRETS_FILE).exists());
            Ok(())
        });
    }
}
