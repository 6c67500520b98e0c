//! The demo data's funeral homes: their weekly plans and price lists.
use super::domain::{CREMATION, FAREWELL, HOME_KIND};
use super::service::{ItemSpec, save_item};
use crate::error::ApiError;
use crate::platform::audit::Actor;
use crate::platform::tx::Tx;
use crate::scheduling::setup::{ResourceSpec, TemplateSlot, replace_template, save_resource};

/// A slot's start and end, `HH:MM`.
type Times = (&'static str, &'static str);

/// The demo funeral home: open every day, bookable 7 days ahead until 2 hours before a
/// slot, three farewell halls, six cremations per slot, and its price list.
pub async fn seed_homes(txn: &Tx) -> Result<(), ApiError> {
    let times = |list: &[Times]| {
        list.iter()
            .map(|(s, e)| ((*s).to_owned(), (*e).to_owned()))
            .collect()
    };
    let farewell = times(&[
        ("07:00", "08:00"),
        ("08:00", "09:00"),
        ("09:00", "10:00"),
        ("10:00", "11:00"),
        ("13:00", "14:00"),
        ("14:00", "15:00"),
    ]);
    let cremation = times(&[
        ("08:00", "10:00"),
        ("10:00", "12:00"),
        ("13:00", "15:00"),
        ("15:00", "17:00"),
    ]);
    let home = ("tongzhou-funeral-home", "通州区殡仪馆", "通州区宋庄镇", 120);
    seed_home(
        txn,
        home,
        [(FAREWELL, farewell, 3), (CREMATION, cremation, 6)],
    )
    .await
}

/// A demo funeral home bookable the same day around the clock (`dev` mode's same-day
/// places, see `seed`): an hourly farewell and cremation slot, no cut-off.
pub async fn seed_demo_home(txn: &sea_orm::DatabaseTransaction) -> Result<(), ApiError> {
    let hourly: Vec<(String, String)> = (0..24)
        .map(|h| {
            (
                format!("{h:02}:00"),
                if h == 23 {
                    "23:59".into()
                } else {
                    format!("{:02}:00", h + 1)
                },
            )
        })
        .collect();
    let home = (
        "tongzhou-funeral-home-demo",
        "殡仪馆演示窗口（当天可约）",
        "演示数据 / demo data",
        0,
    );
    seed_home(
        txn,
        home,
        [(FAREWELL, hourly.clone(), 3), (CREMATION, hourly, 6)],
    )
    .await
}

/// One service's weekly plan in the demo data: its business type, its (start, end) times
/// and the capacity of each.
type SeedPlan<'a> = (&'a str, Vec<(String, String)>, i32);

/// Writes a funeral home (id, name, address, cut-off minutes), its weekly plan for every
/// day and the price list.
async fn seed_home(
    txn: &sea_orm::DatabaseTransaction,
    (id, name, address, cutoff_minutes): (&str, &str, &str, i32),
    plan: [SeedPlan<'_>; 2],
) -> Result<(), ApiError> {
    let spec = ResourceSpec {
        id: id.into(),
        kind: HOME_KIND.into(),
        name: name.into(),
        address: Some(address.into()),
        window_days: 7,
        window_opens_at: "00:00".into(),
        cutoff_previous_day_at: None,
        cutoff_minutes,
        cancel_minutes: cutoff_minutes,
        working_days_only: false,
    };
    save_resource(txn, spec, Actor::System, None).await?;
    for (business_type, times, capacity) in plan {
        let slots = (1..=7)
            .flat_map(|weekday| {
                times.iter().map(move |(s, e)| TemplateSlot {
                    weekday,
                    start_time: s.clone(),
                    end_time: e.clone(),
                    capacity,
                })
            })
            .collect();
        replace_template(txn, id, business_type, slots, Actor::System, None).await?;
    }
    seed_price_list(txn, id).await
}

/// The home's price list. Beijing's basic funeral services (遗体接运、存放、火化、骨灰寄存)
/// are free; the rest is priced by the home. Prices in fen.
async fn seed_price_list(txn: &sea_orm::DatabaseTransaction, id: &str) -> Result<(), ApiError> {
    let items: [(&str, &str, &str, i64, bool); 7] = [
        ("transport", "遗体接运", "transport", 30_000, true),
        ("cold_storage", "遗体冷藏（每日）", "other", 10_000, true),
        ("cremation", "遗体火化", "cremation", 50_000, true),
        (
            "farewell_small",
            "小告别厅（1 小时）",
            "farewell",
            60_000,
            false,
        ),
        (
            "farewell_large",
            "大告别厅（1 小时）",
            "farewell",
            150_000,
            false,
        ),
        ("urn_basic", "普通骨灰盒", "goods", 80_000, false),
        ("flowers", "鲜花布置", "goods", 50_000, false),
    ];
    for (code, name, kind, price_fen, basic) in items {
        let spec = ItemSpec {
            name: name.into(),
            kind: kind.into(),
            price_fen,
            basic,
            active: true,
        };
        save_item(txn, id, code, spec, Actor::System, None).await?;
    }
    Ok(())
}
