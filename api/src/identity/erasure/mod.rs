//! What account deletion does to each table, in the deletion's transaction: personal
//! data the bureau need not keep is deleted (here); records it keeps lose every name, ID
//! number, contact and free text and keep only ids, dates, statuses and codes
//! ([`kept`]); the account row stays as a bare id, so kept records and the audit chain
//! still point somewhere. Access events and audit events are kept as they are (they
//! hold indexes, masks and ids, never a name or a number).
mod kept;

use sea_orm::sea_query::{Expr, IntoCondition};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, ExprTrait, QueryFilter, QuerySelect,
    Value,
};
use uuid::Uuid;

use crate::auth::citizen::Address;
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

    /// The ids of the rows of `E` that `filter` finds (`id` being its id column).
    async fn ids<E: EntityTrait>(
        &self,
        id: E::Column,
        filter: impl IntoCondition,
    ) -> Result<Vec<Uuid>, DbErr> {
        E::find()
            .select_only()
            .column(id)
            .filter(filter)
            .into_tuple()
            .all(self.txn)
            .await
    }

    /// Empties kept rows of `E`: every `(column, value)` set, and the row's ID-number
    /// index replaced by `erased:<row id>` (unique per row, matching nobody).
    async fn pseudonymise<E: EntityTrait>(
        &self,
        rows: Vec<Uuid>,
        (id, index): (E::Column, E::Column),
        emptied: &[(E::Column, Value)],
    ) -> Result<(), DbErr> {
        for row in rows {
            let mut update = E::update_many().col_expr(index, Expr::value(format!("erased:{row}")));
            for (column, value) in emptied {
                update = update.col_expr(*column, Expr::value(value.clone()));
            }
            update.filter(id.eq(row)).exec(self.txn).await?;
        }
        Ok(())
    }

    /// The sealed empty string, as a column value.
    fn empty(&self) -> Value {
        self.empty.clone().into()
    }

    /// The real name and its face checks: deleted (kept records carry their own copy,
    /// emptied in [`kept`]). Consents the citizen gave end; face attempts lose the openid.
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

    /// Memorial halls the citizen made go with their messages, members, invitations and
    /// tributes (the portrait with the citizen's files); their messages, memberships and
    /// tributes elsewhere go too.
    async fn memorials(&self) -> Result<(), ApiError> {
        use entity::*;
        let owned = self
            .ids::<memorial::Entity>(memorial::Column::Id, memorial::Column::OwnerId.eq(self.me))
            .await?;
        use memorial_message::Column as Message;
        memorial_message::Entity::delete_many()
            .filter(
                Message::MemorialId
                    .is_in(owned.clone())
                    .or(Message::AuthorId.eq(self.me)),
            )
            .exec(self.txn)
            .await?;
        use memorial_member::Column as Member;
        memorial_member::Entity::delete_many()
            .filter(
                Member::MemorialId
                    .is_in(owned.clone())
                    .or(Member::CitizenId.eq(self.me)),
            )
            .exec(self.txn)
            .await?;
        use memorial_tribute_day::Column as Tribute;
        memorial_tribute_day::Entity::delete_many()
            .filter(
                Tribute::MemorialId
                    .is_in(owned.clone())
                    .or(Tribute::CitizenId.eq(self.me)),
            )
            .exec(self.txn)
            .await?;
        memorial_invitation::Entity::delete_many()
            .filter(memorial_invitation::Column::MemorialId.is_in(owned.clone()))
            .exec(self.txn)
            .await?;
        memorial::Entity::delete_many()
            .filter(memorial::Column::Id.is_in(owned))
            .exec(self.txn)
            .await?;
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
        // SMS rows show the number masked and are found by `person_id`.
        let recipients: Vec<String> = [&account.email, &account.wechat_openid]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        outbox_message::Entity::delete_many()
            .filter(
                outbox_message::Column::PersonId
                    .eq(self.me)
                    .or(outbox_message::Column::Recipient.is_in(recipients)),
            )
            .exec(self.txn)
            .await?;
        let mut addresses: Vec<Address> =
            account.email.iter().cloned().map(Address::Email).collect();
        addresses.extend(phone.map(Address::Phone));
        for address in addresses {
            let (key, limits) = address.keys(&self.state.sealer);
            sign_in_code::Entity::delete_many()
                .filter(sign_in_code::Column::Address.eq(key))
                .exec(self.txn)
                .await?;
            rate_counter::Entity::delete_many()
                .filter(rate_counter::Column::Key.is_in(limits))
                .exec(self.txn)
                .await?;
        }
        Ok(())
    }

    /// Every file the citizen uploaded: rows and stored bytes.
    async fn media(&self) -> Result<(), ApiError> {
        use entity::media_object::{Column, Entity};
        let theirs = Column::OwnerKind
            .eq("citizen")
            .and(Column::OwnerId.eq(self.me));
        for id in self.ids::<Entity>(Column::Id, theirs).await? {
            crate::media::service::delete(self.txn, self.state, id).await?;
        }
        Ok(())
    }

    /// The account row: every identifier gone, disabled for good.
    async fn account(&self) -> Result<(), ApiError> {
        use entity::citizen_account::{Column, Entity};
        let none = Option::<String>::None;
        Entity::update_many()
            .col_expr(Column::WechatOpenid, Expr::value(none.clone()))
            .col_expr(Column::WechatUnionid, Expr::value(none.clone()))
            .col_expr(Column::Email, Expr::value(none.clone()))
            .col_expr(Column::PhoneSealed, Expr::value(none.clone()))
            .col_expr(Column::PhoneIndex, Expr::value(none))
            .col_expr(Column::Disabled, Expr::value(true))
            .filter(Column::Id.eq(self.me))
            .exec(self.txn)
            .await?;
        Ok(())
    }
}
