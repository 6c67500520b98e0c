//! The integration-test harness: spawns the real app on a random port against a fresh
//! SQLite database or a fresh PostgreSQL database, and gives tests an HTTP client.
//!
//! PostgreSQL comes from `MINZHENG_TEST_DATABASE_URL` (a URL of a server where the test
//! user may `CREATE DATABASE`); `scripts/test` starts a throwaway cluster and sets it.
//! Write tests with [`on_both_backends!`] so that each runs on SQLite and on PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests stop at the first surprise, and each reads as one story"
)]
pub mod peers;

use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use minzheng::config::{Config, Secrets};
use minzheng::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use tempfile::TempDir;

/// The variable naming the PostgreSQL server for tests.
pub const PG_URL_VAR: &str = "MINZHENG_TEST_DATABASE_URL";

/// What it takes to start a stopped app again: config, backend, data folder, peers.
pub type Parts = (
    Config,
    Backend,
    std::sync::Arc<TempDir>,
    peers::SmtpSink,
    peers::FakeWechat,
    peers::FakeFaceId,
);

/// Which store a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running app and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub client: reqwest::Client,
    /// The app's own database connection, for tests that inspect rows.
    pub db: DatabaseConnection,
    pub config: Config,
    pub backend: Backend,
    /// The SMTP sink the app sends email to.
    pub smtp: peers::SmtpSink,
    /// The fake WeChat the app talks to.
    pub wechat: peers::FakeWechat,
    /// The fake Tencent Cloud FaceID the app talks to.
    pub faceid: peers::FakeFaceId,
    handle: ServerHandle,
    _data_dir: std::sync::Arc<TempDir>,
}

impl TestApp {
    /// The full URL of a path on the app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request failed")
    }

    /// POSTs a raw body with the given content type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request failed")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.post_raw(path, "application/json", body.to_string())
            .await
    }

    /// Stops this app gracefully and starts a new one on the same database and data folder.
    pub async fn restart(self) -> TestApp {
        self.handle.stop(true).await;
        start(
            self.config,
            self.backend,
            self._data_dir,
            self.smtp,
            self.wechat,
            self.faceid,
        )
        .await
    }

    /// Stops the app (as a crash would, as far as the database is concerned) and returns
    /// what is needed to start it again with [`TestApp::start_again`].
    pub async fn stop(self) -> Parts {
        self.handle.stop(false).await;
        (
            self.config,
            self.backend,
            self._data_dir,
            self.smtp,
            self.wechat,
            self.faceid,
        )
    }

    pub async fn start_again(parts: Parts) -> TestApp {
        Self::start_again_with(parts, test_secrets())
            .await
            .expect("the app did not start")
    }

    /// Starts it again with these keys; the start-up error, if it refuses.
    pub async fn start_again_with(
        parts: Parts,
        secrets: Secrets,
    ) -> Result<TestApp, minzheng::startup::StartupError> {
        start_with(
            parts.0, parts.1, parts.2, parts.3, parts.4, parts.5, secrets,
        )
        .await
    }

    /// Sends a request with a bearer token.
    pub fn authed(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// POSTs JSON with a bearer token and returns status and body.
    pub async fn post_as(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let res = self
            .authed(reqwest::Method::POST, path, token)
            .json(body)
            .send()
            .await
            .expect("request failed");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// GETs with a bearer token and returns status and body.
    pub async fn get_as(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let res = self
            .authed(reqwest::Method::GET, path, token)
            .send()
            .await
            .expect("request failed");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// PUTs JSON with a bearer token and returns status and body.
    pub async fn put_as(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let res = self
            .authed(reqwest::Method::PUT, path, token)
            .json(body)
            .send()
            .await
            .expect("request failed");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Uploads `bytes` to `POST /api/v1/media` as `wx.uploadFile` does (a `file` part
    /// declared as `content_type`, and a `purpose`); returns status and body.
    pub async fn upload(
        &self,
        token: &str,
        bytes: Vec<u8>,
        content_type: &str,
        purpose: &str,
    ) -> (u16, serde_json::Value) {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("upload")
            .mime_str(content_type)
            .expect("content type");
        let form = reqwest::multipart::Form::new()
            .part("file", part)
            .text("purpose", purpose.to_owned());
        let res = self
            .client
            .post(self.url("/api/v1/media"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request failed");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// DELETEs with a bearer token and returns status and body.
    pub async fn delete_as(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let res = self
            .authed(reqwest::Method::DELETE, path, token)
            .send()
            .await
            .expect("request failed");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// Starts the app on a fresh database of the given backend.
/// An HTTP client for tests that talk to a server they did not start with `spawn_app`.
pub fn http_client() -> reqwest::Client {
    minzheng::state::install_tls_provider();
    reqwest::Client::new()
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with a chance to change the configuration first.
pub async fn spawn_app_with(backend: Backend, customise: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = std::sync::Arc::new(tempfile::tempdir().expect("no temp dir"));
    let smtp = peers::SmtpSink::start().await;
    let mut config = test_config(backend, data_dir.path().to_path_buf()).await;
    config.smtp_url = Some(smtp.url());
    let wechat = peers::fake_wechat().await;
    config.wechat_api_base = wechat.address.clone();
    let faceid = peers::fake_faceid().await;
    config.faceid_endpoint = faceid.address.clone();
    config
        .wechat_templates
        .insert("proxy_granted".into(), "tmpl-proxy-granted".into());
    for (purpose, template) in [
        ("marriage_appointment", "tmpl-marriage"),
        ("waitlist_offer", "tmpl-waitlist"),
        ("draw_result", "tmpl-draw"),
        ("application_update", "tmpl-application"),
        ("funeral_booking", "tmpl-funeral"),
        ("tomb_visit", "tmpl-visit"),
        ("proxy_sweep", "tmpl-sweep"),
        ("memorial_message", "tmpl-memorial"),
        ("certification", "tmpl-certification"),
    ] {
        config
            .wechat_templates
            .insert(purpose.into(), template.into());
    }
    config.wechat_app_id = Some(peers::WECHAT_APP_ID.into());
    customise(&mut config);
    start(config, backend, data_dir, smtp, wechat, faceid).await
}

/// The configuration tests run with: port 0, a temp data folder, one worker.
pub async fn test_config(backend: Backend, data_dir: PathBuf) -> Config {
    Config {
        bind: "127.0.0.1:0".parse().expect("literal address"),
        data_dir,
        database_url: match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_pg_database().await),
        },
        workers: 1,
        log_level: "warn".into(),
        shutdown_timeout_secs: 1,
        // Every error answer of every test must be one its operation lists.
        contract_check: true,
        // The suite's own rushes (hundreds of bookings at once) must not be shed as
        // `server.busy` on a slow or shared machine; the shedding test sets its own.
        admission_wait_ms: 10_000,
        ..Config::default()
    }
}

async fn start(
    config: Config,
    backend: Backend,
    data_dir: std::sync::Arc<TempDir>,
    smtp: peers::SmtpSink,
    wechat: peers::FakeWechat,
    faceid: peers::FakeFaceId,
) -> TestApp {
    start_with(
        config,
        backend,
        data_dir,
        smtp,
        wechat,
        faceid,
        test_secrets(),
    )
    .await
    .expect("the app did not start")
}

async fn start_with(
    config: Config,
    backend: Backend,
    data_dir: std::sync::Arc<TempDir>,
    smtp: peers::SmtpSink,
    wechat: peers::FakeWechat,
    faceid: peers::FakeFaceId,
    secrets: Secrets,
) -> Result<TestApp, minzheng::startup::StartupError> {
    let app = Application::build(config.clone(), secrets).await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    Ok(TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        config,
        backend,
        smtp,
        wechat,
        faceid,
        handle,
        _data_dir: data_dir,
    })
}

/// The token signing key tests run with (so token tests can forge and tamper).
pub const TEST_TOKEN_KEY: [u8; 32] = [3; 32];

/// Fixed keys: tests never need the dev key file.
pub fn test_secrets() -> Secrets {
    Secrets {
        sealing_key: [1; 32],
        blind_index_key: [2; 32],
        token_key: TEST_TOKEN_KEY,
        previous_sealing_key: None,
        previous_token_key: None,
        blind_index_rotations: Vec::new(),
        blind_index_key_next: None,
        wechat_app_secret: Some(peers::WECHAT_SECRET.into()),
        smtp_password: None,
        faceid_secret_id: Some(peers::FACEID_SECRET_ID.into()),
        faceid_secret_key: Some(peers::FACEID_SECRET_KEY.into()),
        sms_secret_id: Some(peers::SMS_SECRET_ID.into()),
        sms_secret_key: Some(peers::SMS_SECRET_KEY.into()),
    }
}

/// Creates an empty database on the test server and returns its URL.
pub async fn fresh_pg_database() -> String {
    let admin_url = std::env::var(PG_URL_VAR).unwrap_or_else(|_| {
        panic!("{PG_URL_VAR} is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL")
    });
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url)
        .await
        .expect("cannot reach the test PostgreSQL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("cannot create a test database");
    admin.close().await.ok();
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("the URL names a database");
    format!("{base}/{name}")
}

/// Waits, when needed, until the rate limits' fixed window of `window_secs` has at least
/// `needed_secs` left. A test that counts up to a limit and ran across the window's end
/// would see the count start again (the server's windows are fixed spans of UTC time).
pub async fn with_room_in_window(window_secs: i64, needed_secs: i64) {
    let left = window_secs - chrono::Utc::now().timestamp().rem_euclid(window_secs);
    if left < needed_secs {
        tokio::time::sleep(std::time::Duration::from_secs(left as u64 + 1)).await;
    }
}

/// Declares each named `async fn name(backend: Backend)` as two tests, `name::sqlite` and
/// `name::postgres`. The functions stay plain items beside the call, so rustfmt formats
/// them (a macro body it would leave alone).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Backend::Postgres).await
                }
            }
        )*
    };
}

mod actors;
pub use actors::*;
pub mod applications;
pub mod browser;
pub mod hostile;
