//! What funeral bookings tell the family, through the outbox (email to accounts with an
//! address, a WeChat subscribe message with the `funeral_booking` template): each step
//! of the booking, in the transaction of the step.
use entity::{funeral_booking as booking, resource};

use crate::auth::citizen::{self, Notice};
use crate::error::ApiError;
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::tx::Tx;

/// What happened, for the wording.
#[derive(Clone, Copy)]
pub enum Moment {
    Booked,
    Confirmed,
    Proposed,
    Done,
    Cancelled,
    /// The home did not confirm in time: the booking lapsed and its seats came back.
    Lapsed,
}

/// Queues the family's notice in the caller's transaction (email and WeChat, purpose
/// `funeral_booking`). No name of the deceased in it: the masked ID is enough to tell.
#[expect(
    clippy::too_many_lines,
    reason = "each moment's message beside the others"
)]
pub async fn queue(
    conn: &Tx,
    state: &Context,
    row: &booking::Model,
    home: &resource::Model,
    moment: Moment,
) -> Result<(), ApiError> {
    let when = row
        .transport_at
        .or(row.transport_proposed_at)
        .or(row.transport_requested_at);
    let (subject, body) = match moment {
        Moment::Booked => (
            "殡葬服务预约已提交".to_owned(),
            format!(
                "您为逝者（身份证 {}）预约的{}殡葬服务已提交，等待殡仪馆确认。",
                row.deceased_id_masked, home.name
            ),
        ),
        Moment::Confirmed => (
            "殡葬服务预约已确认".to_owned(),
            format!(
                "{}已确认您为逝者（身份证 {}）预约的殡葬服务。",
                home.name, row.deceased_id_masked
            ),
        ),
        Moment::Proposed => (
            "殡仪馆提议新的接运时间".to_owned(),
            format!(
                "{}提议于 {} 接运遗体，请登录确认；如不合适请致电殡仪馆。",
                home.name,
                row.transport_proposed_at
                    .map(clock::format_wechat)
                    .unwrap_or_default()
            ),
        ),
        Moment::Done => (
            "殡葬服务已完成".to_owned(),
            format!(
                "{}已完成为逝者（身份证 {}）预约的殡葬服务。节哀顺变。",
                home.name, row.deceased_id_masked
            ),
        ),
        Moment::Cancelled => (
            "殡葬服务预约已取消".to_owned(),
            format!("您在{}的殡葬服务预约已取消。", home.name),
        ),
        Moment::Lapsed => (
            "殡葬服务预约未获确认".to_owned(),
            format!(
                "{}未在时限内确认您为逝者（身份证 {}）的预约，预约已失效，所占时段已释放。请重新预约或致电殡仪馆。",
                home.name, row.deceased_id_masked
            ),
        ),
    };
    let mut data = std::collections::BTreeMap::from([
        (
            "thing1".to_owned(),
            subject.chars().take(20).collect::<String>(),
        ),
        (
            "thing3".to_owned(),
            home.name.chars().take(20).collect::<String>(),
        ),
    ]);
    let time = when
        .map(clock::format_wechat)
        .unwrap_or_else(|| clock::format_wechat(row.created_at));
    data.insert("time2".to_owned(), time);
    let notice = Notice {
        purpose: "funeral_booking",
        subject,
        body,
        wechat_data: data,
        page: Some(format!("pages/funeral/booking?id={}", row.id)),
    };
    citizen::notify(conn, state, row.booked_by, &notice).await?;
    Ok(())
}
