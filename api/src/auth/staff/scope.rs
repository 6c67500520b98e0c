//! The places a staff scope may name.
use sea_orm::EntityTrait;

use crate::auth::domain::{Scope, ScopeKind};
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::context::Context;

/// Checks that a scope names a place that exists for its kind.
pub async fn check_scope(
    state: &Context,
    kind: ScopeKind,
    id: Option<String>,
) -> Result<Scope, ApiError> {
    let field_error = |zh: &'static str, en: &'static str| {
        ApiError::new(Code::InvalidBody).with_field(FieldError {
            field: "scope_id".into(),
            reason: "scope",
            message: Message::new(zh, en),
        })
    };
    match (kind, id) {
        (ScopeKind::District, None) => Ok(Scope { kind, id: None }),
        (ScopeKind::District, Some(_)) => Err(field_error(
            "区级范围不需要 scope_id",
            "a district scope takes no scope_id",
        )),
        (_, None) => Err(field_error(
            "请填写 scope_id",
            "scope_id is required for this scope",
        )),
        (ScopeKind::Street, Some(id)) => {
            let known = entity::street::Entity::find_by_id(id.clone())
                .one(&state.db)
                .await?
                .is_some();
            if known {
                Ok(Scope { kind, id: Some(id) })
            } else {
                Err(field_error("没有这个街道", "no such street"))
            }
        }
        // An office, a funeral home or a cemetery: a place of that kind must exist, or
        // the account would see nothing (a typo once made such a clerk).
        (_, Some(id)) => {
            let kinds = place_kinds(kind);
            let place = crate::scheduling::engine::resource(&state.db, &id).await;
            match place {
                Ok(place) if kinds.contains(&place.kind.as_str()) => {
                    Ok(Scope { kind, id: Some(id) })
                }
                Ok(_) => Err(field_error(
                    "该场所不是此范围类型的场所",
                    "the place named is not of this scope's kind",
                )),
                Err(e) if e.code == Code::ResourceNotFound => {
                    Err(field_error("没有这个场所", "no such place"))
                }
                Err(e) => Err(e),
            }
        }
    }
}

/// The resource kinds a place scope may name.
pub(super) fn place_kinds(kind: ScopeKind) -> &'static [&'static str] {
    match kind {
        ScopeKind::Office => &["marriage_office"],
        ScopeKind::FuneralHome => &["funeral_home"],
        ScopeKind::Cemetery => &["cemetery", "burial_ground"],
        ScopeKind::Street | ScopeKind::District => &[],
    }
}
