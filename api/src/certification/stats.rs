//! Staff views of one street (or the whole district): counts by status, the overdue list,
//! a CSV export, and the progress plot for the bureau's weekly meeting.
use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use entity::{survival_certification as certification, transferee};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use super::cycle::status_of;
use super::domain::Status;
use crate::error::ApiError;
use crate::platform::clock;
use crate::platform::context::Context;

/// `street` = `None` means the whole district.
fn of<E: EntityTrait>(
    query: Select<E>,
    column: impl ColumnTrait,
    street: Option<&str>,
) -> Select<E> {
    match street {
        Some(street) => query.filter(column.eq(street)),
        None => query,
    }
}

/// Transferees of a street with their status today.
pub async fn with_status(
    state: &Context,
    street: Option<&str>,
) -> Result<Vec<(transferee::Model, Status)>, ApiError> {
    let today = clock::today();
    let rows = of(
        transferee::Entity::find(),
        transferee::Column::StreetId,
        street,
    )
    .order_by_asc(transferee::Column::DueOn)
    .order_by_asc(transferee::Column::Id)
    .all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|t| {
            let status = status_of(&state.config, &t, today);
            (t, status)
        })
        .collect())
}

/// How many transferees of a street (`None`: all) are in a cycle (allowance not stopped).
pub async fn in_cycle(state: &Context, street: Option<&str>) -> Result<u64, ApiError> {
    use sea_orm::PaginatorTrait;
    Ok(of(
        transferee::Entity::find(),
        transferee::Column::StreetId,
        street,
    )
    .filter(transferee::Column::AllowanceStatus.ne("stopped"))
    .count(&state.db)
    .await?)
}

/// How many transferees are in each status.
pub fn counts(rows: &[(transferee::Model, Status)]) -> BTreeMap<&'static str, u64> {
    let mut counts: BTreeMap<&'static str, u64> =
        Status::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for (_, status) in rows {
        *counts.entry(status.as_str()).or_default() += 1;
    }
    counts
}

/// The export: one line per transferee, masked (the meeting needs who and where, not
/// full ID numbers).
pub fn csv(rows: &[(transferee::Model, Status)]) -> Result<Vec<u8>, ApiError> {
    let mut out = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    let header = [
        "姓名",
        "身份证号码",
        "街道（乡镇）",
        "村（社区）",
        "状态",
        "认证截止日期",
        "上次认证时间",
        "上次认证方式",
        "补助发放",
    ];
    out.write_record(header).map_err(ApiError::internal)?;
    for (t, status) in rows {
        let last = t.last_certified_at.map(clock::format).unwrap_or_default();
        let due = t.due_on.to_string();
        let record = [
            t.name_masked.as_str(),
            t.id_number_masked.as_str(),
            t.street_id.as_str(),
            t.village.as_str(),
            status.label_zh(),
            due.as_str(),
            last.as_str(),
            t.last_certified_via.as_deref().unwrap_or(""),
            allowance_zh(&t.allowance_status),
        ];
        out.write_record(record).map_err(ApiError::internal)?;
    }
    out.into_inner().map_err(ApiError::internal)
}

fn allowance_zh(status: &str) -> &'static str {
    match status {
        "paid" => "正常发放",
        "suspended" => "暂停发放",
        _ => "已停发",
    }
}

/// Certifications per day from `since` to today, cumulative.
pub async fn progress(
    state: &Context,
    street: Option<&str>,
    since: NaiveDate,
) -> Result<Vec<(NaiveDate, u64)>, ApiError> {
    let from = since.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::hours(8);
    let times: Vec<chrono::DateTime<chrono::Utc>> = of(
        certification::Entity::find(),
        certification::Column::StreetId,
        street,
    )
    .select_only()
    .column(certification::Column::CertifiedAt)
    .filter(certification::Column::CertifiedAt.gte(from))
    .into_tuple()
    .all(&state.db)
    .await?;
    let mut per_day: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for t in times {
        *per_day
            .entry(t.with_timezone(&chrono_tz::Asia::Shanghai).date_naive())
            .or_default() += 1;
    }
    let mut total = 0;
    let mut series = Vec::new();
    let mut day = since;
    while day <= clock::today() {
        total += per_day.get(&day).copied().unwrap_or(0);
        series.push((day, total));
        day += Duration::days(1);
    }
    Ok(series)
}

/// An SVG line chart of cumulative certifications against the registry's size. Written by
/// hand: one polyline and a few labels need no plotting library or fonts on the server.
pub fn plot(title: &str, series: &[(NaiveDate, u64)], registry: u64) -> String {
    const W: f64 = 800.0;
    const H: f64 = 400.0;
    const LEFT: f64 = 70.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 50.0;
    const BOTTOM: f64 = 50.0;
    let top_value = series
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0)
        .max(registry)
        .max(1) as f64;
    let days = series.len().saturating_sub(1).max(1) as f64;
    let x = |i: usize| LEFT + (W - LEFT - RIGHT) * i as f64 / days;
    let y = |n: u64| H - BOTTOM - (H - TOP - BOTTOM) * n as f64 / top_value;
    let points: Vec<String> = series
        .iter()
        .enumerate()
        .map(|(i, (_, n))| format!("{:.1},{:.1}", x(i), y(*n)))
        .collect();
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="14">
<title>{title}</title>
<rect width="{W}" height="{H}" fill="#ffffff"/>
<text x="{LEFT}" y="30" font-size="18">{title}</text>
<line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="#333"/>
<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="#333"/>
<line x1="{LEFT}" y1="{ry:.1}" x2="{r}" y2="{ry:.1}" stroke="#c0392b" stroke-dasharray="6 4"/>
<text x="{r}" y="{rt:.1}" text-anchor="end" fill="#c0392b">应认证 {registry} 人</text>
<polyline fill="none" stroke="#1f6feb" stroke-width="2.5" points="{points}"/>
<text x="{lx}" y="{ly:.1}" text-anchor="end">0</text>
<text x="{lx}" y="{ty:.1}" text-anchor="end">{top}</text>
"##,
        title = escape(title),
        b = H - BOTTOM,
        r = W - RIGHT,
        ry = y(registry),
        rt = y(registry) - 6.0,
        points = points.join(" "),
        lx = LEFT - 8.0,
        ly = H - BOTTOM + 5.0,
        ty = TOP + 5.0,
        top = top_value as u64,
    );
    if let (Some((first, _)), Some((last, done))) = (series.first(), series.last()) {
        svg.push_str(&format!(
            "<text x=\"{LEFT}\" y=\"{d}\">{first}</text>\n<text x=\"{r}\" y=\"{d}\" text-anchor=\"end\">{last}</text>\n<text x=\"{r}\" y=\"{dy:.1}\" text-anchor=\"end\" fill=\"#1f6feb\">已认证 {done} 人次</text>\n",
            d = H - BOTTOM + 22.0,
            r = W - RIGHT,
            dy = (y(*done) + 18.0).min(H - BOTTOM - 4.0),
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plot_is_well_formed_svg_with_one_point_a_day() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let svg = plot(
            "中仓街道 <test>",
            &[(day(1), 0), (day(2), 3), (day(3), 7)],
            10,
        );
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("&lt;test&gt;"));
        let points = svg
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(points.split(' ').count(), 3);
    }
}
