//! Rule-free plumbing shared by every room: the request context (id, language, problem
//! rendering), body and query extraction, pagination and the database connection.
//! Nothing here knows a domain rule; if it does, it belongs to a room.
pub mod audit;
pub mod booking_code;
pub mod client;
pub mod clock;
pub mod closed_set;
pub mod context;
pub mod crypto;
pub mod db;
pub mod extract;
pub mod face;
pub mod housekeeping;
pub mod http;
pub mod idempotency;
pub mod jobs;
pub mod lang;
pub mod outbox;
pub mod pagination;
pub mod rate_limit;
pub mod rows;
pub mod sms;
pub mod tencent_cloud;
pub mod text;
pub mod tx;
pub mod wechat;
