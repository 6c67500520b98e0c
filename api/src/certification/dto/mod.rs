//! Wire types of survival certification. Names and ID numbers only ever leave masked.
mod certifications;
mod notices;
mod proxies;
mod reviews;
mod transferees;

pub use certifications::{
    CertificationDto, CertificationList, ComparisonDto, ComparisonForm, PlotQuery,
};
pub use notices::{NoticeDto, NoticeList, StatsDto};
pub use proxies::{ContactDto, LinkedAccount, ProxyDto, ProxyList, ProxyRequest};
pub use reviews::{DecisionRequest, ReviewDto, ReviewListDto, ReviewQuery, ReviewRequest};
pub use transferees::{
    ExemptionRequest, ListQuery, MineDto, MineItem, NewTransfereeRequest, TransfereeDto,
    TransfereePage, TransfereePatch, WindowRequest,
};

/// What a sweep did (admins may run one now; it also runs by itself).
pub use crate::certification::cycle::Swept as SweptDto;
pub use crate::platform::face::dto::{FaceIdStartDto, WechatStartDto};
