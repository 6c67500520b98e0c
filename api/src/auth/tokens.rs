//! Access tokens (JWT, HS256, with the key's id in `kid`) and refresh tokens (random,
//! stored only as their SHA-256).
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::platform::crypto::{random_bytes, sha256_hex};

/// How long an access token lives; the session decides how long one can be renewed.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;
const ISSUER: &str = "minzheng";

/// Whose token it is; also the token's audience, so a staff token is refused on citizen
/// routes and the other way round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Citizen,
    Staff,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Citizen => "citizen",
            AccountKind::Staff => "staff",
        }
    }

    fn audience(self) -> &'static str {
        match self {
            AccountKind::Citizen => "minzheng-citizen",
            AccountKind::Staff => "minzheng-staff",
        }
    }
}

/// What an access token says.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    /// The session the token belongs to; revoking it ends the token at once.
    pub sid: Uuid,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// The signing keys, with the id that names the current one.
#[derive(Clone)]
pub struct TokenKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    previous: Option<(String, DecodingKey)>,
}

fn kid_of(secret: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(secret)[..4])
}

impl TokenKeys {
    /// The current key signs; the previous one (after a rotation) still verifies, so
    /// tokens issued just before the switch keep working until they expire.
    #[expect(clippy::expect_used, reason = "any 32-byte secret is an HMAC key")]
    pub fn new(secret: &[u8; 32], previous: Option<&[u8; 32]>) -> TokenKeys {
        TokenKeys {
            kid: kid_of(secret),
            encoding: EncodingKey::from_secret(secret).expect("an HMAC key of 32 bytes"),
            decoding: DecodingKey::from_secret(secret).expect("an HMAC key of 32 bytes"),
            previous: previous.map(|p| {
                (
                    kid_of(p),
                    DecodingKey::from_secret(p).expect("an HMAC key of 32 bytes"),
                )
            }),
        }
    }

    /// A signed access token for the session, valid from now for [`ACCESS_TTL_SECS`].
    #[expect(
        clippy::expect_used,
        reason = "HS256 signing with a key already taken cannot fail"
    )]
    pub fn issue(
        &self,
        kind: AccountKind,
        account: Uuid,
        session: Uuid,
        now: DateTime<Utc>,
    ) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        let iat = now.timestamp();
        let claims = Claims {
            sub: account,
            sid: session,
            aud: kind.audience().to_owned(),
            iss: ISSUER.to_owned(),
            iat,
            nbf: iat,
            exp: iat + ACCESS_TTL_SECS,
        };
        jsonwebtoken::encode(&header, &claims, &self.encoding).expect("HS256 signing does not fail")
    }

    /// Checks signature, algorithm (HS256 only: no `none`, no public-key confusion), key
    /// id, audience, issuer, expiry and not-before.
    pub fn verify(&self, kind: AccountKind, token: &str) -> Option<Claims> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.alg != Algorithm::HS256 {
            return None;
        }
        let key = match (header.kid.as_deref(), &self.previous) {
            (Some(kid), _) if kid == self.kid => &self.decoding,
            (Some(kid), Some((previous_kid, previous))) if kid == previous_kid => previous,
            _ => return None,
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[kind.audience()]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        jsonwebtoken::decode::<Claims>(token, key, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// A new refresh token (256 random bits) and the hash that is stored.
pub fn new_refresh_token() -> (String, String) {
    use base64::Engine;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let hash = sha256_hex(token.as_bytes());
    (token, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_their_audience_and_key() {
        let keys = TokenKeys::new(&[7; 32], None);
        let (account, session) = (Uuid::now_v7(), Uuid::now_v7());
        let token = keys.issue(AccountKind::Citizen, account, session, Utc::now());
        assert_eq!(
            keys.verify(AccountKind::Citizen, &token).map(|c| c.sub),
            Some(account)
        );
        assert!(
            keys.verify(AccountKind::Staff, &token).is_none(),
            "wrong audience"
        );
        assert!(
            TokenKeys::new(&[8; 32], None)
                .verify(AccountKind::Citizen, &token)
                .is_none(),
            "other key"
        );
    }

    #[test]
    fn after_a_rotation_tokens_of_the_previous_key_still_verify() {
        let before = TokenKeys::new(&[7; 32], None).issue(
            AccountKind::Staff,
            Uuid::now_v7(),
            Uuid::now_v7(),
            Utc::now(),
        );
        let rotated = TokenKeys::new(&[8; 32], Some(&[7; 32]));
        assert!(rotated.verify(AccountKind::Staff, &before).is_some());
        let after = rotated.issue(
            AccountKind::Staff,
            Uuid::now_v7(),
            Uuid::now_v7(),
            Utc::now(),
        );
        assert!(
            TokenKeys::new(&[7; 32], None)
                .verify(AccountKind::Staff, &after)
                .is_none()
        );
    }

    #[test]
    fn expired_and_future_tokens_are_refused() {
        let keys = TokenKeys::new(&[7; 32], None);
        let old = keys.issue(
            AccountKind::Citizen,
            Uuid::now_v7(),
            Uuid::now_v7(),
            Utc::now() - chrono::Duration::minutes(16),
        );
        assert!(keys.verify(AccountKind::Citizen, &old).is_none());
        let future = keys.issue(
            AccountKind::Citizen,
            Uuid::now_v7(),
            Uuid::now_v7(),
            Utc::now() + chrono::Duration::minutes(5),
        );
        assert!(keys.verify(AccountKind::Citizen, &future).is_none());
    }
}
