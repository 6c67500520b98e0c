//! What the memorial hall routes share: the optional caller, the hall's and a message's
//! answer, paging.
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use entity::{memorial, memorial_message};
use uuid::Uuid;

use crate::auth::extract::Caller;
use crate::error::{ApiError, Code};
use crate::memorial::halls::dto::*;
use crate::memorial::halls::service::{self, Relation, Viewer};
use crate::platform::clock;
use crate::platform::pagination::PageQuery;
use crate::state::AppState;

pub(super) type State = web::Data<AppState>;

/// The caller when a bearer token is sent (a bad token is 401, not anonymous), or nobody.
pub(super) struct MaybeCaller(pub(super) Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().get(AUTHORIZATION).is_none() {
            return Box::pin(async { Ok(MaybeCaller(None)) });
        }
        let caller = Caller::from_request(req, payload);
        Box::pin(async move { caller.await.map(|c| MaybeCaller(Some(c))) })
    }
}

pub(super) fn dto(
    state: &AppState,
    page: memorial::Model,
    relation: Relation,
) -> Result<MemorialDto, ApiError> {
    let family_or_staff = relation.moderates();
    let family = matches!(relation, Relation::Owner | Relation::Family);
    Ok(MemorialDto {
        portrait_url: page
            .portrait_media_id
            .map(|_| format!("/api/v1/memorials/{}/portrait", page.id)),
        share_token: family
            .then(|| service::share_token(state, &page))
            .transpose()?,
        takedown_reason: page.takedown_reason.filter(|_| family_or_staff),
        tributes: MemorialTributeCountsDto {
            flowers: page.flowers,
            candles: page.candles,
            incense: page.incense,
        },
        your_role: relation.as_str().into(),
        id: page.id,
        deceased_name: page.deceased_name,
        birth_date: page.birth_date,
        death_date: page.death_date,
        biography: page.biography,
        visibility: page.visibility,
        pre_review: page.pre_review,
        status: page.status,
        created_at: clock::format(page.created_at),
        updated_at: clock::format(page.updated_at),
    })
}

pub(super) fn message_dto(
    m: memorial_message::Model,
    relation: Relation,
    viewer: &Viewer,
) -> MemorialMessageDto {
    let mine = matches!(viewer, Viewer::Citizen(id) if *id == m.author_id);
    MemorialMessageDto {
        hold_reason: m.hold_reason.filter(|_| mine || relation.moderates()),
        author_id: (relation == Relation::Staff).then_some(m.author_id),
        mine,
        id: m.id,
        memorial_id: m.memorial_id,
        display_name: m.display_name,
        body: m.body,
        status: m.status,
        created_at: clock::format(m.created_at),
    }
}

/// The page size and the id after which to continue (ids grow with time).
pub(super) fn paging(
    limit: Option<u32>,
    cursor: Option<String>,
) -> Result<(u32, Option<Uuid>), ApiError> {
    let page = PageQuery { limit, cursor };
    let limit = page.limit()?;
    let after = page
        .cursor_key()?
        .map(|k| Uuid::parse_str(&k))
        .transpose()
        .map_err(|_| ApiError::new(Code::InvalidCursor))?;
    Ok((limit, after))
}
