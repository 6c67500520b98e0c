//! Sealing personal data at rest (AES-256-GCM, with the key's id in every sealed value so
//! keys can rotate), the HMAC blind index that finds a sealed value without opening it,
//! and the plain hashes used for tokens and codes.
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::config::Secrets;

/// The first 8 hex digits of the key's SHA-256: names the key without revealing it.
fn key_id(key: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(key)[..4])
}

/// Seals and opens personal data. A sealed value reads `v1.<key id>.<base64 nonce+ciphertext>`.
#[derive(Clone)]
pub struct Sealer {
    key_id: String,
    cipher: Aes256Gcm,
    /// The key before the last rotation, to open older values.
    previous: Option<(String, Aes256Gcm)>,
    /// The blind-index key, then the keys of its rotations, oldest first (see
    /// [`Sealer::blind_index`]).
    index_keys: Vec<[u8; 32]>,
}

/// A sealed value that cannot be opened: wrong key, or tampered with.
#[derive(Debug, thiserror::Error)]
#[error("a sealed value could not be opened ({0})")]
pub struct OpenError(&'static str);

impl Sealer {
    pub fn new(secrets: &Secrets) -> Sealer {
        Sealer {
            key_id: key_id(&secrets.sealing_key),
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(secrets.sealing_key)),
            previous: secrets
                .previous_sealing_key
                .map(|k| (key_id(&k), Aes256Gcm::new(&Key::<Aes256Gcm>::from(k)))),
            index_keys: std::iter::once(secrets.blind_index_key)
                .chain(secrets.blind_index_rotations.iter().copied())
                .collect(),
        }
    }

    /// Encrypts with a fresh random nonce.
    pub fn seal(&self, plain: &str) -> String {
        let bytes = self.encrypt(plain.as_bytes());
        format!("v1.{}.{}", self.key_id, STANDARD_NO_PAD.encode(bytes))
    }

    pub fn open(&self, sealed: &str) -> Result<String, OpenError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(kid), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(OpenError("format"));
        };
        let bytes = STANDARD_NO_PAD
            .decode(body)
            .map_err(|_| OpenError("encoding"))?;
        let plain = self.decrypt(kid, &bytes)?;
        String::from_utf8(plain).map_err(|_| OpenError("utf-8"))
    }

    /// Seals a file's bytes: `v1.<key id>.` then the nonce and the ciphertext, raw.
    pub fn seal_bytes(&self, plain: &[u8]) -> Vec<u8> {
        let mut out = format!("v1.{}.", self.key_id).into_bytes();
        out.extend(self.encrypt(plain));
        out
    }

    pub fn open_bytes(&self, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        let mut parts = sealed.splitn(3, |b| *b == b'.');
        let (Some(b"v1"), Some(kid), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(OpenError("format"));
        };
        let kid = std::str::from_utf8(kid).map_err(|_| OpenError("format"))?;
        self.decrypt(kid, body)
    }

    /// The nonce followed by the ciphertext.
    #[expect(
        clippy::expect_used,
        reason = "without the OS's randomness no nonce is safe: stopping is right"
    )]
    fn encrypt(&self, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the OS has randomness");
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), plain)
            .expect("AES-GCM encryption does not fail for in-memory input");
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        bytes
    }

    fn decrypt(&self, kid: &str, bytes: &[u8]) -> Result<Vec<u8>, OpenError> {
        let cipher = match &self.previous {
            _ if kid == self.key_id => &self.cipher,
            Some((previous_id, previous)) if kid == previous_id => previous,
            _ => return Err(OpenError("unknown key id")),
        };
        if bytes.len() < 12 {
            return Err(OpenError("length"));
        }
        let nonce: [u8; 12] = bytes[..12].try_into().map_err(|_| OpenError("length"))?;
        cipher
            .decrypt(&Nonce::from(nonce), &bytes[12..])
            .map_err(|_| OpenError("authentication"))
    }

    /// A keyed, deterministic digest for equality look-ups (e.g. "is this ID number
    /// bound already?"). `purpose` keeps indexes of different fields apart. After
    /// rotations (`minzheng rotate-blind-index`) the digest is keyed again with each
    /// rotation's key in turn ([`rekey`]): a stored index is rotated from what is stored,
    /// without its plain value, and one who has an older key alone can no longer test
    /// guesses against the database.
    #[expect(
        clippy::expect_used,
        reason = "the sealer is always built with its first key, and HMAC takes any key length"
    )]
    pub fn blind_index(&self, purpose: &str, value: &str) -> String {
        let (first, rotations) = self
            .index_keys
            .split_first()
            .expect("the blind-index key is always there");
        let mut mac = <Hmac<Sha256>>::new_from_slice(first).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        let index = hex::encode(mac.finalize().into_bytes());
        rotations
            .iter()
            .fold(index, |index, key| rekey(key, &index))
    }

    /// Names the blind-index keys in use (each key's id, oldest first, joined by `+`):
    /// recorded in the database, so that a service with other keys refuses to start.
    pub fn index_key_ids(&self) -> String {
        self.index_keys
            .iter()
            .map(key_id)
            .collect::<Vec<_>>()
            .join("+")
    }
}

/// A stored blind index keyed again with a rotation's key.
#[expect(clippy::expect_used, reason = "HMAC takes any key length")]
pub fn rekey(key: &[u8; 32], index: &str) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(index.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The id `Sealer::index_key_ids` gives a key.
pub fn index_key_id(key: &[u8; 32]) -> String {
    key_id(key)
}

/// Lower-case hex SHA-256, for values that are random already (tokens, codes with a salt).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `n` random bytes from the OS.
#[expect(
    clippy::expect_used,
    reason = "without the OS's randomness no key, code or nonce is safe: stopping is right"
)]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS has randomness");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(key: u8, previous: Option<u8>) -> Secrets {
        Secrets {
            sealing_key: [key; 32],
            blind_index_key: [9; 32],
            token_key: [8; 32],
            previous_sealing_key: previous.map(|p| [p; 32]),
            previous_token_key: None,
            blind_index_rotations: Vec::new(),
            blind_index_key_next: None,
            wechat_app_secret: None,
            smtp_password: None,
            faceid_secret_id: None,
            faceid_secret_key: None,
            sms_secret_id: None,
            sms_secret_key: None,
        }
    }

    fn sealer(key: u8) -> Sealer {
        Sealer::new(&secrets(key, None))
    }

    #[test]
    fn after_a_rotation_old_values_still_open_and_new_ones_use_the_new_key() {
        let old = sealer(1).seal("before");
        let rotated = Sealer::new(&secrets(2, Some(1)));
        assert_eq!(rotated.open(&old).unwrap(), "before");
        let new = rotated.seal("after");
        assert!(sealer(1).open(&new).is_err());
        assert_eq!(sealer(2).open(&new).unwrap(), "after");
    }

    #[test]
    fn sealed_values_open_and_never_show_the_plain_text() {
        let s = sealer(1);
        let sealed = s.seal("11010519491231002X");
        assert!(!sealed.contains("1101051949"));
        assert_ne!(
            sealed,
            s.seal("11010519491231002X"),
            "fresh nonce each time"
        );
        assert_eq!(s.open(&sealed).unwrap(), "11010519491231002X");
    }

    #[test]
    fn tampered_or_foreign_values_do_not_open() {
        let s = sealer(1);
        let mut sealed = s.seal("secret");
        let last = sealed.pop().unwrap();
        sealed.push(if last == 'A' { 'B' } else { 'A' });
        assert!(s.open(&sealed).is_err());
        assert!(sealer(2).open(&s.seal("secret")).is_err());
    }

    #[test]
    fn blind_index_is_stable_and_purpose_bound() {
        let s = sealer(1);
        assert_eq!(s.blind_index("id", "x"), s.blind_index("id", "x"));
        assert_ne!(s.blind_index("id", "x"), s.blind_index("email", "x"));
    }

    #[test]
    fn a_rotated_index_is_the_old_one_keyed_again() {
        let before = sealer(1);
        let mut with_rotation = secrets(1, None);
        with_rotation.blind_index_rotations = vec![[7; 32]];
        let after = Sealer::new(&with_rotation);
        let old = before.blind_index("id", "x");
        assert_ne!(after.blind_index("id", "x"), old);
        assert_eq!(after.blind_index("id", "x"), rekey(&[7; 32], &old));
        assert_eq!(after.index_key_ids().matches('+').count(), 1);
    }
}
