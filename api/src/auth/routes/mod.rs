//! Auth routes: sign-in, tokens, the caller's own account, and staff accounts (admins).
mod accounts;
mod for_citizens;
mod for_staff;
mod rules;

use utoipa_actix_web::service_config::ServiceConfig;

use accounts::{create_staff, disable_staff, enable_staff, list_staff, reset_staff_totp};
use for_citizens::{
    citizen_logout, citizen_me, citizen_refresh, citizen_revoke_others, citizen_revoke_session,
    citizen_sessions, email_code, email_sign_in, phone_bind_wechat, sms_code, sms_sign_in,
    wechat_link, wechat_sign_in,
};
use for_staff::{
    staff_logout, staff_me, staff_password, staff_refresh, staff_revoke_others,
    staff_revoke_session, staff_sessions, staff_sign_in, staff_totp_confirm, staff_totp_setup,
};

/// Mounts `/api/v1/auth/...` and `/api/v1/staff-accounts/...`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(staff_sign_in)
        .service(staff_refresh)
        .service(staff_logout)
        .service(staff_me)
        .service(staff_password)
        .service(staff_totp_setup)
        .service(staff_totp_confirm)
        .service(email_code)
        .service(email_sign_in)
        .service(sms_code)
        .service(sms_sign_in)
        .service(wechat_sign_in)
        .service(wechat_link)
        .service(phone_bind_wechat)
        .service(citizen_refresh)
        .service(citizen_logout)
        .service(citizen_me)
        .service(citizen_sessions)
        .service(citizen_revoke_others)
        .service(citizen_revoke_session)
        .service(staff_sessions)
        .service(staff_revoke_others)
        .service(staff_revoke_session);
}

/// Mounts the admins' staff-account routes.
pub fn admin_routes(cfg: &mut ServiceConfig) {
    cfg.service(create_staff)
        .service(list_staff)
        .service(disable_staff)
        .service(enable_staff)
        .service(reset_staff_totp);
}
