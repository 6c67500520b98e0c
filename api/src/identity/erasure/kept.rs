//! The records the bureau keeps after an account is deleted, pseudonymised: past
//! appointments and divorce records, draw results, funeral bookings, tomb visits, sweep
//! orders and decided applications lose names, ID numbers, incomes, contacts, plates,
//! notes and forms; their ids, dates, statuses and codes stay for the offices' files
//! and counts. Drafts and ended waitlist entries are not kept.
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, QueryFilter, Value};
use uuid::Uuid;

use super::Erasure;
use crate::error::ApiError;
use crate::platform::clock;

impl Erasure<'_> {
    /// The citizen's marriage party rows (as an account or by ID number) and divorce
    /// records lose their names and numbers, draw requests their payload; ended
    /// waitlist entries go.
    pub(super) async fn marriage(&self) -> Result<(), ApiError> {
        use entity::marriage_party::{Column as Party, Entity as Parties};
        let mut mine = Condition::any().add(Party::CitizenId.eq(self.me));
        if let Some(index) = self.index {
            mine = mine.add(Party::IdNumberIndex.eq(index));
        }
        let emptied = [
            (Party::NameSealed, self.empty()),
            (Party::IdNumberSealed, self.empty()),
            (Party::IdNumberMasked, "".into()),
            (Party::CitizenId, Value::Uuid(None)),
            (Party::ActiveKey, Value::String(None)),
        ];
        let rows = self.ids::<Parties>(Party::Id, mine).await?;
        self.pseudonymise::<Parties>(rows, (Party::Id, Party::IdNumberIndex), &emptied)
            .await?;
        use entity::draw_request::{Column as Request, Entity as Requests};
        Requests::update_many()
            .col_expr(
                Request::PayloadSealed,
                Expr::value(self.state.sealer.seal("{}")),
            )
            .filter(Request::CitizenId.eq(self.me))
            .exec(self.txn)
            .await?;
        use entity::waitlist_entry::{Column as Waiting, Entity as Waitlist};
        Waitlist::delete_many()
            .filter(Waiting::CitizenId.eq(self.me))
            .exec(self.txn)
            .await?;
        self.divorces().await
    }

    /// Divorce records name the parties by index and mask only: both emptied for the
    /// citizen's side.
    async fn divorces(&self) -> Result<(), ApiError> {
        use entity::divorce_application::{Column as Divorce, Entity as Divorces};
        let Some(index) = self.index else {
            return Ok(());
        };
        for (by_index, masked) in [
            (Divorce::Party1Index, Divorce::Party1Masked),
            (Divorce::Party2Index, Divorce::Party2Masked),
        ] {
            let rows = self
                .ids::<Divorces>(Divorce::Id, by_index.eq(index))
                .await?;
            self.pseudonymise::<Divorces>(rows, (Divorce::Id, by_index), &[(masked, "".into())])
                .await?;
        }
        Ok(())
    }

    /// Funeral bookings keep the deceased (the home's record) and lose the booker's
    /// transport contact; sweep orders lose their message and dispute text; tomb visits
    /// lose their plates and every visitor's name and number.
    pub(super) async fn bookings(&self) -> Result<(), ApiError> {
        use entity::funeral_booking::{Column as Funeral, Entity as Funerals};
        use entity::sweep_order::{Column as Sweep, Entity as Sweeps};
        let none = Option::<String>::None;
        Funerals::update_many()
            .col_expr(Funeral::TransportAddressSealed, Expr::value(none.clone()))
            .col_expr(
                Funeral::TransportContactNameSealed,
                Expr::value(none.clone()),
            )
            .col_expr(
                Funeral::TransportContactPhoneSealed,
                Expr::value(none.clone()),
            )
            .filter(Funeral::BookedBy.eq(self.me))
            .exec(self.txn)
            .await?;
        Sweeps::update_many()
            .col_expr(Sweep::MessageSealed, Expr::value(none.clone()))
            .col_expr(Sweep::DisputeSealed, Expr::value(none))
            .filter(Sweep::CitizenId.eq(self.me))
            .exec(self.txn)
            .await?;
        self.tomb_visits().await
    }

    /// The citizen's own visits, and (once no longer ahead) visits of others naming
    /// them: plates and visitors emptied.
    async fn tomb_visits(&self) -> Result<(), ApiError> {
        use entity::tomb_visit::{Column as Visit, Entity as Visits};
        use entity::tomb_visitor::{Column as Visitor, Entity as Visitors};
        let own = self
            .ids::<Visits>(Visit::Id, Visit::BookedBy.eq(self.me))
            .await?;
        Visits::update_many()
            .col_expr(Visit::Plates, Expr::value(""))
            .filter(Visit::BookedBy.eq(self.me))
            .exec(self.txn)
            .await?;
        let mut named = Condition::any().add(Visitor::VisitId.is_in(own));
        if let Some(index) = self.index {
            let ended = Visit::Status
                .ne("booked")
                .or(Visit::VisitDate.lt(clock::today()));
            let ended = self.ids::<Visits>(Visit::Id, ended).await?;
            named = named.add(
                Visitor::IdNumberIndex
                    .eq(index)
                    .and(Visitor::VisitId.is_in(ended)),
            );
        }
        let emptied = [
            (Visitor::NameSealed, self.empty()),
            (Visitor::IdNumberSealed, self.empty()),
            (Visitor::IdNumberMasked, "".into()),
            (Visitor::Active, false.into()),
        ];
        let rows = self.ids::<Visitors>(Visitor::Id, named).await?;
        self.pseudonymise::<Visitors>(rows, (Visitor::Id, Visitor::IdNumberIndex), &emptied)
            .await?;
        Ok(())
    }

    /// Drafts go whole; decided applications stay for the bureau's files and counts with
    /// the form, every household member's name, number and income, and every note
    /// emptied (relations, grades, dates and statuses stay). Materials go with the
    /// citizen's files, holds with the case.
    pub(super) async fn applications(&self) -> Result<(), ApiError> {
        use entity::application::{Column, Entity};
        let theirs = Column::ApplicantId
            .eq(self.me)
            .or(Column::SubmittedBy.eq(self.me));
        let rows = Entity::find().filter(theirs).all(self.txn).await?;
        let (drafts, kept): (Vec<_>, Vec<_>) = rows.into_iter().partition(|a| a.status == "draft");
        let drafts: Vec<Uuid> = drafts.into_iter().map(|a| a.id).collect();
        let kept: Vec<Uuid> = kept.into_iter().map(|a| a.id).collect();
        self.drop_applications(drafts, &kept).await?;
        Entity::update_many()
            .col_expr(
                Column::FormSealed,
                Expr::value(self.state.sealer.seal("{}")),
            )
            .filter(Column::Id.is_in(kept.clone()))
            .exec(self.txn)
            .await?;
        use entity::application_event::{Column as Event, Entity as Events};
        Events::update_many()
            .col_expr(Event::NoteSealed, Expr::value(Option::<String>::None))
            .filter(Event::ApplicationId.is_in(kept.clone()))
            .exec(self.txn)
            .await?;
        use entity::application_member::{Column as Member, Entity as Members};
        let emptied = [
            (Member::NameSealed, self.empty()),
            (Member::IdNumberSealed, self.empty()),
            (Member::IdNumberMasked, "".into()),
            (Member::IncomeSealed, self.empty()),
        ];
        let rows = self
            .ids::<Members>(Member::Id, Member::ApplicationId.is_in(kept))
            .await?;
        self.pseudonymise::<Members>(rows, (Member::Id, Member::IdNumberIndex), &emptied)
            .await?;
        Ok(())
    }

    /// Drafts with their members and events; the materials and holds of every one.
    async fn drop_applications(&self, drafts: Vec<Uuid>, kept: &[Uuid]) -> Result<(), ApiError> {
        use entity::*;
        let all: Vec<Uuid> = drafts.iter().chain(kept).copied().collect();
        application_material::Entity::delete_many()
            .filter(application_material::Column::ApplicationId.is_in(all.clone()))
            .exec(self.txn)
            .await?;
        application_hold::Entity::delete_many()
            .filter(application_hold::Column::ApplicationId.is_in(all))
            .exec(self.txn)
            .await?;
        application_member::Entity::delete_many()
            .filter(application_member::Column::ApplicationId.is_in(drafts.clone()))
            .exec(self.txn)
            .await?;
        application_event::Entity::delete_many()
            .filter(application_event::Column::ApplicationId.is_in(drafts.clone()))
            .exec(self.txn)
            .await?;
        application::Entity::delete_many()
            .filter(application::Column::Id.is_in(drafts))
            .exec(self.txn)
            .await?;
        Ok(())
    }
}
