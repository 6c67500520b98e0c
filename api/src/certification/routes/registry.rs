//! The transferee registry as street staff keep it: records, changes, exemptions.
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use uuid::Uuid;

use super::rules::{State, dto, invalid, listed};
use crate::auth::extract::{Admin, Staff};
use crate::certification::domain::street_of;
use crate::certification::dto::*;
use crate::certification::registry::{NewTransferee, parse_phone, parse_village};
use crate::certification::service::{self, Patch};
use crate::certification::states::AllowanceStatus;
use crate::certification::ways;
use crate::error::{ApiError, Code};
use crate::identity::service::{parse_id_number, parse_name};
use crate::platform::clock;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::{MAX_LIMIT, Page, PageQuery};

pub(super) fn new_transferee(
    body: NewTransfereeRequest,
    street_id: String,
) -> Result<NewTransferee, ApiError> {
    Ok(NewTransferee {
        name: parse_name("name", &body.name)?,
        id_number: parse_id_number("id_number", &body.id_number)?,
        street_id,
        village: parse_village(&body.village).ok_or_else(|| {
            invalid(
                "village",
                "村（社区）须为 1 到 30 个字",
                "1 to 30 characters",
            )
        })?,
        phone: match body.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(parse_phone(p).ok_or_else(|| {
                invalid(
                    "phone",
                    "联系电话须为 11 位手机号或带区号的固定电话",
                    "a mobile or a landline with area code",
                )
            })?),
        },
        due_on: body.due_on,
    })
}

/// Add one transferee to the registry (admins; files go through
/// `minzheng import-transferees`).
#[utoipa::path(tag = "certification", operation_id = "certification.transferees.create", request_body = NewTransfereeRequest, security(("staff_token" = [])),
    responses((status = 201, body = TransfereeDto)))]
#[post("/certification/transferees")]
pub(super) async fn create(
    state: State,
    Admin(admin): Admin,
    Json(body): Json<NewTransfereeRequest>,
) -> Result<HttpResponse, ApiError> {
    let street = service::street(&state, &body.street_id).await?;
    let row = service::create(&state, &admin, new_transferee(body, street)?).await?;
    Ok(HttpResponse::Created().json(dto(&state, row).await?))
}

/// Transferees of a street, by id (street staff: their own street; district staff: any,
/// or all). `id_number` finds one person.
#[utoipa::path(tag = "certification", operation_id = "certification.transferees.list", security(("staff_token" = [])), params(ListQuery),
    responses((status = 200, body = TransfereePage)))]
#[get("/certification/transferees")]
pub(super) async fn list(
    state: State,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<web::Json<TransfereePage>, ApiError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let limit = page.limit()?.min(MAX_LIMIT);
    let after = page
        .cursor_key()?
        .map(|k| {
            k.parse::<Uuid>()
                .map_err(|_| ApiError::new(Code::InvalidCursor))
        })
        .transpose()?;
    let id_number = q
        .id_number
        .as_deref()
        .map(|n| parse_id_number("id_number", n))
        .transpose()?;
    let street = street_of(&staff.scope, q.street.as_deref())?;
    let rows = service::list(&state, street.as_deref(), id_number.as_ref(), after, limit).await?;
    let open = ways::with_open_review(&state.db, rows.iter().map(|t| t.id).collect()).await?;
    let Page { items, next_cursor } = Page::from_rows(
        rows,
        limit,
        |t| t.id.to_string(),
        |t| listed(&state, t, &open),
    );
    Ok(web::Json(TransfereePage { items, next_cursor }))
}

/// One transferee (staff of their street).
#[utoipa::path(tag = "certification", operation_id = "certification.transferees.get", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[get("/certification/transferees/{id}")]
pub(super) async fn one(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = ways::in_scope(&state, &staff, *id).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Change a record (admins): name, street, village, phone, own cycle length, due date,
/// or stop / restart the allowance.
#[utoipa::path(tag = "certification", operation_id = "certification.transferees.update", request_body = TransfereePatch, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[patch("/certification/transferees/{id}")]
pub(super) async fn change(
    state: State,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
    Json(body): Json<TransfereePatch>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let mut patch = Patch::default();
    if let Some(name) = &body.name {
        patch.name = Some(parse_name("name", name)?);
    }
    if let Some(street) = &body.street_id {
        patch.street_id = Some(service::street(&state, street).await?);
    }
    if let Some(village) = &body.village {
        patch.village = Some(parse_village(village).ok_or_else(|| {
            invalid(
                "village",
                "村（社区）须为 1 到 30 个字",
                "1 to 30 characters",
            )
        })?);
    }
    if let Some(phone) = body.phone.as_deref().map(str::trim) {
        patch.phone = Some(match phone {
            "" => None,
            p => Some(parse_phone(p).ok_or_else(|| {
                invalid(
                    "phone",
                    "联系电话须为 11 位手机号或带区号的固定电话",
                    "a mobile or a landline with area code",
                )
            })?),
        });
    }
    if let Some(months) = body.cycle_months {
        if !(0..=24).contains(&months) {
            return Err(invalid(
                "cycle_months",
                "认证周期须为 1 到 24 个月（0 表示默认）",
                "1 to 24 months (0: the default)",
            ));
        }
        patch.cycle_months = Some((months > 0).then_some(months));
    }
    patch.due_on = body.due_on;
    if let Some(status) = body.allowance_status {
        if status == AllowanceStatus::Suspended {
            return Err(invalid(
                "allowance_status",
                "只能设为 paid（发放）或 stopped（停发）",
                "paid or stopped",
            ));
        }
        patch.allowance_status = Some(status.as_str().to_owned());
    }
    let t = service::update(&state, &admin, *id, patch).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// Excuse a transferee until a date (e.g. in hospital), with a reason; the due date moves
/// to one notice period after it.
#[utoipa::path(tag = "certification", operation_id = "certification.exemption.set", request_body = ExemptionRequest, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[put("/certification/transferees/{id}/exemption")]
pub(super) async fn set_exemption(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
    Json(body): Json<ExemptionRequest>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let days = (body.until - clock::today()).num_days();
    if !(0..=366).contains(&days) {
        return Err(invalid(
            "until",
            "暂免截止日期须在今天到一年之内",
            "from today to a year ahead",
        ));
    }
    let reason = body.reason.trim().to_owned();
    if !(1..=200).contains(&reason.chars().count()) {
        return Err(invalid(
            "reason",
            "请填写暂免原因（不超过 200 字）",
            "give a reason (at most 200 characters)",
        ));
    }
    let t = service::exempt(&state, &staff, *id, Some((body.until, reason))).await?;
    Ok(web::Json(dto(&state, t).await?))
}

/// End an exemption now.
#[utoipa::path(tag = "certification", operation_id = "certification.exemption.end", security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TransfereeDto)))]
#[delete("/certification/transferees/{id}/exemption")]
pub(super) async fn end_exemption(
    state: State,
    staff: Staff,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransfereeDto>, ApiError> {
    let t = service::exempt(&state, &staff, *id, None).await?;
    Ok(web::Json(dto(&state, t).await?))
}
