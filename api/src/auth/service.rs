//! Rules of the auth room.
use chrono::Utc;
use entity::staff_account;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use super::domain::{Role, ScopeKind};

/// The username of the seeded first admin.
pub const DEMO_ADMIN: &str = "admin";

/// Characters of generated passwords: no look-alikes (0/O, 1/l/I), easy to type.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A random password of `len` characters from [`PASSWORD_ALPHABET`].
pub fn generate_password(len: usize) -> Result<String, getrandom::Error> {
    let mut out = String::with_capacity(len);
    let mut byte = [0u8; 1];
    while out.len() < len {
        getrandom::fill(&mut byte)?;
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % PASSWORD_ALPHABET.len();
        if usize::from(byte[0]) < limit {
            out.push(PASSWORD_ALPHABET[usize::from(byte[0]) % PASSWORD_ALPHABET.len()] as char);
        }
    }
    Ok(out)
}

/// Creates the first admin with a generated password that must be changed at first
/// sign-in; returns the password so that start-up can print it once.
pub async fn seed_admin(
    db: &impl ConnectionTrait,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let password = generate_password(16)?;
    let hash = super::password::hash(password.clone())
        .await
        .map_err(|e| e.to_string())?;
    let now = Utc::now();
    let admin = staff_account::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        username: Set(DEMO_ADMIN.to_owned()),
        display_name: Set("演示管理员".to_owned()),
        password_hash: Set(hash),
        role: Set(Role::Admin.as_str().to_owned()),
        scope_kind: Set(ScopeKind::District.as_str().to_owned()),
        scope_id: Set(None),
        must_change_password: Set(true),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        failed_attempts: Set(0),
        locked_until: Set(None),
        totp_secret_sealed: Set(None),
        totp_enabled: Set(false),
        totp_last_step: Set(None),
    };
    staff_account::Entity::insert(admin).exec(db).await?;
    Ok(password)
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_passwords_use_the_alphabet_and_differ() {
        let a = super::generate_password(16).unwrap();
        let b = super::generate_password(16).unwrap();
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|c| super::PASSWORD_ALPHABET.contains(&c)));
        assert_ne!(a, b);
    }
}
