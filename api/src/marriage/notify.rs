//! What marriage appointments tell people, through the outbox: the booking, the couple's
//! confirmation (with an .ics calendar file), and a reminder the day before, to each
//! person by the one channel the rule picks (`auth::citizen::notify`): WeChat, SMS or
//! email (with the calendar file).
use chrono::{Duration, Utc};
use entity::{marriage_appointment as appointment, marriage_party as party, resource};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::citizen::{self, Notice};
use crate::error::ApiError;
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::tx::Tx;

/// What happened, for the wording.
#[derive(Clone, Copy)]
pub enum Moment<'a> {
    /// Booked; the other party still has to confirm.
    Booked,
    /// Both parties confirmed (or one-party business).
    Confirmed,
    /// Tomorrow.
    Reminder,
    /// Cancelled by the office (the day closed), with the reason.
    CancelledByOffice(&'a str),
    /// The other party did not confirm in time: the seat went back (told to the booker).
    Lapsed,
}

fn business_label(kind: &str) -> &'static str {
    match kind {
        "marriage" => "结婚登记",
        "divorce" => "离婚登记",
        _ => "补领婚姻登记证",
    }
}

/// Queues the messages of `moment` to everyone concerned, in the caller's transaction.
#[expect(
    clippy::too_many_lines,
    reason = "each moment's message beside the others"
)]
pub async fn queue(
    conn: &Tx,
    state: &Context,
    row: &appointment::Model,
    parties: &[party::Model],
    office: &resource::Model,
    moment: Moment<'_>,
) -> Result<(), ApiError> {
    let mut people: Vec<Uuid> = parties.iter().filter_map(|p| p.citizen_id).collect();
    if matches!(moment, Moment::Booked | Moment::Lapsed) {
        people = vec![row.booked_by];
    }
    people.sort();
    people.dedup();
    let label = business_label(&row.business_type);
    let when = clock::format_wechat(row.starts_at);
    let (subject, body) = match moment {
        Moment::Booked => (
            format!("{label}预约已提交，待对方确认"),
            format!(
                "您已预约 {when} 在{}办理{label}，预约码 {}。\n另一方须在 {} 前登录确认，否则预约自动取消。",
                office.name,
                row.code,
                clock::format_wechat(row.confirm_deadline)
            ),
        ),
        Moment::Confirmed => (
            format!("{label}预约成功"),
            format!(
                "{when} 在{}办理{label}，预约码 {}。请双方携带身份证按时到场。",
                office.name, row.code
            ),
        ),
        Moment::CancelledByOffice(reason) => (
            format!("{label}预约已取消"),
            format!(
                "您 {when} 在{}办理{label}的预约（预约码 {}）已取消：{reason}。\n请另选日期重新预约，或登记候补。",
                office.name, row.code
            ),
        ),
        Moment::Lapsed => (
            format!("{label}预约已自动取消"),
            format!(
                "您 {when} 在{}办理{label}的预约（预约码 {}）因另一方未在 {} 前确认，已自动取消，名额已释放。\n如仍需办理，请重新预约。",
                office.name,
                row.code,
                clock::format_wechat(row.confirm_deadline)
            ),
        ),
        Moment::Reminder => (
            format!("明天办理{label}"),
            format!(
                "提醒：明天 {when} 在{}办理{label}，预约码 {}。请双方携带身份证按时到场。",
                office.name, row.code
            ),
        ),
    };
    if matches!(moment, Moment::CancelledByOffice(_)) {
        people.push(row.booked_by);
        people.sort();
        people.dedup();
    }
    let ics = matches!(moment, Moment::Confirmed | Moment::Reminder)
        .then(|| calendar_event(row, office, label));
    let notice = Notice {
        purpose: "marriage_appointment",
        wechat_data: [
            ("thing1".to_owned(), subject.chars().take(20).collect()),
            ("time2".to_owned(), when.clone()),
            ("thing3".to_owned(), office.name.chars().take(20).collect()),
            ("character_string4".to_owned(), row.code.clone()),
        ]
        .into(),
        page: Some(format!("pages/marriage/appointment?id={}", row.id)),
        subject,
        body,
    };
    for person in people {
        let email = ("marriage.appointment", ics.clone());
        citizen::notify_as(conn, state, person, &notice, email).await?;
    }
    Ok(())
}

/// An RFC 5545 event for the appointment (times in UTC), lines folded at 75 octets.
pub fn calendar_event(row: &appointment::Model, office: &resource::Model, label: &str) -> String {
    let stamp = |t: chrono::DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let location = match &office.address {
        Some(address) => format!("{} {address}", office.name),
        None => office.name.clone(),
    };
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Minzheng//Marriage appointments//ZH".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@minzheng", row.id),
        format!("DTSTAMP:{}", stamp(Utc::now())),
        format!("DTSTART:{}", stamp(row.starts_at)),
        format!("DTEND:{}", stamp(row.starts_at + Duration::hours(1))),
        format!("SUMMARY:{label}（预约码 {}）", row.code),
        format!("LOCATION:{}", escape(&location)),
        format!("DESCRIPTION:请双方携带身份证按时到场。预约码 {}", row.code),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    lines
        .iter()
        .map(|l| fold(l))
        .collect::<Vec<_>>()
        .join("\r\n")
        + "\r\n"
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets without splitting a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for ch in line.chars() {
        if width + ch.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += ch.len_utf8();
    }
    out
}

/// Queues tomorrow's reminders once per appointment (the conditional update claims it).
pub async fn remind_tomorrow(state: &Context) -> Result<usize, ApiError> {
    let tomorrow = clock::today() + Duration::days(1);
    let due = appointment::Entity::find()
        .filter(appointment::Column::Status.eq("confirmed"))
        .filter(appointment::Column::Date.eq(tomorrow))
        .filter(appointment::Column::RemindedAt.is_null())
        .all(&state.db)
        .await?;
    let mut queued = 0;
    for row in due {
        let txn = state.begin().await?;
        let claimed = appointment::Entity::update_many()
            .col_expr(appointment::Column::RemindedAt, Expr::value(Utc::now()))
            .filter(appointment::Column::Id.eq(row.id))
            .filter(appointment::Column::RemindedAt.is_null())
            // Still this appointment at this time: a cancel or reschedule in between wins.
            .filter(appointment::Column::Status.eq("confirmed"))
            .filter(appointment::Column::SlotId.eq(row.slot_id))
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 1 {
            let parties = party::Entity::find()
                .filter(party::Column::AppointmentId.eq(row.id))
                .all(&txn)
                .await?;
            let office = crate::scheduling::engine::resource(&txn, &row.office_id).await?;
            queue(&txn, state, &row, &parties, &office, Moment::Reminder).await?;
            queued += 1;
        }
        txn.commit().await?;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let line = format!("LOCATION:{}", "通州区".repeat(20));
        let folded = super::fold(&line);
        for part in folded.split("\r\n") {
            assert!(part.len() <= 75, "{} octets", part.len());
        }
        assert_eq!(folded.replace("\r\n ", ""), line);
    }
}
