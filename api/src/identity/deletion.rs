//! Account deletion (账号注销, PIPL art. 47). Refused while the account still has work
//! in flight, each blocker named; otherwise, in one transaction, the account's personal
//! data is deleted or detached, and the records the bureau must keep (past bookings,
//! decided applications, access events, the audit chain) are kept pseudonymised: their
//! names, ID numbers, contacts and free text emptied, their ID-number indexes replaced
//! by `erased:<row id>`, the account itself a bare id. Every session ends. The full rules
//! are in `docs/personal-data.md`.
use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::access;
use super::service::event;
use crate::auth::extract::Citizen;
use crate::auth::session;
use crate::error::{ApiError, Code, FieldError, Message};
use crate::platform::audit::{self, Actor};
use crate::platform::clock;
use crate::platform::context::Context;
use crate::platform::rows::find_or;
use crate::state::AppState;
use DeletionBlocker as B;

crate::closed_set! {
    /// What keeps an account from being deleted (注销受阻事项).
    pub enum DeletionBlocker {
        /// 未办结的婚姻登记预约（本人预约或为当事人）
        MarriageAppointment => "marriage_appointment",
        /// 冷静期中或已预约领证的离婚登记申请
        DivorceApplication => "divorce_application",
        /// 待摇号的申请
        DrawRequest => "draw_request",
        /// 候补中的排队
        WaitlistEntry => "waitlist_entry",
        /// 未办结的殡葬服务预约
        FuneralBooking => "funeral_booking",
        /// 未到期的祭扫预约
        TombVisit => "tomb_visit",
        /// 未办结的代祭扫订单
        SweepOrder => "sweep_order",
        /// 审核中的救助申请
        Application => "application",
        /// 本人为领取中的被征地人员，须继续生存认证
        Transferee => "transferee",
        /// 本人为被征地人员的认证代办人
        TransfereeProxy => "transferee_proxy",
        /// 本人受他人委托代办
        ProxyConsent => "proxy_consent",
    }
}

/// One thing that blocks deletion: its kind and the row it names.
pub struct Blocker {
    pub kind: DeletionBlocker,
    pub id: String,
    /// The item as the citizen knows it (a code, a date), for the message.
    pub label: String,
}

impl Blocker {
    fn new(kind: DeletionBlocker, id: impl ToString, label: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.to_string(),
            label: label.into(),
        }
    }

    /// What to finish first, in both languages.
    pub fn message(&self) -> Message {
        use DeletionBlocker::*;
        let l = &self.label;
        let (zh, en) = match self.kind {
            MarriageAppointment => (
                format!("婚姻登记预约 {l} 尚未办结，请办结或取消"),
                format!("marriage appointment {l} is still active: finish or cancel it"),
            ),
            DivorceApplication => (
                format!("离婚登记申请 {l} 尚未办结"),
                format!("divorce application {l} is still open"),
            ),
            DrawRequest => (
                format!("摇号申请 {l} 待摇号，请先撤回"),
                format!("draw request {l} is pending: withdraw it first"),
            ),
            WaitlistEntry => (
                format!("候补 {l} 仍在排队，请先取消"),
                format!("waitlist entry {l} is still waiting: cancel it first"),
            ),
            FuneralBooking => (
                format!("殡葬服务预约 {l} 尚未办结"),
                format!("funeral booking {l} is still active"),
            ),
            TombVisit => (
                format!("祭扫预约 {l} 尚未到期，请先取消"),
                format!("tomb visit {l} is still ahead: cancel it first"),
            ),
            SweepOrder => (
                format!("代祭扫订单 {l} 尚未办结"),
                format!("sweep order {l} is not finished"),
            ),
            Application => (
                format!("救助申请 {l} 正在审核，请等待决定或撤回"),
                format!("application {l} is under review: wait for the decision or withdraw it"),
            ),
            Transferee => (
                format!("您是领取中的被征地人员（{l}），须继续参加生存认证"),
                format!("you are a transferee drawing an allowance ({l}) and must keep certifying"),
            ),
            TransfereeProxy => (
                format!("您是被征地人员 {l} 的认证代办人，请先请窗口撤销"),
                format!(
                    "you are the certification proxy of transferee {l}: ask a desk to revoke it first"
                ),
            ),
            ProxyConsent => (
                format!("您受他人委托代办（授权 {l}），请委托人先撤销"),
                format!("you act for someone else (consent {l}): ask them to revoke it first"),
            ),
        };
        Message::new(zh, en)
    }
}

/// Everything that blocks deleting the citizen's account, oldest kind first.
pub async fn blockers(state: &Context, citizen: Uuid) -> Result<Vec<Blocker>, ApiError> {
    let index = access::index_of(&state.db, citizen).await?;
    blockers_in(&state.db, citizen, index.as_deref()).await
}

/// Marriage appointments not yet done (as booker, or as a party by account or ID
/// number) and divorce applications still open.
async fn marriage(
    conn: &impl ConnectionTrait,
    me: Uuid,
    index: Option<&str>,
) -> Result<Vec<Blocker>, ApiError> {
    use crate::marriage::states::{AppointmentStatus as S, DivorceApplicationStatus as D};
    use entity::divorce_application::{Column as Divorce, Entity as Divorces};
    use entity::marriage_appointment::{Column as Appointment, Entity as Appointments};
    use entity::marriage_party::{Column as Party, Entity as Parties};
    let mut party = sea_orm::Condition::any().add(Party::CitizenId.eq(me));
    if let Some(index) = index {
        party = party.add(Party::IdNumberIndex.eq(index));
    }
    let as_party: Vec<Uuid> = Parties::find()
        .select_only()
        .column(Party::AppointmentId)
        .filter(party)
        .into_tuple()
        .all(conn)
        .await?;
    let active = [S::PendingConfirmation, S::Confirmed, S::CheckedIn].map(S::as_str);
    let appointments = Appointments::find()
        .filter(
            Appointment::BookedBy
                .eq(me)
                .or(Appointment::Id.is_in(as_party)),
        )
        .filter(Appointment::Status.is_in(active))
        .all(conn)
        .await?;
    let mut out: Vec<Blocker> = appointments
        .into_iter()
        .map(|a| {
            Blocker::new(
                B::MarriageAppointment,
                a.id,
                format!("{}（{}）", a.code, a.date),
            )
        })
        .collect();
    let Some(index) = index else {
        return Ok(out);
    };
    let divorces = Divorces::find()
        .filter(
            Divorce::Party1Index
                .eq(index)
                .or(Divorce::Party2Index.eq(index)),
        )
        .filter(Divorce::Status.is_in([D::CoolingOff, D::Booked].map(D::as_str)))
        .all(conn)
        .await?;
    out.extend(
        divorces
            .into_iter()
            .map(|d| Blocker::new(B::DivorceApplication, d.id, d.received_on.to_string())),
    );
    Ok(out)
}

/// Pending draw requests and waiting or offered waitlist entries.
async fn queues(conn: &impl ConnectionTrait, me: Uuid) -> Result<Vec<Blocker>, ApiError> {
    use crate::marriage::states::DrawEntryStatus;
    use crate::scheduling::states::WaitlistStatus as W;
    use entity::{draw_request, waitlist_entry};
    let draws = draw_request::Entity::find()
        .filter(draw_request::Column::CitizenId.eq(me))
        .filter(draw_request::Column::Status.eq(DrawEntryStatus::Pending.as_str()))
        .all(conn)
        .await?;
    let waiting = waitlist_entry::Entity::find()
        .filter(waitlist_entry::Column::CitizenId.eq(me))
        .filter(waitlist_entry::Column::Status.is_in([W::Waiting, W::Offered].map(W::as_str)))
        .all(conn)
        .await?;
    let draws = draws
        .into_iter()
        .map(|d| Blocker::new(B::DrawRequest, d.id, d.id.to_string()));
    let waiting = waiting
        .into_iter()
        .map(|w| Blocker::new(B::WaitlistEntry, w.id, w.date.to_string()));
    Ok(draws.chain(waiting).collect())
}

/// Funeral bookings not done, tomb visits ahead, sweep orders not finished.
async fn services(conn: &impl ConnectionTrait, me: Uuid) -> Result<Vec<Blocker>, ApiError> {
    use crate::funeral::states::FuneralBookingStatus as F;
    use crate::memorial::sweeping::states::SweepOrderStatus as S;
    use crate::memorial::visits::domain::TombVisitStatus;
    use entity::{funeral_booking, sweep_order, tomb_visit};
    let funerals = funeral_booking::Entity::find()
        .filter(funeral_booking::Column::BookedBy.eq(me))
        .filter(funeral_booking::Column::Status.is_in([F::Pending, F::Confirmed].map(F::as_str)))
        .all(conn)
        .await?;
    let visits = tomb_visit::Entity::find()
        .filter(tomb_visit::Column::BookedBy.eq(me))
        .filter(tomb_visit::Column::Status.eq(TombVisitStatus::Booked.as_str()))
        .filter(tomb_visit::Column::VisitDate.gte(clock::today()))
        .all(conn)
        .await?;
    let open = [S::Ordered, S::Accepted, S::Done, S::Disputed].map(S::as_str);
    let sweeps = sweep_order::Entity::find()
        .filter(sweep_order::Column::CitizenId.eq(me))
        .filter(sweep_order::Column::Status.is_in(open))
        .all(conn)
        .await?;
    let funerals = funerals
        .into_iter()
        .map(|f| Blocker::new(B::FuneralBooking, f.id, f.service_date.to_string()));
    let visits = visits.into_iter().map(|v| {
        Blocker::new(
            B::TombVisit,
            v.id,
            format!("{}（{}）", v.code, v.visit_date),
        )
    });
    let sweeps = sweeps
        .into_iter()
        .map(|s| Blocker::new(B::SweepOrder, s.id, s.sweep_date.to_string()));
    Ok(funerals.chain(visits).chain(sweeps).collect())
}

/// Applications under review, and duties as a transferee or a proxy.
async fn cases(
    conn: &impl ConnectionTrait,
    me: Uuid,
    index: Option<&str>,
) -> Result<Vec<Blocker>, ApiError> {
    use crate::applications::states::ApplicationStatus as A;
    use crate::certification::states::AllowanceStatus;
    use entity::{application, transferee};
    let open = [
        A::Submitted,
        A::UnderReview,
        A::SupplementRequested,
        A::AwaitingApproval,
    ];
    let open = application::Entity::find()
        .filter(
            application::Column::ApplicantId
                .eq(me)
                .or(application::Column::SubmittedBy.eq(me)),
        )
        .filter(application::Column::Status.is_in(open.map(A::as_str)))
        .all(conn)
        .await?;
    let mut out: Vec<Blocker> = open
        .into_iter()
        .map(|a| Blocker::new(B::Application, a.id, a.service_code))
        .collect();
    if let Some(index) = index {
        let transferees = transferee::Entity::find()
            .filter(transferee::Column::IdNumberIndex.eq(index))
            .filter(transferee::Column::AllowanceStatus.ne(AllowanceStatus::Stopped.as_str()))
            .all(conn)
            .await?;
        out.extend(
            transferees
                .into_iter()
                .map(|t| Blocker::new(B::Transferee, t.id, t.id_number_masked)),
        );
    }
    out.extend(duties(conn, me).await?);
    Ok(out)
}

/// A live certification proxy duty, and proxy consents others gave the citizen.
async fn duties(conn: &impl ConnectionTrait, me: Uuid) -> Result<Vec<Blocker>, ApiError> {
    use entity::{proxy_consent, transferee_proxy};
    let duties = transferee_proxy::Entity::find()
        .filter(transferee_proxy::Column::CitizenId.eq(me))
        .filter(transferee_proxy::Column::RevokedAt.is_null())
        .all(conn)
        .await?;
    let consents = proxy_consent::Entity::find()
        .filter(proxy_consent::Column::ProxyId.eq(me))
        .filter(proxy_consent::Column::RevokedAt.is_null())
        .all(conn)
        .await?;
    let duties = duties
        .into_iter()
        .map(|d| Blocker::new(B::TransfereeProxy, d.id, d.transferee_id.to_string()));
    let consents = consents
        .into_iter()
        .map(|c| Blocker::new(B::ProxyConsent, c.id, c.id.to_string()));
    Ok(duties.chain(consents).collect())
}

/// The 409 that names every blocker: one `errors` entry each, `field` the blocker's
/// `kind:id`, `reason` its kind.
fn blocked(found: &[Blocker]) -> ApiError {
    found
        .iter()
        .fold(ApiError::new(Code::AccountDeletionBlocked), |err, b| {
            err.with_field(FieldError {
                field: format!("{}:{}", b.kind.as_str(), b.id),
                reason: b.kind.as_str(),
                message: b.message(),
            })
        })
}

/// Deletes the citizen's account, or refuses naming what blocks it.
pub async fn delete(state: &AppState, citizen: &Citizen) -> Result<(), ApiError> {
    let me = citizen.id;
    let index = access::index_of(&state.db, me).await?;
    let account =
        find_or::<entity::citizen_account::Entity>(&state.db, me, Code::SessionEnded).await?;
    let txn = state.begin().await?;
    // Checked inside the write transaction: a booking made a moment ago still blocks.
    let found = blockers_in(&txn, me, index.as_deref()).await?;
    if !found.is_empty() {
        return Err(blocked(&found));
    }
    let erase = super::erasure::Erasure::new(&txn, state, me, index.as_deref());
    erase.run(&account).await?;
    session::revoke_all(&txn, me, None).await?;
    let request_id = citizen.request_id.clone();
    let deleted = event(
        Actor::Citizen(me),
        "identity.account.delete",
        me,
        format!("deleted the account at {}", clock::format(Utc::now())),
        request_id,
    );
    audit::record(&txn, deleted).await?;
    txn.commit().await?;
    tracing::info!(account = %me, "a citizen account was deleted");
    Ok(())
}

async fn blockers_in(
    conn: &impl ConnectionTrait,
    me: Uuid,
    index: Option<&str>,
) -> Result<Vec<Blocker>, ApiError> {
    let mut found = marriage(conn, me, index).await?;
    found.extend(queues(conn, me).await?);
    found.extend(services(conn, me).await?);
    found.extend(cases(conn, me, index).await?);
    Ok(found)
}
