//! Staff passwords: the rules a new one must meet, and argon2id hashing off the async
//! workers (it is slow on purpose).
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::{ApiError, Code, FieldError, Message};

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// Passwords that top every leaked list, plus the usual local ones; all 12+ characters
/// so that they pass the length rule and need this list to be caught.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456123456",
    "123123123123",
    "111111111111",
    "000000000000",
    "888888888888",
    "666666666666",
    "password1234",
    "password123456",
    "passw0rd1234",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwerty123456",
    "1qaz2wsx3edc",
    "1q2w3e4r5t6y",
    "abc123456789",
    "a12345678910",
    "aa1234567890",
    "admin1234567",
    "admin123456789",
    "administrator",
    "iloveyou1234",
    "woaini131452",
    "woaini1314520",
    "5201314520",
    "520131452013",
    "zxcvbnm12345",
    "asdfghjkl123",
    "qazwsxedcrfv",
    "1234qwerasdf",
    "abcd12345678",
    "letmein12345",
    "welcome12345",
    "minzheng1234",
    "minzheng123456",
    "tongzhou1234",
    "beijing12345",
    "beijing2008!",
    "changeme1234",
    "p@ssw0rd1234",
];

/// Checks a proposed password; every failed rule becomes a field error.
pub fn check_rules(password: &str, username: &str) -> Result<(), ApiError> {
    let lower = password.to_lowercase();
    let count = password.chars().count();
    let reason = if count < MIN_LEN {
        Some(("length", "密码至少 12 个字符", "at least 12 characters"))
    } else if count > MAX_LEN {
        Some(("length", "密码最多 128 个字符", "at most 128 characters"))
    } else if COMMON.contains(&lower.as_str()) || password.chars().all(|c| password.starts_with(c))
    {
        Some((
            "common",
            "密码过于常见，请换一个",
            "this password is too common",
        ))
    } else if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        Some((
            "contains_username",
            "密码不能包含用户名",
            "the password must not contain the username",
        ))
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some((reason, zh, en)) => {
            Err(ApiError::new(Code::PasswordTooWeak).with_field(FieldError {
                field: "new_password".into(),
                reason,
                message: Message::new(zh, en),
            }))
        }
    }
}

/// argon2id PHC string of a password.
pub async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::internal(e.to_string()))
}

/// Whether `password` matches `stored`; with no stored hash it checks against a dummy
/// one, so an unknown user costs the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password(b"not a password anyone has")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::check_rules;

    #[test]
    fn short_common_and_name_bearing_passwords_are_refused() {
        assert!(check_rules("short", "li").is_err());
        assert!(check_rules("qwertyuiop12", "li").is_err());
        assert!(check_rules("aaaaaaaaaaaaaa", "li").is_err());
        assert!(check_rules("zhangwei-desk-2026", "zhangwei").is_err());
        assert!(check_rules("correct horse battery", "zhangwei").is_ok());
    }
}
