//! sea-orm entities: one file per table, no logic. Entities never go on the wire; each
//! room's `dto.rs` does.
pub mod app_meta;
pub mod audit_event;
pub mod auth_session;
pub mod calendar_day;
pub mod citizen_account;
pub mod divorce_application;
pub mod draw;
pub mod draw_entrant;
pub mod draw_request;
pub mod email_code;
pub mod idempotency_record;
pub mod marriage_appointment;
pub mod marriage_party;
pub mod media_object;
pub mod outbox_message;
pub mod proxy_consent;
pub mod rate_counter;
pub mod real_name;
pub mod refresh_token;
pub mod resource;
pub mod resource_exception;
pub mod slot;
pub mod slot_template;
pub mod staff_account;
pub mod street;
pub mod waitlist_entry;
