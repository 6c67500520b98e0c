//! Signing in with WeChat, linking an account to WeChat, binding the WeChat phone number.
use entity::citizen_account;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::platform::context::Context;

use super::rules::{Identity, event, find_or_create, phone_error, phone_index, wechat_session};
use crate::auth::extract::Citizen;
use crate::auth::session::{self, TokenPair};
use crate::auth::tokens::AccountKind;
use crate::error::{ApiError, Code};
use crate::platform::audit;
use crate::platform::db::is_unique_violation;
use crate::platform::rate_limit::{self, Limit};
use crate::platform::wechat;
use crate::state::AppState;

/// WeChat sign-ins per client address per minute: generous, because mobile carriers put
/// many phones behind one address, yet enough to stop one client burning the app's quota.
pub(super) const WECHAT_PER_CLIENT: Limit = Limit {
    hits: 300,
    window_secs: 60,
};

/// Signs in with the `code` from `wx.login`.
pub async fn sign_in_with_wechat(
    state: &AppState,
    code: &str,
    client: &str,
) -> Result<TokenPair, ApiError> {
    // Each call spends the app's jscode2session quota: one client cannot spend it all.
    rate_limit::hit(
        &state.db,
        &format!("wechat-sign-in:client:{client}"),
        WECHAT_PER_CLIENT,
        Code::RateLimited,
    )
    .await?;
    let session = wechat_session(state, code).await?;
    let txn = state.begin().await?;
    let identity = Identity::Wechat {
        openid: &session.openid,
        unionid: session.unionid.clone(),
    };
    let account = find_or_create(&txn, identity).await?;
    let tokens = session::start(&txn, state, AccountKind::Citizen, account, None).await?;
    audit::record(
        &txn,
        event(
            account,
            "auth.citizen.sign_in",
            "signed in with WeChat".into(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(tokens)
}

/// Links the WeChat openid behind `code` to the caller's account.
pub async fn link_wechat(state: &Context, citizen: &Citizen, code: &str) -> Result<(), ApiError> {
    let session = wechat_session(state, code).await?;
    let txn = state.begin().await?;
    let owner = citizen_account::Entity::find()
        .filter(citizen_account::Column::WechatOpenid.eq(&session.openid))
        .one(&txn)
        .await?;
    match owner {
        Some(other) if other.id != citizen.id => {
            return Err(ApiError::new(Code::WechatAlreadyLinked));
        }
        Some(_) => return Ok(()),
        None => {}
    }
    citizen_account::Entity::update_many()
        .col_expr(
            citizen_account::Column::WechatOpenid,
            Expr::value(session.openid),
        )
        .col_expr(
            citizen_account::Column::WechatUnionid,
            Expr::value(session.unionid),
        )
        .filter(citizen_account::Column::Id.eq(citizen.id))
        .exec(&txn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::new(Code::WechatAlreadyLinked)
            } else {
                e.into()
            }
        })?;
    audit::record(
        &txn,
        event(
            citizen.id,
            "auth.citizen.link_wechat",
            "linked a WeChat account".into(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Binds the phone number behind a `getPhoneNumber` code to the caller's account: one
/// phone per account (a new one replaces the old) and one account per phone (a number on
/// another account is refused, never moved). Answers the number in E.164.
pub async fn bind_phone_by_wechat(
    state: &Context,
    citizen: &Citizen,
    code: &str,
) -> Result<String, ApiError> {
    let (Some(app_id), Some(secret)) = (
        &state.config.wechat_app_id,
        &state.secrets.wechat_app_secret,
    ) else {
        return Err(ApiError::new(Code::WechatNotConfigured));
    };
    let (http, base) = (&state.http, state.config.wechat_api_base.as_str());
    let (country, number) = wechat::with_access_token(
        &state.wechat_token,
        http,
        base,
        app_id,
        secret,
        |token| async move { wechat::user_phone_number(http, base, &token, app_id, code).await },
    )
    .await
    .map_err(phone_error)?;
    let phone = (country == "86")
        .then(|| crate::platform::text::mobile_number(&number))
        .flatten()
        .ok_or_else(|| ApiError::new(Code::PhoneNotMainland))?;
    let index = phone_index(&state.sealer, &phone);
    let txn = state.begin().await?;
    let owner = citizen_account::Entity::find()
        .filter(citizen_account::Column::PhoneIndex.eq(&index))
        .one(&txn)
        .await?;
    match owner {
        Some(other) if other.id != citizen.id => {
            return Err(ApiError::new(Code::PhoneAlreadyBound));
        }
        Some(_) => return Ok(phone),
        None => {}
    }
    citizen_account::Entity::update_many()
        .col_expr(citizen_account::Column::PhoneIndex, Expr::value(index))
        .col_expr(
            citizen_account::Column::PhoneSealed,
            Expr::value(state.sealer.seal(&phone)),
        )
        .filter(citizen_account::Column::Id.eq(citizen.id))
        .exec(&txn)
        .await
        .map_err(|e| {
            // Two accounts binding one number at once meet at the unique index.
            if is_unique_violation(&e) {
                ApiError::new(Code::PhoneAlreadyBound)
            } else {
                e.into()
            }
        })?;
    let summary = format!(
        "bound the phone {}",
        crate::platform::text::mask_mobile(&phone)
    );
    audit::record(&txn, event(citizen.id, "auth.citizen.bind_phone", summary)).await?;
    txn.commit().await?;
    Ok(phone)
}
