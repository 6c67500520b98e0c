//! Citizen sign-in: WeChat mini-program (`wx.login` code), apps (a one-time code by email
//! or by SMS), and linking a WeChat openid to an account made otherwise.
mod code;
mod notices;
mod rules;
mod wechat;

pub use code::{CODE_LOCK, CODE_MAX_WRONG, CODE_TTL, send_code, sign_in_with_code};
pub use notices::{
    Contact, Notice, contact_of, face_openid, notify, notify_as, reach, sms_params_of,
};
pub use rules::{Address, exists, phone_index};
pub use wechat::{bind_phone_by_wechat, link_wechat, sign_in_with_wechat};
