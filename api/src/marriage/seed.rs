//! The demo data's marriage registration offices and their weekly plans.
use crate::error::ApiError;
use crate::platform::audit::Actor;
use crate::platform::tx::Tx;
use crate::scheduling::setup::{ResourceSpec, TemplateSlot, replace_template, save_resource};

/// The district's marriage registration centre and a branch, with Beijing's defaults:
/// working days within 15 days, booking for the next day closing at 15:00, cancelling
/// until an hour before. Capacities are demo values an admin changes.
pub async fn seed_offices(txn: &Tx) -> Result<(), ApiError> {
    let offices = [
        ("marriage-centre", "通州区婚姻登记中心", "通州区运河东大街"),
        (
            "marriage-branch",
            "通州区婚姻登记处（台湖分处）",
            "通州区台湖镇",
        ),
    ];
    for (id, name, address) in offices {
        let spec = ResourceSpec {
            id: id.into(),
            kind: "marriage_office".into(),
            name: name.into(),
            address: Some(address.into()),
            window_days: 15,
            window_opens_at: "00:00".into(),
            cutoff_previous_day_at: Some("15:00".into()),
            cutoff_minutes: 0,
            cancel_minutes: 60,
            working_days_only: true,
        };
        save_resource(txn, spec, Actor::System, None).await?;
        // Per business type: its (start, end) times and the capacity of each.
        type Plan<'a> = (&'a str, &'a [(&'a str, &'a str)], i32);
        let plan: [Plan; 3] = [
            (
                "marriage",
                &[
                    ("09:00", "10:00"),
                    ("10:00", "11:00"),
                    ("11:00", "12:00"),
                    ("13:30", "14:30"),
                    ("14:30", "15:30"),
                    ("15:30", "16:30"),
                ],
                10,
            ),
            ("divorce", &[("09:00", "11:00"), ("13:30", "16:30")], 5),
            ("reissue", &[("09:00", "12:00"), ("13:30", "16:30")], 5),
        ];
        for (business_type, times, capacity) in plan {
            let slots = (1..=5)
                .flat_map(|weekday| {
                    times.iter().map(move |(s, e)| TemplateSlot {
                        weekday,
                        start_time: (*s).into(),
                        end_time: (*e).into(),
                        capacity,
                    })
                })
                .collect();
            replace_template(txn, id, business_type, slots, Actor::System, None).await?;
        }
    }
    Ok(())
}
