//! Face-verified survival certification for transferees (征地超转人员人脸识别生存认证):
//! the registry (`registry`, `import`), the cycle with reminders and suspension
//! (`cycle`), the ladder of ways to certify (`ways`: WeChat, FaceID, proxy, desk or
//! home-visit comparison with `platform::face`, manual review), bureau-wide windows
//! (`window`), staff views (`stats`) and the desk's view of notices (`notices`).
pub mod cycle;
pub mod domain;
pub mod dto;
pub mod error;
pub mod import;
mod notices;
pub mod registry;
mod routes;
pub mod service;
pub mod states;
pub mod stats;
pub mod ways;
pub mod window;

pub use routes::routes;
