//! Headless Chromium for the console's end-to-end tests: Debian's `chromium`, driven over
//! WebDriver by Debian's `chromedriver` on loopback. Nothing is downloaded; `scripts/test`
//! installs both packages when they are missing.
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// How long a page gets to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(15);

pub struct Browser {
    pub client: Client,
    driver: Child,
}

fn binary(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Where screenshots go: `target/console-screenshots/` (kept after the run).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    target.join("console-screenshots")
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium window of the size.
    pub async fn start(width: u32, height: u32) -> Browser {
        let port = free_port();
        let driver = Command::new(binary("CHROMEDRIVER", "chromedriver"))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver not found: install Debian's chromium and chromium-driver (scripts/test does)");
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--lang=zh-CN",
            &format!("--window-size={width},{height}"),
        ];
        // The browser's console (script errors, console.error, failed loads) is kept for
        // `problems`, so that a page that works only by luck fails its test.
        let caps = json!({"goog:chromeOptions": {"binary": binary("CHROMIUM", "/usr/bin/chromium"), "args": args},
            "goog:loggingPrefs": {"browser": "ALL"}});
        let caps = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no WebDriver session from chromedriver: {e}"),
            }
        };
        Browser { client, driver }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!(
                "{css} did not appear ({e}); the page says: {}",
                self.text("body").await
            ),
        }
    }

    /// The visible text of the first element matching `css` (empty when there is none).
    pub async fn text(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the element's text contains `needle`; returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let text = self.text(css).await;
            if text.contains(needle) {
                return text;
            }
            if started.elapsed() > PATIENCE {
                self.screenshot("failure").await;
                panic!(
                    "{css} never showed {needle:?}; it shows {text:?}; the page says: {}",
                    self.text("body").await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types into the field (after clearing it).
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// Presses keys on whatever has the focus, as a keyboard user would.
    pub async fn keys(&self, keys: &str) {
        let focused = self
            .client
            .active_element()
            .await
            .expect("a focused element");
        focused.send_keys(keys).await.expect("keys");
    }

    /// Runs a script in the page and returns its value.
    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.expect("script")
    }

    /// Saves a PNG of the window as `target/console-screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// The errors in the browser's console since the last call: script errors,
    /// `console.error`, invalid markup (such as a bad `pattern`) and failed loads. A
    /// refusal of the API (a 4xx under `/api/`) is not one: the page shows it, and tests
    /// provoke them on purpose.
    pub async fn problems(&self) -> Vec<String> {
        let log = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("browser log");
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .filter_map(|e| e["message"].as_str())
            .filter(|m| !is_api_refusal(m))
            .map(str::to_owned)
            .collect()
    }

    /// Ends the session; panics if the browser's console shows any problem.
    pub async fn close(mut self) {
        let problems = self.problems().await;
        assert!(
            problems.is_empty(),
            "the browser's console shows errors: {problems:#?}"
        );
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A failed test never reaches `close`: do not leave chromedriver behind.
        let _ = self.driver.kill();
    }
}

/// Chromedriver's log of the page's console (`POST /session/{id}/se/log`); each call
/// answers what was logged since the previous one.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type": "browser"}"#.to_owned()),
        )
    }
}

/// "http://127.0.0.1:PORT/api/v1/... - Failed to load resource: the server responded with
/// a status of 4NN (...)": an answer of the API the page handles.
fn is_api_refusal(message: &str) -> bool {
    let Some((url, rest)) = message.split_once(' ') else {
        return false;
    };
    let status = rest
        .split("with a status of ")
        .nth(1)
        .and_then(|s| s.get(..3))
        .unwrap_or_default();
    url.contains("/api/") && status.starts_with('4')
}

#[cfg(test)]
mod tests {
    use super::is_api_refusal;

    #[test]
    fn only_refusals_of_the_api_are_not_problems() {
        let refusal = "http://127.0.0.1:4000/api/v1/auth/staff/sessions - Failed to load resource: the server responded with a status of 401 (Unauthorized)";
        assert!(is_api_refusal(refusal));
        for problem in [
            "http://127.0.0.1:4000/favicon.ico - Failed to load resource: the server responded with a status of 404 (Not Found)",
            "http://127.0.0.1:4000/api/v1/resources - Failed to load resource: the server responded with a status of 500 (Internal Server Error)",
            "http://127.0.0.1:4000/console/assets/app.js 12:5 Uncaught TypeError: x is undefined",
            "Pattern attribute value [a-z0-9._-]{3,40} is not a valid regular expression",
        ] {
            assert!(!is_api_refusal(problem), "{problem}");
        }
    }
}
