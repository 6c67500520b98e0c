//! sea-orm entities: one file per table, no logic. Entities never go on the wire; each
//! room's `dto.rs` does.
pub mod app_meta;
pub mod staff_account;
pub mod street;
