//! What the identity use cases share: parsing ID numbers and names, the blind index,
//! opening a sealed ID number, the audit event.
use chrono::Utc;
use entity::real_name;
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set};
use uuid::Uuid;

use crate::error::{ApiError, Code, FieldError, Message};
use crate::identity::domain::IdNumber;
use crate::platform::audit::{Actor, Event};
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::crypto::Sealer;
use crate::platform::rows::find_or;

/// The purpose tag of the ID-number blind index.
pub(super) const ID_INDEX: &str = "id_number";

/// Parses an ID number from a request field, as a field error when invalid.
pub fn parse_id_number(field: &str, text: &str) -> Result<IdNumber, ApiError> {
    IdNumber::parse(text, clock::today()).map_err(|e| {
        ApiError::new(Code::IdNumberInvalid).with_field(FieldError {
            field: field.into(),
            reason: e.reason(),
            message: Message::new(e.message_zh(), e.message_en()),
        })
    })
}

/// A personal name as on an ID card or passport (`platform::text::person_name`: Chinese
/// characters with `·`, or Latin letters and spaces), as a field error when it is not.
pub fn parse_name(field: &str, text: &str) -> Result<String, ApiError> {
    use crate::platform::text::{NAME_MAX_CHINESE, NameError, person_name};
    person_name(text).map_err(|e| {
        let (reason, zh, en) = match e {
            NameError::Length => (
                "length",
                format!("姓名须为 1 到 {NAME_MAX_CHINESE} 个汉字（外文姓名至多 60 个字母）"),
                format!("a name has 1 to {NAME_MAX_CHINESE} Chinese characters (60 letters in Latin)"),
            ),
            NameError::Characters => (
                "characters",
                "姓名只能由汉字（少数民族姓名可用间隔号“·”）或英文字母和空格组成".to_owned(),
                "a name is Chinese characters (with the middle dot · in minority names), or Latin letters and spaces".to_owned(),
            ),
        };
        ApiError::new(Code::InvalidBody).with_field(FieldError {
            field: field.into(),
            reason,
            message: Message::new(zh, en),
        })
    })
}

/// Opens a sealed ID number for a rule that needs what it encodes (age, sex). A value
/// that does not open or no longer parses is a server fault, never an empty answer.
pub fn open_id_number(state: &Context, sealed: &str) -> Result<IdNumber, ApiError> {
    let text = state.sealer.open(sealed).map_err(ApiError::internal)?;
    IdNumber::parse(&text, clock::today())
        .map_err(|_| ApiError::internal("a stored ID number no longer parses"))
}

/// The blind index of an ID number (for look-ups without opening sealed rows).
pub fn id_index(sealer: &Sealer, id: &IdNumber) -> String {
    sealer.blind_index(ID_INDEX, id.expose())
}

/// The caller's real name, if bound.
pub async fn get(state: &Context, citizen: Uuid) -> Result<real_name::Model, ApiError> {
    find_or::<real_name::Entity>(&state.db, citizen, Code::RealNameNotFound).await
}

pub(super) async fn mark_verified(
    conn: &impl ConnectionTrait,
    row: real_name::Model,
    how: &str,
    staff: Option<Uuid>,
) -> Result<real_name::Model, ApiError> {
    let now = Utc::now();
    let mut active = row.into_active_model();
    active.status = Set("verified".into());
    active.verified_by = Set(Some(how.into()));
    active.verified_at = Set(Some(now));
    active.verified_by_staff = Set(staff);
    active.updated_at = Set(now);
    Ok(active.update(conn).await?)
}

pub(crate) fn event(
    actor: Actor,
    action: &'static str,
    citizen: Uuid,
    summary: String,
    request_id: Option<String>,
) -> Event {
    Event::about(
        actor,
        action,
        ("citizen_account", citizen),
        summary,
        request_id,
    )
}

/// The blind index of the caller's ID number, when their real name is verified (rooms
/// that need a verified person call this, never the table).
pub async fn verified_index(
    conn: &impl ConnectionTrait,
    citizen: Uuid,
) -> Result<String, ApiError> {
    let row = find_or::<real_name::Entity>(conn, citizen, Code::RealNameRequired).await?;
    if row.status != "verified" {
        return Err(ApiError::new(Code::RealNameUnverified));
    }
    Ok(row.id_number_index)
}
