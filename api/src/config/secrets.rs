//! Secrets come from the environment only (a development file is made on first run in dev
//! mode).
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::load::{ConfigError, SECRET_VARS};
use super::settings::{Config, Mode};

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
pub(super) fn key_list(var: &str) -> Result<Vec<[u8; 32]>, ConfigError> {
    std::env::var(var)
        .ok()
        .iter()
        .flat_map(|value| value.split(','))
        .filter(|part| !part.trim().is_empty())
        .map(|part| decode_key(var, part))
        .collect()
}

pub(super) fn optional_key(var: &str) -> Result<Option<[u8; 32]>, ConfigError> {
    std::env::var(var)
        .ok()
        .map(|value| decode_key(var, &value))
        .transpose()
}

pub(super) fn decode_key(var: &str, value: &str) -> Result<[u8; 32], ConfigError> {
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

pub(super) fn random_bytes() -> Result<[u8; 32], ConfigError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| ConfigError(format!("no randomness for a dev key: {e}")))?;
    Ok(key)
}

pub(super) fn read_env_file(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
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

pub(super) fn write_env_file(path: &Path, pairs: &[(String, String)]) -> Result<(), ConfigError> {
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
pub(super) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
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
pub(super) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
