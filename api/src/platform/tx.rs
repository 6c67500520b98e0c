//! A write transaction that remembers what must happen once it commits: waking the
//! outbox worker for the notices it queued, dropping the cached availability of the days
//! whose seats it changed. Writers only say what they did (`outbox::enqueue_*` and the
//! seat functions of `scheduling` do it for them); [`Tx::commit`] runs the effects after
//! the commit and a transaction dropped or rolled back runs none, so no handler calls
//! them by hand and none runs for a write that did not happen.
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use std::future::Future;
use std::pin::Pin;

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, Statement, TransactionError, TransactionOptions,
    TransactionTrait,
};

/// Seats whose cached availability is stale.
#[derive(Clone, Copy, Debug)]
pub enum Stale<'a> {
    /// A day of a resource; `business_type` `None` is every type of the day.
    Day {
        resource: &'a str,
        business_type: Option<&'a str>,
        date: NaiveDate,
    },
    /// Every resource's days (the calendar changed).
    Everything,
}

/// Drops what is cached of the seats named.
pub type ForgetSeats = Arc<dyn Fn(Stale<'_>) + Send + Sync>;

/// Wakes the outbox worker (`Outbox::wake`).
pub type WakeOutbox = Arc<dyn Fn() + Send + Sync>;

/// Where committed effects go, built once with the app's state.
#[derive(Clone)]
pub struct AfterCommit {
    wake_outbox: WakeOutbox,
    forget_seats: ForgetSeats,
}

impl AfterCommit {
    pub fn new(wake_outbox: WakeOutbox, forget_seats: ForgetSeats) -> AfterCommit {
        AfterCommit {
            wake_outbox,
            forget_seats,
        }
    }

    /// Effects that go nowhere, for writes before the app serves (the demo seed): no
    /// worker listens yet and nothing is cached.
    pub fn none() -> AfterCommit {
        AfterCommit::new(Arc::new(|| {}), Arc::new(|_| {}))
    }

    /// Begins a write transaction (`BEGIN IMMEDIATE` on SQLite, see `db::begin_write`).
    pub async fn begin(&self, db: &DatabaseConnection) -> Result<Tx, DbErr> {
        Ok(Tx {
            txn: crate::platform::db::begin_write(db).await?,
            after: self.clone(),
            pending: Arc::default(),
            nested: false,
        })
    }
}

/// A day whose seats changed.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SeatDay {
    resource: String,
    /// `None`: every business type of the day (an exception closed or changed it).
    business_type: Option<String>,
    date: NaiveDate,
}

#[derive(Default)]
struct Pending {
    wake_outbox: bool,
    days: Vec<SeatDay>,
    everything: bool,
}

/// A write transaction with its effects. It is a connection like the transaction it
/// wraps (`&tx` goes wherever `&impl ConnectionTrait` does).
pub struct Tx {
    txn: DatabaseTransaction,
    after: AfterCommit,
    /// Shared with the savepoints inside it, whose effects run with the outermost commit.
    pending: Arc<Mutex<Pending>>,
    nested: bool,
}

impl Tx {
    /// A savepoint inside this transaction. What it names runs when the outermost `Tx`
    /// commits; if the savepoint rolls back, that is at worst a worker woken for nothing
    /// or a cached day read again.
    pub async fn savepoint(&self) -> Result<Tx, DbErr> {
        Ok(Tx {
            txn: self.txn.begin().await?,
            after: self.after.clone(),
            pending: self.pending.clone(),
            nested: true,
        })
    }

    /// A notice was queued: the worker is woken once this commits.
    pub fn notice_queued(&self) {
        self.with_pending(|p| p.wake_outbox = true);
    }

    /// Seats of a day and business type changed: its cached availability goes on commit.
    pub fn seats_changed(&self, resource: &str, business_type: &str, date: NaiveDate) {
        self.day_changed(resource, Some(business_type), date);
    }

    /// Every business type of a day changed (an exception was set or lifted).
    pub fn day_changed(&self, resource: &str, business_type: Option<&str>, date: NaiveDate) {
        let day = SeatDay {
            resource: resource.to_owned(),
            business_type: business_type.map(str::to_owned),
            date,
        };
        self.with_pending(|p| {
            if !p.days.contains(&day) {
                p.days.push(day);
            }
        });
    }

    /// The calendar changed: every resource's cached availability goes on commit.
    pub fn calendar_changed(&self) {
        self.with_pending(|p| p.everything = true);
    }

    fn with_pending(&self, f: impl FnOnce(&mut Pending)) {
        // A poisoned lock only means another holder panicked; the list is still whole.
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut pending);
    }

    /// Commits, then runs the effects collected (a savepoint only releases).
    pub async fn commit(self) -> Result<(), DbErr> {
        let Tx {
            txn,
            after,
            pending,
            nested,
        } = self;
        txn.commit().await?;
        if nested {
            return Ok(());
        }
        let pending = std::mem::take(
            &mut *pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if pending.everything {
            (after.forget_seats)(Stale::Everything);
        }
        for day in &pending.days {
            (after.forget_seats)(Stale::Day {
                resource: &day.resource,
                business_type: day.business_type.as_deref(),
                date: day.date,
            });
        }
        if pending.wake_outbox {
            (after.wake_outbox)();
        }
        Ok(())
    }

    /// Rolls back; nothing collected runs.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

/// Functions that take the plain `&DatabaseTransaction` (the seeds, the stores that
/// set off nothing) are handed a `&Tx` through this.
impl std::ops::Deref for Tx {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Tx {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// Savepoints inside a `Tx` are plain transactions of the inner one: their effects are
/// the outer `Tx`'s to name.
#[async_trait::async_trait]
impl TransactionTrait for Tx {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.txn.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.txn
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.txn.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.txn.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        (self.txn)
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn memory() -> DatabaseConnection {
        sea_orm::Database::connect("sqlite::memory:").await.unwrap()
    }

    /// Counts of the days forgotten and the wake-ups.
    struct Seen {
        forgotten: Arc<AtomicUsize>,
        woken: Arc<AtomicUsize>,
    }

    impl Seen {
        fn forgotten(&self) -> usize {
            self.forgotten.load(Ordering::SeqCst)
        }

        fn woken(&self) -> bool {
            self.woken.load(Ordering::SeqCst) > 0
        }
    }

    fn counting() -> (AfterCommit, Seen) {
        let seen = Seen {
            forgotten: Arc::default(),
            woken: Arc::default(),
        };
        let (forgotten, woken) = (seen.forgotten.clone(), seen.woken.clone());
        let after = AfterCommit::new(
            Arc::new(move || {
                woken.fetch_add(1, Ordering::SeqCst);
            }),
            Arc::new(move |_| {
                forgotten.fetch_add(1, Ordering::SeqCst);
            }),
        );
        (after, seen)
    }

    /// The effects run after the commit, once for a day named twice.
    #[tokio::test]
    async fn effects_run_on_commit_once_per_day() {
        let db = memory().await;
        let (after, seen) = counting();
        let tx = after.begin(&db).await.unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 4, 4).unwrap();
        tx.seats_changed("cemetery", "visit", day);
        tx.seats_changed("cemetery", "visit", day);
        tx.notice_queued();
        tx.execute_unprepared("SELECT 1").await.unwrap();
        assert_eq!(seen.forgotten(), 0, "not before the commit");
        tx.commit().await.unwrap();
        assert_eq!(seen.forgotten(), 1);
        assert!(seen.woken(), "the worker was woken");
    }

    /// What a savepoint names waits for the outer commit.
    #[tokio::test]
    async fn a_savepoint_s_effects_wait_for_the_outer_commit() {
        let db = memory().await;
        let (after, seen) = counting();
        let tx = after.begin(&db).await.unwrap();
        let inner = tx.savepoint().await.unwrap();
        inner.notice_queued();
        inner.seats_changed("office", "marriage", NaiveDate::MIN);
        inner.commit().await.unwrap();
        assert!(!seen.woken());
        assert_eq!(seen.forgotten(), 0);
        tx.commit().await.unwrap();
        assert!(seen.woken());
        assert_eq!(seen.forgotten(), 1);
    }

    /// A transaction rolled back or dropped runs nothing.
    #[tokio::test]
    async fn a_write_that_did_not_happen_sets_nothing_off() {
        let db = memory().await;
        let (after, seen) = counting();
        let day = NaiveDate::from_ymd_opt(2026, 4, 4).unwrap();
        let tx = after.begin(&db).await.unwrap();
        tx.seats_changed("cemetery", "visit", day);
        tx.notice_queued();
        tx.rollback().await.unwrap();
        let tx = after.begin(&db).await.unwrap();
        tx.day_changed("cemetery", None, day);
        drop(tx);
        assert_eq!(seen.forgotten(), 0);
        assert!(!seen.woken());
    }
}
