//! The other party's share link: the booker sends it (e.g. with the mini-program's
//! `onShareAppMessage`), the other party opens it, signs in, verifies their real name and
//! confirms. The token is opaque and single-purpose: the appointment's id with a keyed
//! MAC for this purpose alone (so it is nothing else's token and cannot be made up), and
//! it works while the appointment waits for its confirmation, until the deadline. It is
//! derived rather than stored, so every answer to a party can show it; rotating the
//! blind-index key ends the links shared before.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::{marriage_appointment as appointment, marriage_party as party};
use uuid::Uuid;

use super::service;
use crate::auth::extract::Citizen;
use crate::error::{ApiError, Code};
use crate::identity::service as identity;
use crate::platform::context::Context;
use crate::platform::crypto::Sealer;

/// Keeps these MACs apart from every other use of the blind-index key.
const PURPOSE: &str = "marriage-share-link";
/// Bytes of the MAC kept in the token: 128 bits, as a session token's.
const MAC_BYTES: usize = 16;

fn mac(sealer: &Sealer, id: Uuid) -> Vec<u8> {
    let full = hex::decode(sealer.blind_index(PURPOSE, &id.to_string())).unwrap_or_default();
    full.into_iter().take(MAC_BYTES).collect()
}

/// The share token of appointment `id` (43 URL-safe characters).
pub fn token(sealer: &Sealer, id: Uuid) -> String {
    let mut bytes = id.as_bytes().to_vec();
    bytes.extend(mac(sealer, id));
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The appointment a token names, if the token is one of ours.
fn appointment_of(sealer: &Sealer, token: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    if bytes.len() != 16 + MAC_BYTES {
        return None;
    }
    let id = Uuid::from_slice(&bytes[..16]).ok()?;
    let expected = mac(sealer, id);
    // Compared in constant time: the MAC is the secret part.
    let differs = expected
        .iter()
        .zip(&bytes[16..])
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    (differs == 0 && expected.len() == MAC_BYTES).then_some(id)
}

/// Opens a share link for the signed-in caller: the token must be ours, the appointment
/// still waiting for confirmation before its deadline, and the caller, by their verified
/// real name, one of its parties (to anyone else the link shows nothing).
pub async fn open(
    state: &Context,
    citizen: &Citizen,
    token: &str,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let id = appointment_of(&state.sealer, token)
        .ok_or_else(|| ApiError::new(Code::ShareLinkInvalid))?;
    let index = identity::verified_index(&state.db, citizen.id).await?;
    let (row, parties) = service::load(&state.db, id)
        .await
        .map_err(|_| ApiError::new(Code::ShareLinkInvalid))?;
    if !parties.iter().any(|p| p.id_number_index == index) {
        return Err(ApiError::new(Code::ShareLinkInvalid));
    }
    if row.status != "pending_confirmation" || row.confirm_deadline <= Utc::now() {
        return Err(ApiError::new(Code::ShareLinkExpired));
    }
    Ok((row, parties))
}

/// Confirms the appointment a share link names, as its other party.
pub async fn confirm(
    state: &Context,
    citizen: &Citizen,
    token: &str,
) -> Result<(appointment::Model, Vec<party::Model>), ApiError> {
    let (row, _) = open(state, citizen, token).await?;
    service::confirm(state, citizen, row.id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::new(&crate::config::Secrets {
            sealing_key: [1; 32],
            blind_index_key: [2; 32],
            token_key: [3; 32],
            previous_sealing_key: None,
            previous_token_key: None,
            blind_index_rotations: Vec::new(),
            blind_index_key_next: None,
            wechat_app_secret: None,
            smtp_password: None,
            faceid_secret_id: None,
            faceid_secret_key: None,
            sms_secret_id: None,
            sms_secret_key: None,
        })
    }

    #[test]
    fn a_token_names_its_appointment_and_cannot_be_made_up() {
        let sealer = sealer();
        let id = Uuid::now_v7();
        let token = token(&sealer, id);
        assert_eq!(token.len(), 43);
        assert_eq!(appointment_of(&sealer, &token), Some(id));
        // Another appointment's id with this MAC, a changed character, a cut token.
        let mut forged = Uuid::now_v7().as_bytes().to_vec();
        forged.extend(&URL_SAFE_NO_PAD.decode(&token).unwrap()[16..]);
        assert_eq!(
            appointment_of(&sealer, &URL_SAFE_NO_PAD.encode(forged)),
            None
        );
        let last = if token.ends_with('A') { "B" } else { "A" };
        let changed = format!("{}{last}", &token[..42]);
        assert_eq!(appointment_of(&sealer, &changed), None);
        assert_eq!(appointment_of(&sealer, &token[..40]), None);
        assert_eq!(appointment_of(&sealer, "not base64 ✓"), None);
    }
}
