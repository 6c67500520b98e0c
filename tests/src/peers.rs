//! Fakes of the peers the service talks to, speaking their real wire formats on loopback:
//! WeChat's server API (JSON over HTTP), Tencent Cloud FaceID (signed JSON over HTTP) and
//! an SMTP server that keeps what it gets.
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use sha2::{Digest, Sha256};
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
/// Face verification (`getverifyid`, `queryverifyinfo`): see [`FakeWechat::finish_face`].
/// Phone numbers (`getuserphonenumber`): the `code` `phone-<11 digits>` answers that
/// mainland number (`phone-<11 digits>.<anything>` too, for a second code of one number), `abroad-<digits>` a number with `countryCode` 1, `other-app` a
/// watermark of another app, `invalid` 40029, `limit` 45011, anything else -1; a code
/// works once (a second use answers 40029), and a wrong access token 40001.
pub async fn fake_wechat() -> FakeWechat {
    let fake = FakeWechat::default();
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
            .route(
                "/wxa/business/getuserphonenumber",
                web::post().to(getuserphonenumber),
            )
            .route(
                "/cityservice/face/identify/getverifyid",
                web::post().to(getverifyid),
            )
            .route(
                "/cityservice/face/identify/queryverifyinfo",
                web::post().to(queryverifyinfo),
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
    face: Arc<Mutex<FaceVerification>>,
    phone_codes_used: Arc<Mutex<std::collections::HashSet<String>>>,
}

/// Errcodes of the fake's face verification. WeChat's pages for `getverifyid` and
/// `queryverifyinfo` list no errcodes: 47001 (data format error) and 40003 (invalid
/// openid) are WeChat's general ones, the 8400x are this fake's picks (after 84001
/// "invalid identify id" of WeChat's older face API). The service only needs errcode ≠ 0.
/// A missing or malformed field: `out_seq_no` not 5-32 of `[0-9A-Za-z_-]`, `cert_type`
/// not `IDENTITY_CARD`, an empty name, ID number or openid.
pub const FACE_ERR_BAD_REQUEST: i64 = 47001;
/// `openid` at `queryverifyinfo` is not the one given to `getverifyid`.
pub const FACE_ERR_OPENID_MISMATCH: i64 = 40003;
/// No such `verify_id`.
pub const FACE_ERR_UNKNOWN_VERIFY_ID: i64 = 84001;
/// The `verify_id` is past its `expires_in`.
pub const FACE_ERR_VERIFY_ID_EXPIRED: i64 = 84002;
/// `cert_hash` is not the hash of the identity given to `getverifyid`.
pub const FACE_ERR_CERT_HASH_MISMATCH: i64 = 84003;
/// `out_seq_no` at `queryverifyinfo` is not the one given to `getverifyid`.
pub const FACE_ERR_OUT_SEQ_NO_MISMATCH: i64 = 84004;
/// `getverifyid` with an `out_seq_no` used before.
pub const FACE_ERR_OUT_SEQ_NO_REUSED: i64 = 84005;

/// One call to WeChat's face verification as the fake saw it and answered it.
#[derive(Clone, Debug)]
pub struct FaceCall {
    /// `getverifyid` or `queryverifyinfo`.
    pub api: &'static str,
    pub body: serde_json::Value,
    pub answer: serde_json::Value,
}

/// The fake's face-verification sessions by `verify_id`, and every call.
struct FaceVerification {
    sessions: HashMap<String, VerifySession>,
    calls: Vec<FaceCall>,
    /// The `expires_in` of new sessions, in seconds.
    expires_in: u64,
}

impl Default for FaceVerification {
    fn default() -> Self {
        FaceVerification {
            sessions: HashMap::new(),
            calls: Vec::new(),
            // WeChat's default lifetime of a verify_id.
            expires_in: 3600,
        }
    }
}

struct VerifySession {
    out_seq_no: String,
    /// The hash of the identity `getverifyid` was given, computed here.
    cert_hash: String,
    openid: String,
    expires_at: Instant,
    /// Set by the test as the person's face check ends; none yet answers 90017.
    verify_ret: Option<i64>,
}

impl FakeWechat {
    /// The `expires_in` of verify_ids handed out from now on (default 3600 s); 1 lets a
    /// test see one expire.
    pub fn set_verify_expires_in(&self, seconds: u64) {
        self.face.lock().unwrap().expires_in = seconds;
    }

    /// As if the person had done `wx.requestFacialVerify` with `verify_id`: later
    /// `queryverifyinfo` calls answer `verify_ret` (10000 passed, 90002-90006 cancelled,
    /// 90017 timeout, 90199 system error, ...). Panics on an unknown verify_id.
    pub fn finish_face(&self, verify_id: &str, verify_ret: i64) {
        self.face
            .lock()
            .unwrap()
            .sessions
            .get_mut(verify_id)
            .unwrap_or_else(|| panic!("the fake WeChat never handed out {verify_id}"))
            .verify_ret = Some(verify_ret);
    }

    /// Every face-verification call so far, in order, with the fake's answer.
    pub fn face_calls(&self) -> Vec<FaceCall> {
        self.face.lock().unwrap().calls.clone()
    }
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

/// WeChat's errcode answer.
fn errcode(code: i64, message: &str) -> serde_json::Value {
    serde_json::json!({"errcode": code, "errmsg": message})
}

/// cert_hash written out here rather than taken from the service, so that a mistake in
/// the service's version shows up as a mismatch.
fn expected_cert_hash(name: &str, id_number: &str) -> String {
    let b64 = |value: &str| base64::engine::general_purpose::STANDARD.encode(value);
    let text = format!(
        "cert_type={}&cert_name={}&cert_no={}",
        b64("IDENTITY_CARD"),
        b64(name),
        b64(id_number)
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

async fn getverifyid(
    fake: web::Data<FakeWechat>,
    query: web::Query<HashMap<String, String>>,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    let body = body.into_inner();
    let mut face = fake.face.lock().unwrap();
    let answer = if query.get("access_token").map(String::as_str) != Some(FAKE_TOKEN) {
        errcode(40001, "invalid credential")
    } else {
        face.start(&body)
    };
    face.calls.push(FaceCall {
        api: "getverifyid",
        body,
        answer: answer.clone(),
    });
    HttpResponse::Ok().json(answer)
}

async fn queryverifyinfo(
    fake: web::Data<FakeWechat>,
    query: web::Query<HashMap<String, String>>,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    let body = body.into_inner();
    let mut face = fake.face.lock().unwrap();
    let answer = if query.get("access_token").map(String::as_str) != Some(FAKE_TOKEN) {
        errcode(40001, "invalid credential")
    } else {
        face.query(&body)
    };
    face.calls.push(FaceCall {
        api: "queryverifyinfo",
        body,
        answer: answer.clone(),
    });
    HttpResponse::Ok().json(answer)
}

impl FaceVerification {
    fn start(&mut self, body: &serde_json::Value) -> serde_json::Value {
        let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
        let out_seq_no = text(&body["out_seq_no"]);
        let cert = &body["cert_info"];
        let (name, id_number, openid) = (
            text(&cert["cert_name"]),
            text(&cert["cert_no"]),
            text(&body["openid"]),
        );
        let seq_ok = (5..=32).contains(&out_seq_no.len())
            && out_seq_no
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !seq_ok
            || cert["cert_type"] != "IDENTITY_CARD"
            || name.is_empty()
            || id_number.is_empty()
            || openid.is_empty()
        {
            return errcode(FACE_ERR_BAD_REQUEST, "data format error");
        }
        if self.sessions.values().any(|s| s.out_seq_no == out_seq_no) {
            return errcode(FACE_ERR_OUT_SEQ_NO_REUSED, "out_seq_no already used");
        }
        let verify_id = format!("verify-{}", uuid::Uuid::new_v4().simple());
        self.sessions.insert(
            verify_id.clone(),
            VerifySession {
                out_seq_no,
                cert_hash: expected_cert_hash(&name, &id_number),
                openid,
                expires_at: Instant::now() + Duration::from_secs(self.expires_in),
                verify_ret: None,
            },
        );
        serde_json::json!({"errcode": 0, "errmsg": "ok", "verify_id": verify_id, "expires_in": self.expires_in})
    }

    fn query(&self, body: &serde_json::Value) -> serde_json::Value {
        let Some(session) = body["verify_id"]
            .as_str()
            .and_then(|id| self.sessions.get(id))
        else {
            return errcode(FACE_ERR_UNKNOWN_VERIFY_ID, "invalid verify_id");
        };
        if body["out_seq_no"] != session.out_seq_no.as_str() {
            return errcode(FACE_ERR_OUT_SEQ_NO_MISMATCH, "out_seq_no does not match");
        }
        if body["openid"] != session.openid.as_str() {
            return errcode(FACE_ERR_OPENID_MISMATCH, "invalid openid");
        }
        if body["cert_hash"] != session.cert_hash.as_str() {
            return errcode(FACE_ERR_CERT_HASH_MISMATCH, "cert_hash does not match");
        }
        if Instant::now() >= session.expires_at {
            return errcode(FACE_ERR_VERIFY_ID_EXPIRED, "verify_id expired");
        }
        // 90017: the check timed out, which is what WeChat reports for one never done.
        let verify_ret = session.verify_ret.unwrap_or(90017);
        serde_json::json!({"errcode": 0, "errmsg": "ok", "verify_ret": verify_ret})
    }
}

async fn getuserphonenumber(
    fake: web::Data<FakeWechat>,
    query: web::Query<std::collections::HashMap<String, String>>,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    if query.get("access_token").map(String::as_str) != Some(FAKE_TOKEN) {
        return HttpResponse::Ok().json(errcode(40001, "invalid credential"));
    }
    let code = body["code"].as_str().unwrap_or_default().to_owned();
    if !fake.phone_codes_used.lock().unwrap().insert(code.clone()) {
        return HttpResponse::Ok().json(errcode(40029, "invalid code"));
    }
    let info = |country: &str, pure: &str, appid: &str| {
        let phone = if country == "86" {
            pure.to_owned()
        } else {
            format!("+{country}{pure}")
        };
        serde_json::json!({"errcode": 0, "errmsg": "ok", "phone_info": {
            "phoneNumber": phone, "purePhoneNumber": pure, "countryCode": country,
            "watermark": {"timestamp": chrono::Utc::now().timestamp(), "appid": appid}}})
    };
    let answer = match code.as_str() {
        c if c.starts_with("phone-") => {
            let pure = c[6..].split('.').next().unwrap_or_default();
            info("86", pure, WECHAT_APP_ID)
        }
        c if c.starts_with("abroad-") => info("1", &c[7..], WECHAT_APP_ID),
        "other-app" => info("86", "13800138000", "wx-another-app"),
        "invalid" => errcode(40029, "invalid code"),
        "limit" => errcode(45011, "api minute-quota reach limit"),
        _ => errcode(-1, "system error"),
    };
    HttpResponse::Ok().json(answer)
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

/// The FaceID credentials the fake accepts (`test_secrets()` gives the app these).
pub const FACEID_SECRET_ID: &str = "AKIDfakeFaceIdTestSecretId";
pub const FACEID_SECRET_KEY: &str = "fake-faceid-test-secret-key";

/// The `Result` of `GetFaceIdResult` for a token whose check has not been finished with
/// [`FakeFaceId::finish`]: the fake's own code (Tencent's list has none for "not yet").
pub const FACEID_NOT_FINISHED: &str = "-999";

/// A fake Tencent Cloud FaceID (API 3.0, `POST /`, the action in `X-TC-Action`). Every
/// request's TC3-HMAC-SHA256 signature is recomputed here with [`FACEID_SECRET_KEY`]
/// (signing written out in this file, not the service's): a wrong one answers
/// `AuthFailure.SignatureFailure`, an unknown SecretId `AuthFailure.SecretIdNotFound`, a
/// timestamp more than 5 minutes off `AuthFailure.SignatureExpire`, a malformed
/// `Authorization` or credential scope `AuthFailure.InvalidAuthorization`, a version other
/// than 2018-03-01 `NoSuchVersion`; each of these counts in
/// [`FakeFaceId::signature_failures`]. Errors come as Tencent sends them: HTTP 200 with
/// `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`.
/// - `GetFaceIdToken` needs `CompareLib` `BUSINESS` (else `InvalidParameterValue`) and
///   `IdCard` and `Name` (else `MissingParameter`); answers a fresh `FaceIdToken`.
/// - `GetFaceIdResult` with an unknown `FaceIdToken` answers `InvalidParameterValue`;
///   otherwise `Result`, `Description`, `Similarity`, `IdCard`, `Name` as set by
///   [`FakeFaceId::finish`], or `Result` [`FACEID_NOT_FINISHED`] before that.
/// - Any other action answers `InvalidAction`.
///
/// The 10-minute life of a token is not modelled: tests cannot wait that long.
pub async fn fake_faceid() -> FakeFaceId {
    let fake = FakeFaceId::default();
    let shared = fake.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(shared.clone()))
            .route("/", web::post().to(faceid_api))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind the fake FaceID");
    let address = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    FakeFaceId { address, ..fake }
}

/// The fake FaceID and what it saw.
#[derive(Clone, Default)]
pub struct FakeFaceId {
    /// `http://127.0.0.1:PORT`, the app's `faceid_endpoint`.
    pub address: String,
    state: Arc<Mutex<FaceIdState>>,
    signature_failures: Arc<AtomicUsize>,
}

#[derive(Default)]
struct FaceIdState {
    tokens: HashMap<String, FaceIdSession>,
    calls: Vec<FaceIdCall>,
}

struct FaceIdSession {
    id_card: String,
    name: String,
    /// `Result` and `Similarity`, once the test finished the check.
    outcome: Option<(String, f32)>,
}

/// One request to the fake FaceID: its `X-TC-Action`, body and the `Response` answered.
#[derive(Clone, Debug)]
pub struct FaceIdCall {
    pub action: String,
    pub body: serde_json::Value,
    pub answer: serde_json::Value,
}

impl FakeFaceId {
    /// As if the person had run Tencent's SDK with `token`: `GetFaceIdResult` answers
    /// `result` ("0" success; e.g. "-1101" a face that does not match) and `similarity`
    /// (0-100). Panics on a token the fake never handed out.
    pub fn finish(&self, token: &str, result: &str, similarity: f32) {
        self.state
            .lock()
            .unwrap()
            .tokens
            .get_mut(token)
            .unwrap_or_else(|| panic!("the fake FaceID never handed out {token}"))
            .outcome = Some((result.to_owned(), similarity));
    }

    /// Requests refused for their signature or credentials (every `AuthFailure.*` and
    /// `NoSuchVersion`): a test asserts 0 to know the service signs right.
    pub fn signature_failures(&self) -> usize {
        self.signature_failures.load(Ordering::SeqCst)
    }

    /// Every request so far, in order.
    pub fn calls(&self) -> Vec<FaceIdCall> {
        self.state.lock().unwrap().calls.clone()
    }
}

async fn faceid_api(
    fake: web::Data<FakeFaceId>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let action = header(&request, "x-tc-action").to_owned();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut state = fake.state.lock().unwrap();
    let mut answer = match check_tc3(&request, &body, &FACEID) {
        Err(refusal) => {
            fake.signature_failures.fetch_add(1, Ordering::SeqCst);
            refusal
        }
        Ok(()) => match action.as_str() {
            "GetFaceIdToken" => state.token(&json),
            "GetFaceIdResult" => state.result(&json),
            _ => tencent_error("InvalidAction", "no such action"),
        },
    };
    answer["RequestId"] = uuid::Uuid::new_v4().to_string().into();
    state.calls.push(FaceIdCall {
        action,
        body: json,
        answer: answer.clone(),
    });
    HttpResponse::Ok().json(serde_json::json!({"Response": answer}))
}

fn tencent_error(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({"Error": {"Code": code, "Message": message}})
}

fn header<'r>(request: &'r HttpRequest, name: &str) -> &'r str {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// What a Tencent Cloud product checks of a request: its version, its service name in
/// the credential scope, and the one key pair it knows.
struct Product {
    version: &'static str,
    service: &'static str,
    secret_id: &'static str,
    secret_key: &'static str,
}

const FACEID: Product = Product {
    version: "2018-03-01",
    service: "faceid",
    secret_id: FACEID_SECRET_ID,
    secret_key: FACEID_SECRET_KEY,
};

/// Checks a request as Tencent does; `Err` holds the `Response` of the refusal.
fn check_tc3(
    request: &HttpRequest,
    body: &[u8],
    product: &Product,
) -> Result<(), serde_json::Value> {
    let invalid = |message: &str| tencent_error("AuthFailure.InvalidAuthorization", message);
    if header(request, "x-tc-version") != product.version {
        return Err(tencent_error(
            "NoSuchVersion",
            &format!("{} speaks {}", product.service, product.version),
        ));
    }
    let fields: HashMap<&str, &str> = header(request, "authorization")
        .strip_prefix("TC3-HMAC-SHA256 ")
        .ok_or_else(|| invalid("not TC3-HMAC-SHA256"))?
        .split(", ")
        .filter_map(|field| field.split_once('='))
        .collect();
    let (Some(credential), Some(signed_headers), Some(signature)) = (
        fields.get("Credential"),
        fields.get("SignedHeaders"),
        fields.get("Signature"),
    ) else {
        return Err(invalid(
            "Credential, SignedHeaders and Signature are needed",
        ));
    };
    let [secret_id, date, service, terminator] = credential.split('/').collect::<Vec<_>>()[..]
    else {
        return Err(invalid("Credential is SecretId/date/service/tc3_request"));
    };
    if secret_id != product.secret_id {
        return Err(tencent_error(
            "AuthFailure.SecretIdNotFound",
            "no such SecretId",
        ));
    }
    let timestamp: i64 = header(request, "x-tc-timestamp")
        .parse()
        .map_err(|_| invalid("X-TC-Timestamp is not a number"))?;
    if chrono::Utc::now().timestamp().abs_diff(timestamp) > 300 {
        return Err(tencent_error(
            "AuthFailure.SignatureExpire",
            "the timestamp is more than 5 minutes off",
        ));
    }
    let utc_date = chrono::DateTime::from_timestamp(timestamp, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    if date != utc_date || service != product.service || terminator != "tc3_request" {
        return Err(invalid(
            "the credential scope is not <UTC date of X-TC-Timestamp>/<service>/tc3_request",
        ));
    }
    let names: Vec<&str> = signed_headers.split(';').collect();
    if !names.contains(&"content-type") || !names.contains(&"host") {
        return Err(invalid("content-type and host must be signed"));
    }
    let canonical_headers: String = names
        .iter()
        .map(|name| format!("{name}:{}\n", header(request, name).trim().to_lowercase()))
        .collect();
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        request.method(),
        request.path(),
        request.query_string(),
        hex::encode(Sha256::digest(body))
    );
    if tc3_signature(
        product.secret_key,
        date,
        service,
        timestamp,
        &canonical_request,
    ) != *signature
    {
        return Err(tencent_error(
            "AuthFailure.SignatureFailure",
            "the signature does not match",
        ));
    }
    Ok(())
}

/// The TC3-HMAC-SHA256 signature of a canonical request, as Tencent's "Signature v3"
/// page describes it.
fn tc3_signature(
    secret_key: &str,
    date: &str,
    service: &str,
    timestamp: i64,
    canonical_request: &str,
) -> String {
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let secret_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac_sha256(&secret_date, service.as_bytes());
    let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
    hex::encode(hmac_sha256(&secret_signing, string_to_sign.as_bytes()))
}

/// HMAC-SHA256 written out (RFC 2104) rather than taken from the `hmac` crate the service
/// uses.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let padded = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(padded(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(padded(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

impl FaceIdState {
    fn token(&mut self, body: &serde_json::Value) -> serde_json::Value {
        if body["CompareLib"] != "BUSINESS" {
            return tencent_error("InvalidParameterValue", "CompareLib must be BUSINESS here");
        }
        let (Some(id_card), Some(name)) = (
            body["IdCard"].as_str().filter(|v| !v.is_empty()),
            body["Name"].as_str().filter(|v| !v.is_empty()),
        ) else {
            return tencent_error("MissingParameter", "IdCard and Name are required");
        };
        let token = uuid::Uuid::new_v4().to_string().to_uppercase();
        self.tokens.insert(
            token.clone(),
            FaceIdSession {
                id_card: id_card.to_owned(),
                name: name.to_owned(),
                outcome: None,
            },
        );
        serde_json::json!({"FaceIdToken": token})
    }

    fn result(&self, body: &serde_json::Value) -> serde_json::Value {
        let Some(session) = body["FaceIdToken"]
            .as_str()
            .and_then(|token| self.tokens.get(token))
        else {
            return tencent_error("InvalidParameterValue", "no such FaceIdToken");
        };
        let (result, description, similarity) = match &session.outcome {
            None => (FACEID_NOT_FINISHED, "the check has not finished", None),
            Some((result, similarity)) if result == "0" => ("0", "成功", Some(*similarity)),
            Some((result, similarity)) => (result.as_str(), "比对失败", Some(*similarity)),
        };
        serde_json::json!({
            "Result": result, "Description": description, "Similarity": similarity,
            "IdCard": session.id_card, "Name": session.name,
        })
    }
}

/// The Tencent Cloud SMS credentials and app the fake accepts.
pub const SMS_SECRET_ID: &str = "AKIDfakeSmsTestSecretId";
pub const SMS_SECRET_KEY: &str = "fake-sms-test-secret-key";
pub const SMS_APP_ID: &str = "1400000001";
pub const SMS_SIGN_NAME: &str = "通州民政";
/// The approved sign-in-code template (one parameter, the code).
pub const SMS_CODE_TEMPLATE: &str = "2000001";

const SMS: Product = Product {
    version: "2021-01-11",
    service: "sms",
    secret_id: SMS_SECRET_ID,
    secret_key: SMS_SECRET_KEY,
};

/// A fake Tencent Cloud SMS (API 3.0, `SendSms`, version 2021-01-11). The signature is
/// checked as [`fake_faceid`] checks it (with [`SMS_SECRET_KEY`]); then every field, as
/// Tencent does: an unknown field `UnknownParameter`; `PhoneNumberSet` 1 to 200 numbers,
/// each `+86` and eleven digits (else `InvalidParameterValue.IncorrectPhoneNumber`);
/// `SmsSdkAppId` [`SMS_APP_ID`] (else `FailedOperation.SmsSdkAppIdVerifyFail`);
/// `SignName` [`SMS_SIGN_NAME`] (else `FailedOperation.SignatureIncorrectOrUnapproved`);
/// `TemplateId` one of the approved ones (else `FailedOperation.TemplateIncorrectOrUnapproved`)
/// with as many `TemplateParamSet` strings as it has parameters, each within its length
/// (else `FailedOperation.TemplateParamSetNotMatchApprovedTemplate`). A number given to
/// [`FakeSms::refuse_number`] gets that `Code` in its `SendStatusSet` entry;
/// [`FakeSms::fail_calls`] makes whole calls answer an `Error`.
pub async fn fake_sms() -> FakeSms {
    let fake = FakeSms::default();
    fake.state
        .lock()
        .unwrap()
        .templates
        .insert(SMS_CODE_TEMPLATE.into(), vec![6]);
    let shared = fake.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(shared.clone()))
            .route("/", web::post().to(sms_api))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind the fake SMS");
    let address = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    FakeSms { address, ..fake }
}

/// The fake SMS and what it delivered.
#[derive(Clone, Default)]
pub struct FakeSms {
    /// `http://127.0.0.1:PORT`, the app's `sms_endpoint`.
    pub address: String,
    state: Arc<Mutex<SmsState>>,
    signature_failures: Arc<AtomicUsize>,
}

#[derive(Default)]
struct SmsState {
    /// Approved templates: id to each parameter's most characters.
    templates: HashMap<String, Vec<usize>>,
    refused: HashMap<String, String>,
    call_error: Option<String>,
    delivered: Vec<SmsDelivered>,
    calls: Vec<FaceIdCall>,
}

/// One message the fake accepted.
#[derive(Clone, Debug)]
pub struct SmsDelivered {
    pub phone: String,
    pub template_id: String,
    pub params: Vec<String>,
}

impl FakeSms {
    /// Sends to `phone` (E.164) answer `code` (`FailedOperation.PhoneNumberInBlacklist`,
    /// `LimitExceeded.PhoneNumberDailyLimit`, ...) in its `SendStatusSet` entry.
    pub fn refuse_number(&self, phone: &str, code: &str) {
        self.state
            .lock()
            .unwrap()
            .refused
            .insert(phone.into(), code.into());
    }

    /// Approves a template: `id`, with each parameter's most characters.
    pub fn approve_template(&self, id: &str, limits: &[usize]) {
        self.state
            .lock()
            .unwrap()
            .templates
            .insert(id.into(), limits.to_vec());
    }

    /// Every call answers `Error` with `code` (`InternalError.Timeout`, ...); `None` ends it.
    pub fn fail_calls(&self, code: Option<&str>) {
        self.state.lock().unwrap().call_error = code.map(str::to_owned);
    }

    /// The messages delivered so far, in order.
    pub fn delivered(&self) -> Vec<SmsDelivered> {
        self.state.lock().unwrap().delivered.clone()
    }

    /// The parameters of the last message delivered to `phone` (E.164); panics if none.
    pub fn last_params(&self, phone: &str) -> Vec<String> {
        self.delivered()
            .into_iter()
            .rev()
            .find(|m| m.phone == phone)
            .unwrap_or_else(|| panic!("the fake SMS delivered nothing to {phone}"))
            .params
    }

    /// Every request so far with its answer.
    pub fn calls(&self) -> Vec<FaceIdCall> {
        self.state.lock().unwrap().calls.clone()
    }

    /// Requests refused for their signature, credentials or version.
    pub fn signature_failures(&self) -> usize {
        self.signature_failures.load(Ordering::SeqCst)
    }
}

async fn sms_api(fake: web::Data<FakeSms>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let action = header(&request, "x-tc-action").to_owned();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut state = fake.state.lock().unwrap();
    let mut answer = match check_tc3(&request, &body, &SMS) {
        Err(refusal) => {
            fake.signature_failures.fetch_add(1, Ordering::SeqCst);
            refusal
        }
        Ok(()) if action != "SendSms" => tencent_error("InvalidAction", "no such action"),
        Ok(()) => match state.call_error.clone() {
            Some(code) => tencent_error(&code, "the fake was told to fail"),
            None => state.send(&json),
        },
    };
    answer["RequestId"] = uuid::Uuid::new_v4().to_string().into();
    state.calls.push(FaceIdCall {
        action,
        body: json,
        answer: answer.clone(),
    });
    HttpResponse::Ok().json(serde_json::json!({"Response": answer}))
}

impl SmsState {
    fn send(&mut self, body: &serde_json::Value) -> serde_json::Value {
        if let Err(refusal) = self.check_fields(body) {
            return refusal;
        }
        let template_id = body["TemplateId"].as_str().unwrap_or_default().to_owned();
        let params: Vec<String> = body["TemplateParamSet"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect();
        let mut statuses = Vec::new();
        for phone in body["PhoneNumberSet"].as_array().into_iter().flatten() {
            let phone = phone.as_str().unwrap_or_default().to_owned();
            let code = self
                .refused
                .get(&phone)
                .cloned()
                .unwrap_or_else(|| "Ok".into());
            if code == "Ok" {
                self.delivered.push(SmsDelivered {
                    phone: phone.clone(),
                    template_id: template_id.clone(),
                    params: params.clone(),
                });
            }
            statuses.push(serde_json::json!({
                "SerialNo": uuid::Uuid::new_v4().simple().to_string(), "PhoneNumber": phone,
                "Fee": u8::from(code == "Ok"), "SessionContext": "", "Message": if code == "Ok" { "send success" } else { "refused" },
                "IsoCode": "CN", "Code": code,
            }));
        }
        serde_json::json!({"SendStatusSet": statuses})
    }

    fn check_fields(&self, body: &serde_json::Value) -> Result<(), serde_json::Value> {
        const FIELDS: [&str; 8] = [
            "PhoneNumberSet",
            "SmsSdkAppId",
            "TemplateId",
            "SignName",
            "TemplateParamSet",
            "ExtendCode",
            "SessionContext",
            "SenderId",
        ];
        let object = body
            .as_object()
            .ok_or_else(|| tencent_error("InvalidParameter", "the body is not an object"))?;
        if let Some(unknown) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(tencent_error(
                "UnknownParameter",
                &format!("unknown field {unknown}"),
            ));
        }
        let phones = body["PhoneNumberSet"]
            .as_array()
            .filter(|p| (1..=200).contains(&p.len()));
        let e164 = |p: &serde_json::Value| {
            p.as_str()
                .and_then(|p| p.strip_prefix("+86"))
                .is_some_and(|n| n.len() == 11 && n.bytes().all(|b| b.is_ascii_digit()))
        };
        if !phones.is_some_and(|p| p.iter().all(e164)) {
            return Err(tencent_error(
                "InvalidParameterValue.IncorrectPhoneNumber",
                "PhoneNumberSet holds 1-200 E.164 numbers",
            ));
        }
        if body["SmsSdkAppId"] != SMS_APP_ID {
            return Err(tencent_error(
                "FailedOperation.SmsSdkAppIdVerifyFail",
                "no such SmsSdkAppId",
            ));
        }
        if body["SignName"] != SMS_SIGN_NAME {
            return Err(tencent_error(
                "FailedOperation.SignatureIncorrectOrUnapproved",
                "the signature is not approved",
            ));
        }
        let Some(limits) = body["TemplateId"]
            .as_str()
            .and_then(|id| self.templates.get(id))
        else {
            return Err(tencent_error(
                "FailedOperation.TemplateIncorrectOrUnapproved",
                "the template is not approved",
            ));
        };
        let params = body["TemplateParamSet"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let fits = params.len() == limits.len()
            && params
                .iter()
                .zip(limits)
                .all(|(p, limit)| p.as_str().is_some_and(|p| p.chars().count() <= *limit));
        if !fits {
            return Err(tencent_error(
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                "the parameters do not fit the template",
            ));
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    /// The fake's own signing against Tencent's worked example ("Signature v3":
    /// DescribeInstances on cvm, SecretKey `Gu5t9xGARNpq86cd98joQYCN3EXAMPLE`), so a
    /// signature the fake refuses is the service's fault.
    #[test]
    fn the_fake_faceid_signs_tencents_documented_example() {
        let canonical_request = "POST\n/\n\ncontent-type:application/json; charset=utf-8\n\
            host:cvm.tencentcloudapi.com\n\ncontent-type;host\n\
            35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064";
        assert_eq!(
            super::tc3_signature(
                "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                "2019-02-25",
                "cvm",
                1551113065,
                canonical_request
            ),
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }
}
