//! Wire types of marriage appointments.
mod appointments;
mod desk;
mod divorce;
mod draws;
mod waitlist;

pub(crate) use appointments::parse_parties;
pub use appointments::{
    AppointmentDto, AppointmentListDto, MarriageBookRequest, PartyDto, RescheduleRequest,
    ShareLinkDto,
};
pub use desk::{DaySheetQuery, LookupQuery};
pub use divorce::{DivorceApplicationDto, DivorceApplicationListDto, DivorceApplicationRequest};
pub use draws::{
    DrawDto, DrawEntryDto, DrawEntryListDto, DrawEntryRequest, DrawListDto, DrawListQuery,
    NewDrawRequest,
};
pub use waitlist::{OfferDto, WaitlistEntryDto, WaitlistEntryListDto, WaitlistRequest};
