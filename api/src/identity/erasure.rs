//! What account deletion does to each table, in the deletion's transaction: personal
//! data the bureau need not keep is deleted; records it keeps lose every name, ID
//! number, contact and free text (`erased` values) and keep only ids, dates, statuses
//! and codes; the account row stays as a bare id, so kept records and the audit chain
//! still point somewhere. Access events and audit events are kept as they are (they
//! hold indexes, masks and ids, never a name or a number).
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, ExprTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::auth::citizen::phone_index;
use crate::error::ApiError;
use crate::state::AppState;

/// One deletion's erasing, over the caller's transaction.
pub struct Erasure<'a> {
    txn: &'a DatabaseTransaction,
    state: &'a AppState,
    me: Uuid,
    index: Option<&'a str>,
    /// `""` sealed: what an emptied sealed column holds (it must still open).
    empty: String,
}

/// What a kept record's ID-number index becomes: unique per row, matching nobody.
fn erased(row: Uuid) -> String {
    format!("erased:{row}")
}

impl<'a> Erasure<'a> {
    pub fn new(
        txn: &'a DatabaseTransaction,
        state: &'a AppState,
        me: Uuid,
        index: Option<&'a str>,
    ) -> Self {
        let empty = state.sealer.seal("");
        Self {
            txn,
            state,
            me,
            index,
            empty,
        }
    }

    /// Erases everything, table by table.
    pub async fn run(&self, account: &entity::citizen_account::Model) -> Result<(), ApiError> {
        self.real_name().await?;
        self.marriage().await?;
        self.bookings().await?;
        self.memorials().await?;
        self.applications().await?;
        self.contacts(account).await?;
        self.media().await?;
        self.account().await?;
        Ok(())
    }

    /// The real name and its face checks: deleted (kept records carry their own copy,
    /// emptied below). Consents the citizen gave end.
    async fn real_name(&self) -> Result<(), ApiError> {
        use entity::*;
        real_name::Entity::delete_many()
            .filter(real_name::Column::CitizenId.eq(self.me))
            .exec(self.txn)
            .await?;
        real_name_face_check::Entity::delete_many()
            .filter(real_name_face_check::Column::CitizenId.eq(self.me))
            .exec(self.txn)
            .await?;
        proxy_consent::Entity::update_many()
            .col_expr(
                proxy_consent::Column::RevokedAt,
                Expr::value(chrono::Utc::now()),
            )
            .filter(proxy_consent::Column::PrincipalId.eq(self.me))
            .filter(proxy_consent::Column::RevokedAt.is_null())
            .exec(self.txn)
            .await?;
        face_attempt::Entity::update_many()
            .col_expr(
                face_attempt::Column::Openid,
                Expr::value(Option::<String>::None),
            )
            .filter(face_attempt::Column::ByCitizen.eq(self.me))
            .exec(self.txn)
            .await?;
        Ok(())
    }

    /// Past appointments stay for the office's counts; the citizen's party rows (as
    /// booker's account or by ID number), draw requests and divorce records lose their
    /// names and numbers; ended waitlist entries go.
    async fn marriage(&self) -> Result<(), ApiError> {
        use entity::*;
        let mut mine = sea_orm::Condition::any().add(marriage_party::Column::CitizenId.eq(self.me));
        if let Some(index) = self.index {
            mine = mine.add(marriage_party::Column::IdNumberIndex.eq(index));
        }
        let parties: Vec<Uuid> = marriage_party::Entity::find()
            .select_only()
            .column(marriage_party::Column::Id)
            .filter(mine)
            .into_tuple()
            .all(self.txn)
            .await?;
        for id in parties {
            marriage_party::Entity::update_many()
                .col_expr(marriage_party::Column::NameSealed, Expr::value(&self.empty))
                .col_expr(
                    marriage_party::Column::IdNumberSealed,
                    Expr::value(&self.empty),
                )
                .col_expr(
                    marriage_party::Column::IdNumberIndex,
                    Expr::value(erased(id)),
                )
                .col_expr(marriage_party::Column::IdNumberMasked, Expr::value(""))
                .col_expr(
                    marriage_party::Column::CitizenId,
                    Expr::value(Option::<Uuid>::None),
                )
                .col_expr(
                    marriage_party::Column::ActiveKey,
                    Expr::value(Option::<String>::None),
                )
                .filter(marriage_party::Column::Id.eq(id))
                .exec(self.txn)
                .await?;
        }
        draw_request::Entity::update_many()
            .col_expr(
                draw_request::Column::PayloadSealed,
                Expr::value(self.state.sealer.seal("{}")),
            )
            .filter(draw_request::Column::CitizenId.eq(self.me))
            .exec(self.txn)
            .await?;
        waitlist_entry::Entity::delete_many()
            .filter(waitlist_entry::Column::CitizenId.eq(self.me))
            .exec(self.txn)
            .await?;
        let Some(index) = self.index else {
            return Ok(());
        };
        for (by_index, masked) in [
            (
                divorce_application::Column::Party1Index,
                divorce_application::Column::Party1Masked,
            ),
            (
                divorce_application::Column::Party2Index,
                divorce_application::Column::Party2Masked,
            ),
        ] {
            let rows: Vec<Uuid> = divorce_application::Entity::find()
                .select_only()
                .column(divorce_application::Column::Id)
                .filter(by_index.eq(index))
                .into_tuple()
                .all(self.txn)
                .await?;
            for id in rows {
                divorce_application::Entity::update_many()
                    .col_expr(by_index, Expr::value(erased(id)))
                    .col_expr(masked, Expr::value(""))
                    .filter(divorce_application::Column::Id.eq(id))
                    .exec(self.txn)
                    .await?;
            }
        }
        Ok(())
    }

    /// Funeral bookings keep the deceased (the home's record) and lose the booker's
    /// transport contact; tomb visits lose plates and every visitor's name and number;
    /// sweep orders lose their message and dispute text.
    async fn bookings(&self) -> Result<(), ApiError> {
        use entity::*;
        let none = Option::<String>::None;
        funeral_booking::Entity::update_many()
            .col_expr(
                funeral_booking::Column::TransportAddressSealed,
                Expr::value(none.clone()),
            )
            .col_expr(
                funeral_booking::Column::TransportContactNameSealed,
                Expr::value(none.clone()),
            )
            .col_expr(
                funeral_booking::Column::TransportContactPhoneSealed,
                Expr::value(none.clone()),
            )
            .filter(funeral_booking::Column::BookedBy.eq(self.me))
            .exec(self.txn)
            .await?;
        let visits: Vec<Uuid> = tomb_visit::Entity::find()
            .select_only()
            .column(tomb_visit::Column::Id)
            .filter(tomb_visit::Column::BookedBy.eq(self.me))
            .into_tuple()
            .all(self.txn)
            .await?;
        tomb_visit::Entity::update_many()
            .col_expr(tomb_visit::Column::Plates, Expr::value(""))
            .filter(tomb_visit::Column::BookedBy.eq(self.me))
            .exec(self.txn)
            .await?;
        let mut visitors =
            sea_orm::Condition::any().add(tomb_visitor::Column::VisitId.is_in(visits));
        if let Some(index) = self.index {
            // Named on someone else's visit: emptied once that visit is no longer ahead.
            let ended: Vec<Uuid> = tomb_visit::Entity::find()
                .select_only()
                .column(tomb_visit::Column::Id)
                .filter(
                    tomb_visit::Column::Status
                        .ne("booked")
                        .or(tomb_visit::Column::VisitDate.lt(crate::platform::clock::today())),
                )
                .into_tuple()
                .all(self.txn)
                .await?;
            visitors = visitors.add(
                tomb_visitor::Column::IdNumberIndex
                    .eq(index)
                    .and(tomb_visitor::Column::VisitId.is_in(ended)),
            );
        }
        let named: Vec<Uuid> = tomb_visitor::Entity::find()
            .select_only()
            .column(tomb_visitor::Column::Id)
            .filter(visitors)
            .into_tuple()
            .all(self.txn)
            .await?;
        for id in named {
            tomb_visitor::Entity::update_many()
                .col_expr(tomb_visitor::Column::NameSealed, Expr::value(&self.empty))
                .col_expr(
                    tomb_visitor::Column::IdNumberSealed,
                    Expr::value(&self.empty),
                )
                .col_expr(tomb_visitor::Column::IdNumberIndex, Expr::value(erased(id)))
                .col_expr(tomb_visitor::Column::IdNumberMasked, Expr::value(""))
                .col_expr(tomb_visitor::Column::Active, Expr::value(false))
                .filter(tomb_visitor::Column::Id.eq(id))
                .exec(self.txn)
                .await?;
        }
        sweep_order::Entity::update_many()
            .col_expr(
                sweep_order::Column::MessageSealed,
                Expr::value(none.clone()),
            )
            .col_expr(sweep_order::Column::DisputeSealed, Expr::value(none))
            .filter(sweep_order::Column::CitizenId.eq(self.me))
            .exec(self.txn)
            .await?;
        Ok(())
    }

    /// Memorial halls the citizen made go with their messages, members, invitations and
    /// tributes (the portrait with the citizen's files); their messages and
    /// memberships elsewhere go too.
    async fn memorials(&self) -> Result<(), ApiError> {
        use entity::*;
        let owned: Vec<Uuid> = memorial::Entity::find()
            .select_only()
            .column(memorial::Column::Id)
            .filter(memorial::Column::OwnerId.eq(self.me))
            .into_tuple()
            .all(self.txn)
            .await?;
        memorial_message::Entity::delete_many()
            .filter(
                memorial_message::Column::MemorialId
                    .is_in(owned.clone())
                    .or(memorial_message::Column::AuthorId.eq(self.me)),
            )
            .exec(self.txn)
            .await?;
        memorial_member::Entity::delete_many()
            .filter(
                memorial_member::Column::MemorialId
                    .is_in(owned.clone())
                    .or(memorial_member::Column::CitizenId.eq(self.me)),
            )
            .exec(self.txn)
            .await?;
        memorial_invitation::Entity::delete_many()
            .filter(memorial_invitation::Column::MemorialId.is_in(owned.clone()))
            .exec(self.txn)
            .await?;
        memorial_tribute_day::Entity::delete_many()
            .filter(
                memorial_tribute_day::Column::MemorialId
                    .is_in(owned.clone())
                    .or(memorial_tribute_day::Column::CitizenId.eq(self.me)),
            )
            .exec(self.txn)
            .await?;
        memorial::Entity::delete_many()
            .filter(memorial::Column::Id.is_in(owned))
            .exec(self.txn)
            .await?;
        Ok(())
    }

    /// Drafts go whole; decided applications stay for the bureau's files and counts
    /// with the form, every household member's name, number and income, and every
    /// note emptied (relations, grades, dates and statuses stay). Materials go with the
    /// citizen's files.
    async fn applications(&self) -> Result<(), ApiError> {
        use entity::*;
        let theirs = application::Column::ApplicantId
            .eq(self.me)
            .or(application::Column::SubmittedBy.eq(self.me));
        let rows = application::Entity::find()
            .filter(theirs)
            .all(self.txn)
            .await?;
        let (drafts, kept): (Vec<_>, Vec<_>) = rows.into_iter().partition(|a| a.status == "draft");
        let drafts: Vec<Uuid> = drafts.into_iter().map(|a| a.id).collect();
        let kept: Vec<Uuid> = kept.into_iter().map(|a| a.id).collect();
        let all: Vec<Uuid> = drafts.iter().chain(&kept).copied().collect();
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
        application::Entity::update_many()
            .col_expr(
                application::Column::FormSealed,
                Expr::value(self.state.sealer.seal("{}")),
            )
            .filter(application::Column::Id.is_in(kept.clone()))
            .exec(self.txn)
            .await?;
        application_event::Entity::update_many()
            .col_expr(
                application_event::Column::NoteSealed,
                Expr::value(Option::<String>::None),
            )
            .filter(application_event::Column::ApplicationId.is_in(kept.clone()))
            .exec(self.txn)
            .await?;
        let members: Vec<Uuid> = application_member::Entity::find()
            .select_only()
            .column(application_member::Column::Id)
            .filter(application_member::Column::ApplicationId.is_in(kept))
            .into_tuple()
            .all(self.txn)
            .await?;
        for id in members {
            application_member::Entity::update_many()
                .col_expr(
                    application_member::Column::NameSealed,
                    Expr::value(&self.empty),
                )
                .col_expr(
                    application_member::Column::IdNumberSealed,
                    Expr::value(&self.empty),
                )
                .col_expr(
                    application_member::Column::IdNumberIndex,
                    Expr::value(erased(id)),
                )
                .col_expr(application_member::Column::IdNumberMasked, Expr::value(""))
                .col_expr(
                    application_member::Column::IncomeSealed,
                    Expr::value(&self.empty),
                )
                .filter(application_member::Column::Id.eq(id))
                .exec(self.txn)
                .await?;
        }
        Ok(())
    }

    /// Messages queued or sent to the citizen, sign-in codes and rate counters of their
    /// addresses: deleted (they hold the email, the openid or the phone's index).
    async fn contacts(&self, account: &entity::citizen_account::Model) -> Result<(), ApiError> {
        use entity::*;
        let phone = match &account.phone_sealed {
            Some(sealed) => Some(self.state.sealer.open(sealed).map_err(ApiError::internal)?),
            None => None,
        };
        let mut recipients: Vec<String> = [&account.email, &account.wechat_openid]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        recipients.extend(phone.clone());
        outbox_message::Entity::delete_many()
            .filter(
                outbox_message::Column::PersonId
                    .eq(self.me)
                    .or(outbox_message::Column::Recipient.is_in(recipients)),
            )
            .exec(self.txn)
            .await?;
        let mut addresses: Vec<String> = account.email.iter().cloned().collect();
        addresses.extend(phone.map(|p| format!("phone:{}", phone_index(&self.state.sealer, &p))));
        for address in addresses {
            sign_in_code::Entity::delete_many()
                .filter(sign_in_code::Column::Address.eq(address.clone()))
                .exec(self.txn)
                .await?;
            rate_counter::Entity::delete_many()
                .filter(rate_counter::Column::Key.ends_with(format!(":{address}")))
                .exec(self.txn)
                .await?;
        }
        Ok(())
    }

    /// Every file the citizen uploaded: rows and stored bytes.
    async fn media(&self) -> Result<(), ApiError> {
        use entity::media_object;
        let files: Vec<Uuid> = media_object::Entity::find()
            .select_only()
            .column(media_object::Column::Id)
            .filter(media_object::Column::OwnerKind.eq("citizen"))
            .filter(media_object::Column::OwnerId.eq(self.me))
            .into_tuple()
            .all(self.txn)
            .await?;
        for id in files {
            crate::media::service::delete(self.txn, self.state, id).await?;
        }
        Ok(())
    }

    /// The account row: every identifier gone, disabled for good.
    async fn account(&self) -> Result<(), ApiError> {
        use entity::citizen_account as account;
        let none = Option::<String>::None;
        account::Entity::update_many()
            .col_expr(account::Column::WechatOpenid, Expr::value(none.clone()))
            .col_expr(account::Column::WechatUnionid, Expr::value(none.clone()))
            .col_expr(account::Column::Email, Expr::value(none.clone()))
            .col_expr(account::Column::PhoneSealed, Expr::value(none.clone()))
            .col_expr(account::Column::PhoneIndex, Expr::value(none))
            .col_expr(account::Column::Disabled, Expr::value(true))
            .filter(account::Column::Id.eq(self.me))
            .exec(self.txn)
            .await?;
        Ok(())
    }
}
