//! Manual reviews, as staff see and decide them.
use actix_web::{get, post, web};
use uuid::Uuid;

use super::rules::{State, invalid, review_dtos};
use crate::auth::extract::{Decider, Guarded, Staff};
use crate::certification::domain::street_of;
use crate::certification::dto::*;
use crate::certification::states::CertificationReviewStatus;
use crate::certification::ways;
use crate::error::ApiError;
use crate::platform::extract::{Json, Query};
use crate::platform::pagination::slice;

/// Manual reviews of a street, oldest first, with the date an answer is due.
#[utoipa::path(tag = "certification", operation_id = "certification.reviews.list", security(("staff_token" = [])), params(ReviewQuery),
    responses((status = 200, body = ReviewListDto)))]
#[get("/certification/reviews")]
pub(super) async fn reviews(
    state: State,
    staff: Staff,
    Query(q): Query<ReviewQuery>,
) -> Result<web::Json<ReviewListDto>, ApiError> {
    use entity::certification_review as review;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let street = street_of(&staff.scope, q.street.as_deref())?;
    let status = q.status.unwrap_or(CertificationReviewStatus::Open);
    let mut query = review::Entity::find()
        .filter(review::Column::Status.eq(status.as_str()))
        .order_by_asc(review::Column::CreatedAt)
        .order_by_asc(review::Column::Id);
    if let Some(street) = street {
        query = query.filter(review::Column::StreetId.eq(street));
    }
    let page = slice(query.all(&state.db).await?, &q.page(), |r| r.id.to_string())?;
    let items = review_dtos(&state, page.rows).await?;
    Ok(web::Json(ReviewListDto {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Decide a review with a reason (reviewers, approvers, admins): approving certifies;
/// rejecting lets face checks start again.
#[utoipa::path(tag = "certification", operation_id = "certification.reviews.decide", request_body = DecisionRequest, security(("staff_token" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ReviewDto)))]
#[post("/certification/reviews/{id}/decision")]
pub(super) async fn decide(
    state: State,
    staff: Guarded<Decider>,
    id: web::Path<Uuid>,
    Json(body): Json<DecisionRequest>,
) -> Result<web::Json<ReviewDto>, ApiError> {
    let reason = body.reason.trim().to_owned();
    if !(1..=500).contains(&reason.chars().count()) {
        return Err(invalid(
            "reason",
            "请填写理由（不超过 500 字）",
            "give a reason (at most 500 characters)",
        ));
    }
    let row = ways::decide(&state, &staff, *id, body.approve, reason).await?;
    Ok(web::Json(review_dtos(&state, vec![row]).await?.remove(0)))
}
