//! Funeral homes and their price lists.
use actix_web::{get, put, web};

use super::rules::{State, home_dto, invalid, item_dto};
use crate::auth::extract::{DistrictAdmin, Guarded};
use crate::error::ApiError;
use crate::funeral::domain;
use crate::funeral::dto::*;
use crate::funeral::service::{self, ItemSpec};
use crate::platform::audit::Actor;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{PageQuery, slice};

/// The funeral homes (殡仪馆) and their booking rules (public).
#[utoipa::path(tag = "funeral", operation_id = "funeral.home.list", params(PageQuery),
    responses((status = 200, body = HomeListDto)))]
#[get("/funeral-homes")]
pub(super) async fn list_homes(
    state: State,
    Query(page): Query<PageQuery>,
) -> Result<web::Json<HomeListDto>, ApiError> {
    let page = slice(service::homes(&state.db).await?, &page, |r| r.id.clone())?;
    let mut items = Vec::with_capacity(page.rows.len());
    for r in page.rows {
        let gaps = service::gaps(&state.db, &r.id).await?;
        items.push(home_dto(r, gaps));
    }
    Ok(web::Json(HomeListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Set a home's minimum gaps between its services (district admins): from the body's
/// pick-up to the first service, and from the end of the farewell to the cremation.
/// New bookings and the home's proposed transport times follow them; bookings already
/// made keep their times.
#[utoipa::path(tag = "funeral", operation_id = "funeral.home.gaps_save", request_body = HomeGapsRequest, security(("staff_token" = [])),
    params(("id" = String, Path, example = "tongzhou-funeral-home")),
    responses((status = 200, body = HomeDto)))]
#[put("/funeral-homes/{id}/gaps")]
pub(super) async fn save_gaps(
    state: State,
    admin: Guarded<DistrictAdmin>,
    id: web::Path<String>,
    Json(body): Json<HomeGapsRequest>,
) -> Result<web::Json<HomeDto>, ApiError> {
    for (field, value) in [
        ("transport_gap_minutes", body.transport_gap_minutes),
        ("farewell_gap_minutes", body.farewell_gap_minutes),
    ] {
        if !(0..=domain::MAX_GAP_MINUTES).contains(&value) {
            return Err(invalid(
                field,
                "range",
                "须在 0 到 1440 分钟之间",
                "0 to 1440 minutes",
            ));
        }
    }
    let gaps = domain::Gaps {
        transport: body.transport_gap_minutes,
        farewell: body.farewell_gap_minutes,
    };
    let actor = Actor::Staff {
        id: admin.0.id,
        role: admin.0.role.as_str(),
    };
    let txn = state.begin().await?;
    service::save_gaps(&txn, &id, gaps, actor, admin.0.request_id.clone()).await?;
    let home = service::home(&txn, &id).await?;
    txn.commit().await?;
    Ok(web::Json(home_dto(home, gaps)))
}

/// A home's price list (public): services with their prices in fen; basic services
/// (`basic`) are free for families.
#[utoipa::path(tag = "funeral", operation_id = "funeral.service.list", params(("id" = String, Path, example = "tongzhou-funeral-home"), CatalogueQuery),
    responses((status = 200, body = ServiceItemListDto)))]
#[get("/funeral-homes/{id}/services")]
pub(super) async fn list_services(
    state: State,
    id: web::Path<String>,
    Query(q): Query<CatalogueQuery>,
) -> Result<web::Json<ServiceItemListDto>, ApiError> {
    let home = service::home(&state.db, &id).await?;
    let all = service::catalogue(&state.db, &home.id, q.all).await?;
    let page = slice(all, &q.page(), |i| i.code.clone())?;
    Ok(web::Json(ServiceItemListDto {
        home_id: home.id,
        items: page.rows.into_iter().map(item_dto).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Set one service of a home's price list (district admins). Bookings already made keep
/// the price of their day.
#[utoipa::path(tag = "funeral", operation_id = "funeral.service.save", request_body = ServiceItemRequest, security(("staff_token" = [])),
    params(("id" = String, Path, example = "tongzhou-funeral-home"), ("code" = String, Path, description = "Lower-case code, e.g. `urn_basic`", example = "urn_basic")),
    responses((status = 200, body = ServiceItemDto)))]
#[put("/funeral-homes/{id}/services/{code}")]
pub(super) async fn save_service(
    state: State,
    admin: Guarded<DistrictAdmin>,
    path: web::Path<(String, String)>,
    Json(body): Json<ServiceItemRequest>,
) -> Result<web::Json<ServiceItemDto>, ApiError> {
    let (home_id, code) = path.into_inner();
    let code_ok = (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !code_ok {
        return Err(invalid(
            "code",
            "format",
            "只能使用小写字母、数字和 _",
            "lower-case letters, digits and _ only",
        ));
    }
    let name = body.name.trim().to_owned();
    if !(1..=30).contains(&name.chars().count()) {
        return Err(invalid(
            "name",
            "length",
            "名称须为 1 到 30 个字",
            "1 to 30 characters",
        ));
    }
    if !(0..=10_000_000).contains(&body.price_fen) {
        return Err(invalid(
            "price_fen",
            "range",
            "价格须在 0 到 10,000,000 分之间",
            "0 to 10,000,000 fen",
        ));
    }
    let spec = ItemSpec {
        name,
        kind: body.kind.as_str().to_owned(),
        price_fen: body.price_fen,
        basic: body.basic,
        active: body.active,
    };
    let actor = Actor::Staff {
        id: admin.0.id,
        role: admin.0.role.as_str(),
    };
    let txn = state.begin().await?;
    let saved = service::save_item(
        &txn,
        &home_id,
        &code,
        spec,
        actor,
        admin.0.request_id.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(item_dto(saved)))
}
