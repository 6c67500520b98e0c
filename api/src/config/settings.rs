//! The settings and their defaults.
use crate::notices::SmsTemplate;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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
pub(super) fn default_sms_templates() -> std::collections::BTreeMap<String, SmsTemplate> {
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
pub(super) fn param_limit(field: &str) -> usize {
    match field.trim_end_matches(|c: char| c.is_ascii_digit()) {
        "time" => 20,
        "date" => 10,
        "phrase" => 5,
        _ => 12,
    }
}
