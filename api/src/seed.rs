//! Demo data, each part written once per database: the district's streets and the first
//! admin (whose generated password is printed once), then the marriage registration
//! offices with their weekly templates, the funeral home, the cemeteries (with their 清明
//! and 冬至 peak periods), and a marriage office and a cemetery bookable the same day around
//! the clock (`marriage-demo`, `demo-cemetery`, `tongzhou-funeral-home-demo`; `dev` mode only) for trying the desk flows. Each part has
//! its own marker in `app_meta`, so a
//! database seeded before a part existed gets that part on its next start.
use chrono::Utc;
use entity::app_meta;
use sea_orm::{DatabaseConnection, EntityTrait, Set};

use crate::error::ApiError;
use crate::platform::audit::Actor;
use crate::platform::tx::{AfterCommit, Tx};
use crate::{admin, auth, marriage};

/// What a seed run did.
pub enum Seeded {
    /// The first part was there already (no new admin password).
    Already,
    /// The first part ran now; the admin's one-time password.
    Now { admin_password: String },
}

/// Seeds what is missing. Two instances starting together on one PostgreSQL race on the
/// markers' primary key: the loser of a part rolls it back and does nothing.
pub async fn run(
    db: &DatabaseConnection,
    dev_mode: bool,
) -> Result<Seeded, Box<dyn std::error::Error + Send + Sync>> {
    let mut admin_password = None;
    if let Some(txn) = claim(db, "demo_seeded_at").await? {
        admin::service::seed_streets(&txn).await?;
        admin_password = Some(auth::service::seed_admin(&txn).await?);
        txn.commit().await?;
    }
    if let Some(txn) = claim(db, "demo_marriage_offices_at").await? {
        marriage::seed::seed_offices(&txn).await?;
        txn.commit().await?;
    }
    if let Some(txn) = claim(db, "demo_funeral_homes_at").await? {
        crate::funeral::seed::seed_homes(&txn).await?;
        txn.commit().await?;
    }
    if let Some(txn) = claim(db, "demo_cemeteries_at").await? {
        crate::memorial::visits::service::seed_cemeteries(&txn).await?;
        txn.commit().await?;
    }
    // Bookable demo places would be real places to a citizen: `dev` mode only.
    if !dev_mode {
        return Ok(
            admin_password.map_or(Seeded::Already, |admin_password| Seeded::Now {
                admin_password,
            }),
        );
    }
    if let Some(txn) = claim(db, "demo_same_day_at").await? {
        seed_same_day(&txn).await?;
        crate::funeral::seed::seed_demo_home(&txn).await?;
        txn.commit().await?;
    }
    Ok(
        admin_password.map_or(Seeded::Already, |admin_password| Seeded::Now {
            admin_password,
        }),
    )
}

/// A marriage office and a cemetery bookable on the same day, around the clock, so that
/// a newcomer tries every desk flow (book, confirm, check in) today: a slot every quarter
/// hour of every day, bookable until it starts, no previous-day cut-off, no working-day
/// rule (only from 23:45 Beijing time is nothing left today). Demo places, not the bureau's.
async fn seed_same_day(txn: &Tx) -> Result<(), ApiError> {
    use crate::scheduling::setup::{ResourceSpec, TemplateSlot, replace_template, save_resource};
    let places = [
        (
            "marriage-demo",
            "marriage_office",
            "婚姻登记演示窗口（当天可约）",
            &["marriage", "divorce", "reissue"][..],
            10,
        ),
        (
            "demo-cemetery",
            "cemetery",
            "演示墓园（当天可约）",
            &[crate::memorial::visits::service::VISIT][..],
            50,
        ),
    ];
    for (id, kind, name, business_types, capacity) in places {
        let spec = ResourceSpec {
            id: id.into(),
            kind: kind.into(),
            name: name.into(),
            address: Some("演示数据 / demo data".into()),
            window_days: 7,
            window_opens_at: "00:00".into(),
            cutoff_previous_day_at: None,
            cutoff_minutes: 0,
            cancel_minutes: 0,
            working_days_only: false,
        };
        save_resource(txn, spec, Actor::System, None).await?;
        for business_type in business_types {
            let slots = (1..=7)
                .flat_map(|weekday| {
                    (0..96).map(move |quarter| TemplateSlot {
                        weekday,
                        start_time: clock_time(quarter),
                        end_time: if quarter == 95 {
                            "23:59".into()
                        } else {
                            clock_time(quarter + 1)
                        },
                        capacity,
                    })
                })
                .collect();
            replace_template(txn, id, business_type, slots, Actor::System, None).await?;
        }
    }
    Ok(())
}

/// `HH:MM` of the n-th quarter hour of a day.
fn clock_time(quarter: u32) -> String {
    format!("{:02}:{:02}", quarter / 4, quarter % 4 * 15)
}

/// A transaction holding the part's marker, or `None` when the part ran before.
async fn claim(db: &DatabaseConnection, key: &str) -> Result<Option<Tx>, sea_orm::DbErr> {
    if app_meta::Entity::find_by_id(key).one(db).await?.is_some() {
        return Ok(None);
    }
    let txn = AfterCommit::none().begin(db).await?;
    let marker = app_meta::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(Utc::now().to_rfc3339()),
        created_at: Set(Utc::now()),
    };
    Ok(app_meta::Entity::insert(marker)
        .exec(&txn)
        .await
        .is_ok()
        .then_some(txn))
}
