//! The demo cemeteries.
use chrono::NaiveDate;

use super::rules::VISIT;
use crate::error::ApiError;
use crate::platform::audit::Actor;
use crate::platform::tx::Tx;
use crate::scheduling::peak;
use crate::scheduling::setup::{self, ResourceSpec, TemplateSlot};

/// Demo cemeteries: a public cemetery and a village burial ground, open every day, with
/// 清明 2027 and 冬至 2026 as peak periods (half-hour slots, earlier opening).
#[expect(
    clippy::too_many_lines,
    reason = "demo cemeteries, written out as data"
)]
pub async fn seed_cemeteries(txn: &Tx) -> Result<(), ApiError> {
    let places = [
        (
            "luhe-cemetery",
            "cemetery",
            "通州区潞河公益性公墓",
            "通州区潞城镇",
            120,
        ),
        (
            "songzhuang-burial",
            "burial_ground",
            "宋庄镇村级公益性埋葬点",
            "通州区宋庄镇",
            40,
        ),
    ];
    for (id, kind, name, address, capacity) in places {
        let spec = ResourceSpec {
            id: id.into(),
            kind: kind.into(),
            name: name.into(),
            address: Some(address.into()),
            window_days: 7,
            window_opens_at: "09:00".into(),
            cutoff_previous_day_at: Some("15:00".into()),
            cutoff_minutes: 0,
            cancel_minutes: 60,
            working_days_only: false,
        };
        setup::save_resource(txn, spec, Actor::System, None).await?;
        let hours = [
            "08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00",
        ];
        let slots = (1..=7)
            .flat_map(|weekday| {
                hours.windows(2).map(move |w| TemplateSlot {
                    weekday,
                    start_time: w[0].into(),
                    end_time: w[1].into(),
                    capacity,
                })
            })
            .collect();
        setup::replace_template(txn, id, VISIT, slots, Actor::System, None).await?;
        for (period, first, last) in [
            ("冬至", (2026, 12, 19), (2026, 12, 23)),
            ("清明", (2027, 3, 27), (2027, 4, 11)),
        ] {
            let date = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d);
            let (Some(first_date), Some(last_date)) = (date(first), date(last)) else {
                continue;
            };
            let halves: Vec<String> = (14..34)
                .map(|h| format!("{:02}:{}", h / 2, if h % 2 == 0 { "00" } else { "30" }))
                .collect();
            let slots = halves
                .windows(2)
                .map(|w| peak::PeakSlot {
                    business_type: VISIT.into(),
                    start_time: w[0].clone(),
                    end_time: w[1].clone(),
                    capacity: capacity * 3 / 4,
                })
                .collect();
            let new = peak::NewPeriod {
                name: period.into(),
                first_date,
                last_date,
                window_days: 14,
                slots,
            };
            peak::create(txn, id, new, Actor::System, None).await?;
        }
    }
    Ok(())
}
