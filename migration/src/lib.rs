//! Schema migrations, one file per change. A landed migration is never edited: a change
//! to the schema is a new file appended to `Migrator::migrations`.
#![expect(
    clippy::too_many_lines,
    reason = "a migration's `up` lists the tables it creates, and a landed one is never edited"
)]
pub use sea_orm_migration::prelude::*;

mod m20261129_000001_foundation;
mod m20261129_000002_identity_access;
mod m20261129_000003_scheduling_marriage;
mod m20261129_000004_totp_step;
mod m20261129_000005_divorce_application;
mod m20261129_000006_appointment_reminder;
mod m20261129_000007_waitlist_draw;
mod m20261129_000008_media;
mod m20261129_000009_audit_inbox;
mod m20261129_000010_applications;
mod m20261129_000011_one_draft;
mod m20261129_000012_tomb_visits;
mod m20261129_000013_funeral;
mod m20261129_000014_proxy_sweeping;
mod m20261129_000015_memorial_halls;
mod m20261129_000016_survival_certification;
mod m20261202_000017_id_mask;
mod m20261202_000018_job;
mod m20261202_000019_supplement_codes;
mod m20261203_000020_funeral_home_rule;
mod m20261203_000021_session_device;
mod m20261203_000022_phone_sign_in;
mod m20261203_000023_real_name_face;
mod m20261203_000024_notice_person;
mod m20261203_000025_access_event;

/// Every migration, in the order it runs.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_foundation::Migration),
            Box::new(m20261129_000002_identity_access::Migration),
            Box::new(m20261129_000003_scheduling_marriage::Migration),
            Box::new(m20261129_000004_totp_step::Migration),
            Box::new(m20261129_000005_divorce_application::Migration),
            Box::new(m20261129_000006_appointment_reminder::Migration),
            Box::new(m20261129_000007_waitlist_draw::Migration),
            Box::new(m20261129_000008_media::Migration),
            Box::new(m20261129_000009_audit_inbox::Migration),
            Box::new(m20261129_000010_applications::Migration),
            Box::new(m20261129_000011_one_draft::Migration),
            Box::new(m20261129_000012_tomb_visits::Migration),
            Box::new(m20261129_000013_funeral::Migration),
            Box::new(m20261129_000014_proxy_sweeping::Migration),
            Box::new(m20261129_000015_memorial_halls::Migration),
            Box::new(m20261129_000016_survival_certification::Migration),
            Box::new(m20261202_000017_id_mask::Migration),
            Box::new(m20261202_000018_job::Migration),
            Box::new(m20261202_000019_supplement_codes::Migration),
            Box::new(m20261203_000020_funeral_home_rule::Migration),
            Box::new(m20261203_000021_session_device::Migration),
            Box::new(m20261203_000022_phone_sign_in::Migration),
            Box::new(m20261203_000023_real_name_face::Migration),
            Box::new(m20261203_000024_notice_person::Migration),
            Box::new(m20261203_000025_access_event::Migration),
        ]
    }
}
