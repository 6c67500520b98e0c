//! Signed-in callers for tests: staff of any role and scope, citizens by WeChat or email,
//! and valid ID numbers to bind.
use chrono::Utc;
use entity::staff_account;
use sea_orm::{EntityTrait, Set};
use serde_json::{Value, json};

use crate::TestApp;

/// The password every test staff account starts with.
pub const STAFF_PASSWORD: &str = "a long test passphrase";

/// A signed-in staff member.
#[derive(Clone, Debug)]
pub struct StaffLogin {
    pub id: String,
    pub username: String,
    pub access: String,
    pub refresh: String,
    /// The base32 TOTP secret when two-factor authentication was set up.
    pub totp_secret: Option<String>,
}

/// A signed-in citizen.
#[derive(Clone, Debug)]
pub struct CitizenLogin {
    pub id: String,
    pub access: String,
    pub refresh: String,
}

/// Appends the GB 11643 check character to 17 digits.
pub fn id_number(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// The code of the next 30-second step (accepted within the one-step skew).
pub fn totp_code_next(secret: &str) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("base32 secret");
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name("test")
        .build()
        .expect("totp");
    totp.generate(chrono::Utc::now().timestamp() as u64 + 30)
        .to_string()
}

/// The current TOTP code for a base32 secret.
pub fn totp_code(secret: &str) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("base32 secret");
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name("test")
        .build()
        .expect("totp")
        .generate_current()
        .to_string()
}

impl TestApp {
    /// Inserts a staff account with [`STAFF_PASSWORD`] (already changed, so no first-password step).
    pub async fn create_staff(
        &self,
        username: &str,
        role: &str,
        scope_kind: &str,
        scope_id: Option<&str>,
    ) -> String {
        let hash = minzheng::auth::password::hash(STAFF_PASSWORD.into())
            .await
            .expect("hash");
        let now = Utc::now();
        let id = uuid::Uuid::now_v7();
        staff_account::Entity::insert(staff_account::ActiveModel {
            id: Set(id),
            username: Set(username.into()),
            display_name: Set(format!("测试 {username}")),
            password_hash: Set(hash),
            role: Set(role.into()),
            scope_kind: Set(scope_kind.into()),
            scope_id: Set(scope_id.map(str::to_owned)),
            must_change_password: Set(false),
            disabled: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            failed_attempts: Set(0),
            locked_until: Set(None),
            totp_secret_sealed: Set(None),
            totp_enabled: Set(false),
            totp_last_step: Set(None),
        })
        .exec(&self.db)
        .await
        .expect("insert staff");
        id.to_string()
    }

    /// Signs a staff member in with a password (and a TOTP code when given).
    pub async fn staff_sign_in(
        &self,
        username: &str,
        password: &str,
        totp: Option<String>,
    ) -> (u16, Value) {
        let body = json!({"username": username, "password": password, "totp_code": totp});
        let res = self.post_json("/api/v1/auth/staff/sessions", &body).await;
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// A staff member of the role and scope, signed in with every required step done
    /// (every role sets up TOTP; the login keeps its secret for the next sign-in).
    pub async fn staff(
        &self,
        username: &str,
        role: &str,
        scope_kind: &str,
        scope_id: Option<&str>,
    ) -> StaffLogin {
        let id = self
            .create_staff(username, role, scope_kind, scope_id)
            .await;
        let (status, body) = self.staff_sign_in(username, STAFF_PASSWORD, None).await;
        assert_eq!(status, 200, "{body}");
        let mut login = StaffLogin {
            id,
            username: username.into(),
            access: body["access_token"].as_str().unwrap().into(),
            refresh: body["refresh_token"].as_str().unwrap().into(),
            totp_secret: None,
        };
        if body["pending_step"] == "totp_setup" {
            let (status, setup) = self
                .post_as(&login.access, "/api/v1/auth/staff/totp", &json!({}))
                .await;
            assert_eq!(status, 200, "{setup}");
            let secret = setup["secret"].as_str().unwrap().to_owned();
            let (status, body) = self
                .post_as(
                    &login.access,
                    "/api/v1/auth/staff/totp/confirm",
                    &json!({"code": totp_code(&secret)}),
                )
                .await;
            assert_eq!(status, 204, "{body}");
            login.totp_secret = Some(secret);
        }
        login
    }

    /// A signed-in admin of the district.
    pub async fn admin(&self) -> StaffLogin {
        self.staff("test-admin", "admin", "district", None).await
    }

    /// A citizen signed in through the fake WeChat as `openid-<name>`.
    pub async fn citizen(&self, name: &str) -> CitizenLogin {
        let res = self
            .post_json(
                "/api/v1/auth/citizen/wechat/sessions",
                &json!({"code": format!("ok-{name}")}),
            )
            .await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        let access = body["access_token"].as_str().unwrap().to_owned();
        let (_, me) = self.get_as(&access, "/api/v1/auth/citizen/me").await;
        CitizenLogin {
            id: me["id"].as_str().unwrap().into(),
            access,
            refresh: body["refresh_token"].as_str().unwrap().into(),
        }
    }

    /// A citizen with a bound real name.
    pub async fn citizen_with_real_name(
        &self,
        login_name: &str,
        name: &str,
        id_number: &str,
    ) -> CitizenLogin {
        let citizen = self.citizen(login_name).await;
        let (status, body) = self
            .post_as(
                &citizen.access,
                "/api/v1/identity/real-name",
                &json!({"name": name, "id_number": id_number}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        citizen
    }
}

impl TestApp {
    /// A citizen whose real name is bound and verified (as after a desk check).
    pub async fn verified_citizen(
        &self,
        login_name: &str,
        name: &str,
        id_number: &str,
    ) -> CitizenLogin {
        use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
        let citizen = self
            .citizen_with_real_name(login_name, name, id_number)
            .await;
        entity::real_name::Entity::update_many()
            .col_expr(entity::real_name::Column::Status, Expr::value("verified"))
            .col_expr(
                entity::real_name::Column::VerifiedBy,
                Expr::value("in_person"),
            )
            .filter(
                entity::real_name::Column::CitizenId
                    .eq(uuid::Uuid::parse_str(&citizen.id).unwrap()),
            )
            .exec(&self.db)
            .await
            .expect("verify");
        citizen
    }
}

/// The first weekday at least `days_ahead` days after today in Beijing (no holidays loaded).
pub fn next_weekday(days_ahead: i64) -> chrono::NaiveDate {
    use chrono::Datelike;
    let mut date =
        (Utc::now() + chrono::Duration::hours(8)).date_naive() + chrono::Duration::days(days_ahead);
    while date.weekday().number_from_monday() > 5 {
        date += chrono::Duration::days(1);
    }
    date
}

/// The 6-digit code in an email as the SMTP sink kept it (body in base64 or quoted-printable).
pub fn code_in_email(raw: &str) -> String {
    let (headers, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let text = if headers
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64")
    {
        use base64::Engine;
        let joined: String = body.split_whitespace().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap_or_default(),
        )
        .unwrap_or_default()
    } else {
        decode_quoted_printable(body)
    };
    let digits: Vec<char> = text.chars().collect();
    for window in digits.windows(6) {
        if window.iter().all(char::is_ascii_digit) {
            return window.iter().collect();
        }
    }
    panic!("no code in the email: {text}");
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
