//! Minzheng: the civil-affairs self-service backend of a district bureau.
//!
//! `startup` builds the service; each room (`admin`, `auth`, `identity`, ...) owns one
//! capability; `platform` holds the rule-free plumbing they share.
pub mod admin;
pub mod applications;
pub mod auth;
pub mod certification;
pub mod config;
pub mod console;
pub mod dev;
pub mod error;
pub mod funeral;
pub mod health;
pub mod identity;
pub mod marriage;
pub mod media;
pub mod memorial;
pub mod mount;
pub mod notices;
pub mod openapi;
pub mod platform;
pub mod scheduling;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
