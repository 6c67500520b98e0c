//! Fakes of the peers the service talks to, speaking their real wire formats on loopback:
//! WeChat's `jscode2session` (JSON over HTTP) and an SMTP server that keeps what it gets.
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// The app id and secret the fake WeChat accepts (the harness configures the app with them).
pub const WECHAT_APP_ID: &str = "wx-test-app";
pub const WECHAT_SECRET: &str = "wx-test-secret";

/// A fake WeChat API. `js_code` decides the answer:
/// `ok-<name>` → openid `openid-<name>` (and unionid `union-<name>`), `invalid` → 40029,
/// `used` → 40163, `limit` → 45011, `risky` → 40226, `busy` → -1. A wrong app id or
/// secret answers 40013, so a test fails if the service sends the wrong credentials.
/// It also hands out access tokens (`/cgi-bin/stable_token`, counting the fetches) and
/// keeps every subscribe message it accepts; one sent to `openid-refuser` gets 43101.
pub async fn fake_wechat() -> FakeWechat {
    let fake = FakeWechat {
        address: String::new(),
        sent: Arc::default(),
        token_fetches: Arc::default(),
    };
    let shared = fake.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(shared.clone()))
            .route("/sns/jscode2session", web::get().to(jscode2session))
            .route("/cgi-bin/stable_token", web::post().to(stable_token))
            .route(
                "/cgi-bin/message/subscribe/send",
                web::post().to(subscribe_send),
            )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind the fake WeChat");
    let address = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    FakeWechat { address, ..fake }
}

/// The fake WeChat and what it received.
#[derive(Clone, Default)]
pub struct FakeWechat {
    pub address: String,
    pub sent: Arc<Mutex<Vec<serde_json::Value>>>,
    pub token_fetches: Arc<std::sync::atomic::AtomicUsize>,
}

const FAKE_TOKEN: &str = "fake-access-token";

async fn stable_token(
    fake: web::Data<FakeWechat>,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    if body["appid"] != WECHAT_APP_ID
        || body["secret"] != WECHAT_SECRET
        || body["grant_type"] != "client_credential"
    {
        return HttpResponse::Ok()
            .json(serde_json::json!({"errcode": 40013, "errmsg": "invalid appid"}));
    }
    fake.token_fetches
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    HttpResponse::Ok().json(serde_json::json!({"access_token": FAKE_TOKEN, "expires_in": 7200}))
}

async fn subscribe_send(
    fake: web::Data<FakeWechat>,
    query: web::Query<std::collections::HashMap<String, String>>,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    if query.get("access_token").map(String::as_str) != Some(FAKE_TOKEN) {
        return HttpResponse::Ok()
            .json(serde_json::json!({"errcode": 40001, "errmsg": "invalid credential"}));
    }
    if body["touser"] == "openid-refuser" {
        return HttpResponse::Ok().json(
            serde_json::json!({"errcode": 43101, "errmsg": "user refuse to accept the msg"}),
        );
    }
    if !body["template_id"].is_string() || !body["data"].is_object() {
        return HttpResponse::Ok()
            .json(serde_json::json!({"errcode": 47003, "errmsg": "argument invalid"}));
    }
    fake.sent.lock().unwrap().push(body.into_inner());
    HttpResponse::Ok().json(serde_json::json!({"errcode": 0, "errmsg": "ok"}))
}

async fn jscode2session(
    query: web::Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let get = |k: &str| query.get(k).map(String::as_str).unwrap_or("");
    if get("appid") != WECHAT_APP_ID
        || get("secret") != WECHAT_SECRET
        || get("grant_type") != "authorization_code"
    {
        return HttpResponse::Ok()
            .json(serde_json::json!({"errcode": 40013, "errmsg": "invalid appid"}));
    }
    let body = match get("js_code") {
        code if code.starts_with("ok-") => {
            let name = &code[3..];
            serde_json::json!({"openid": format!("openid-{name}"), "session_key": "never-leaves-the-server", "unionid": format!("union-{name}")})
        }
        "invalid" => serde_json::json!({"errcode": 40029, "errmsg": "invalid code"}),
        "used" => serde_json::json!({"errcode": 40163, "errmsg": "code been used"}),
        "limit" => serde_json::json!({"errcode": 45011, "errmsg": "api minute-quota reach limit"}),
        "risky" => serde_json::json!({"errcode": 40226, "errmsg": "invalid high risk user"}),
        _ => serde_json::json!({"errcode": -1, "errmsg": "system error"}),
    };
    HttpResponse::Ok().json(body)
}

/// An SMTP server on loopback that accepts every message and keeps it.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::start_on(0).await
    }

    /// Starts on a given port (0 for any), e.g. to come up where a sink was missing.
    pub async fn start_on(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the SMTP sink");
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = messages.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, kept.clone()));
            }
        });
        SmtpSink { port, messages }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn count(&self) -> usize {
        self.messages.lock().unwrap().len()
    }

    /// Waits up to 10 s for a message to `to` and returns the last one.
    pub async fn wait_for(&self, to: &str) -> String {
        for _ in 0..200 {
            if let Some(m) = self
                .messages
                .lock()
                .unwrap()
                .iter()
                .rev()
                .find(|m| m.contains(to))
            {
                return m.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no email to {to} arrived");
    }
}

async fn session(stream: tokio::net::TcpStream, messages: Arc<Mutex<Vec<String>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
    let mut message = String::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-sink\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("DATA") {
            let _ = write.write_all(b"354 go on\r\n").await;
            while let Ok(Some(data)) = lines.next_line().await {
                if data == "." {
                    break;
                }
                message.push_str(&data);
                message.push('\n');
            }
            messages.lock().unwrap().push(std::mem::take(&mut message));
            b"250 kept\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            break;
        } else {
            b"250 ok\r\n"
        };
        let _ = write.write_all(reply).await;
    }
}
