//! The typed callers handlers receive. The extractor in a handler's signature says who
//! may call it: a handler taking `Admin` cannot be reached by a clerk, whatever it forgets.
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use entity::staff_account;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::domain::{Role, Scope, ScopeKind};
use super::session::{self, RESTRICT_PASSWORD};
use super::tokens::AccountKind;
use crate::error::{ApiError, Code};
use crate::platform::http::RequestId;
use crate::state::AppState;

/// A signed-in citizen.
#[derive(Clone, Debug)]
pub struct Citizen {
    pub id: Uuid,
    pub session_id: Uuid,
    pub request_id: Option<String>,
}

/// A signed-in staff member with no pending required step.
#[derive(Clone, Debug)]
pub struct Staff {
    pub id: Uuid,
    pub role: Role,
    pub scope: Scope,
    pub session_id: Uuid,
    pub request_id: Option<String>,
}

impl Staff {
    /// Whether this staff member works at the place `(kind, id)`: its own staff, or a
    /// district admin. District reviewers and approvers (applications, moderation) cover
    /// streets, not the desks of offices, cemeteries and funeral homes.
    pub fn works_at(&self, kind: ScopeKind, id: &str) -> bool {
        let district_admin = self.role == Role::Admin && self.scope.kind == ScopeKind::District;
        district_admin || (self.scope.kind == kind && self.scope.id.as_deref() == Some(id))
    }
}

/// A staff member whose session may still owe a step (changing the first password,
/// setting up TOTP): only the routes that complete those steps take this.
#[derive(Clone, Debug)]
pub struct PendingStaff(pub Staff, pub Option<String>);

/// A signed-in citizen or staff member, for routes both may call (uploads).
#[derive(Clone, Debug)]
pub enum Caller {
    Citizen(Citizen),
    Staff(Staff),
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The token's own kind decides which account to load.
        let staff_token = context(req).ok().is_some_and(|(state, token, _)| {
            token.is_some_and(|t| state.tokens.verify(AccountKind::Staff, &t).is_some())
        });
        if staff_token {
            let staff = Staff::from_request(req, payload);
            Box::pin(async move { staff.await.map(Caller::Staff) })
        } else {
            let citizen = Citizen::from_request(req, payload);
            Box::pin(async move { citizen.await.map(Caller::Citizen) })
        }
    }
}

/// A signed-in admin.
#[derive(Clone, Debug)]
pub struct Admin(pub Staff);

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn unauthenticated() -> ApiError {
    ApiError::new(Code::Unauthenticated).with_header(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    )
}

/// What every extractor reads from a request: the state, the bearer token and the
/// request id.
type RequestParts = (web::Data<AppState>, Option<String>, Option<String>);

fn context(req: &HttpRequest) -> Result<RequestParts, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("no AppState"))?;
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.to_string());
    Ok((state, bearer(req), request_id))
}

impl FromRequest for Citizen {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = context(req);
        Box::pin(async move {
            let (state, token, request_id) = ctx?;
            let claims = token
                .and_then(|t| state.tokens.verify(AccountKind::Citizen, &t))
                .ok_or_else(unauthenticated)?;
            let session = session::check_citizen(&state.db, &claims).await?;
            Ok(Citizen {
                id: claims.sub,
                session_id: session.id,
                request_id,
            })
        })
    }
}

/// Loads the staff member behind the bearer token, with the session's pending step.
async fn load_staff(
    state: &AppState,
    token: Option<String>,
    request_id: Option<String>,
) -> Result<PendingStaff, ApiError> {
    let claims = token
        .and_then(|t| state.tokens.verify(AccountKind::Staff, &t))
        .ok_or_else(unauthenticated)?;
    let session = session::check(&state.db, AccountKind::Staff, &claims).await?;
    let account = staff_account::Entity::find_by_id(claims.sub)
        .one(&state.db)
        .await?
        .filter(|a| !a.disabled)
        .ok_or_else(|| ApiError::new(Code::SessionEnded))?;
    let role = Role::parse(&account.role)
        .ok_or_else(|| ApiError::internal("unknown role in staff_account"))?;
    let kind =
        ScopeKind::parse(&account.scope_kind).ok_or_else(|| ApiError::internal("unknown scope"))?;
    let staff = Staff {
        id: account.id,
        role,
        scope: Scope {
            kind,
            id: account.scope_id,
        },
        session_id: session.id,
        request_id,
    };
    Ok(PendingStaff(staff, session.restriction))
}

impl FromRequest for PendingStaff {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = context(req);
        Box::pin(async move {
            let (state, token, request_id) = ctx?;
            load_staff(&state, token, request_id).await
        })
    }
}

impl FromRequest for Staff {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let pending = PendingStaff::from_request(req, payload);
        Box::pin(async move {
            let PendingStaff(staff, restriction) = pending.await?;
            match restriction.as_deref() {
                None => Ok(staff),
                Some(RESTRICT_PASSWORD) => Err(ApiError::new(Code::PasswordChangeRequired)),
                Some(_) => Err(ApiError::new(Code::TotpSetupRequired)),
            }
        })
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = Staff::from_request(req, payload);
        Box::pin(async move {
            let staff = staff.await?;
            if staff.role != Role::Admin {
                return Err(ApiError::new(Code::Forbidden));
            }
            Ok(Admin(staff))
        })
    }
}

/// Who may call a handler, as a type (meilisearch's `GuardedData<Policy>`): a handler
/// taking `Guarded<DistrictAdmin>` cannot be reached by anyone else, whatever its body
/// forgets. Scope checks on the records themselves stay in each room's service.
pub trait Policy: 'static {
    fn allows(staff: &Staff) -> bool;
}

/// A signed-in staff member whom the policy `P` allows; others get 403 `auth.forbidden`.
#[derive(Clone, Debug)]
pub struct Guarded<P>(pub Staff, std::marker::PhantomData<P>);

impl<P> std::ops::Deref for Guarded<P> {
    type Target = Staff;

    fn deref(&self) -> &Staff {
        &self.0
    }
}

impl<P: Policy> FromRequest for Guarded<P> {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = Staff::from_request(req, payload);
        Box::pin(async move {
            let staff = staff.await?;
            if !P::allows(&staff) {
                return Err(ApiError::new(Code::Forbidden));
            }
            Ok(Guarded(staff, std::marker::PhantomData))
        })
    }
}

/// A district admin: the bureau's own settings (catalogue, price lists, jobs).
#[derive(Clone, Debug)]
pub struct DistrictAdmin;

impl Policy for DistrictAdmin {
    fn allows(staff: &Staff) -> bool {
        staff.role == Role::Admin && staff.scope.kind == ScopeKind::District
    }
}

/// A district admin or approver: oversight of every room (the audit trail).
#[derive(Clone, Debug)]
pub struct DistrictOversight;

impl Policy for DistrictOversight {
    fn allows(staff: &Staff) -> bool {
        matches!(staff.role, Role::Admin | Role::Approver)
            && staff.scope.kind == ScopeKind::District
    }
}

/// Anyone who decides cases: every staff role but the desk clerk.
#[derive(Clone, Debug)]
pub struct Decider;

impl Policy for Decider {
    fn allows(staff: &Staff) -> bool {
        staff.role != Role::Clerk
    }
}

/// Who sent a request, for scoping `Idempotency-Key`s (`platform::idempotency::Keys`):
/// the account behind a valid token (stable across refreshes), else the client address.
pub fn caller_key(req: &actix_web::dev::ServiceRequest) -> String {
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return "anonymous:unknown".into();
    };
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .map(|(_, t)| t.trim().to_owned());
    let subject = token.and_then(|t| {
        [AccountKind::Citizen, AccountKind::Staff]
            .into_iter()
            .find_map(|kind| {
                state
                    .tokens
                    .verify(kind, &t)
                    .map(|c| format!("{}:{}", kind.as_str(), c.sub))
            })
    });
    subject.unwrap_or_else(|| {
        let address =
            crate::platform::client::address(req.request(), &state.config.trusted_proxies);
        format!("anonymous:{address}")
    })
}
