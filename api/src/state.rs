//! What every handler may need, built once at start-up and shared by all workers.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::tokens::TokenKeys;
use crate::config::{Config, Secrets};
use crate::platform::crypto::Sealer;
use crate::platform::outbox::Outbox;
use crate::platform::tx::{AfterCommit, ForgetSeats, Tx};

/// The shared state handlers take as `web::Data<AppState>`.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub sealer: Sealer,
    pub tokens: TokenKeys,
    pub config: Arc<Config>,
    pub secrets: Arc<Secrets>,
    /// For calls to WeChat and other peers; timeouts well under WeChat's own 60 s.
    pub http: reqwest::Client,
    pub outbox: Outbox,
    /// What a committed write sets off (see `platform::tx`); `begin` hands it to each Tx.
    pub after_commit: AfterCommit,
    /// WeChat's access token for calls made while a request waits (face verification);
    /// the outbox worker keeps its own.
    pub wechat_token: Arc<crate::platform::wechat::AccessTokenCache>,
    /// Recent availability answers (a second at most).
    pub availability: Arc<crate::scheduling::service::AvailabilityCache>,
    /// Where uploads are stored, and the gate that bounds decoding.
    pub media: crate::media::service::Media,
    /// The in-process face matcher of desk comparisons, loaded on first use.
    pub face: Arc<LazyFace>,
    /// The rooms that can cancel their bookings on a day that closes after it was
    /// booked (see `scheduling::closing`).
    pub seat_holders: Arc<Vec<crate::scheduling::closing::SeatHolder>>,
}

/// The face matcher, loaded the first time a face is compared: the models take about
/// 0.6 s to load, and most processes (and test apps) never compare one.
pub struct LazyFace {
    models_dir: std::path::PathBuf,
    matcher: std::sync::OnceLock<Arc<dyn crate::platform::face::compare::FaceMatcher>>,
}

impl LazyFace {
    pub fn new(models_dir: std::path::PathBuf) -> LazyFace {
        LazyFace {
            models_dir,
            matcher: std::sync::OnceLock::new(),
        }
    }

    /// Blocks while the models load: call it off the async runtime.
    pub fn get(&self) -> &Arc<dyn crate::platform::face::compare::FaceMatcher> {
        self.matcher
            .get_or_init(|| crate::platform::face::compare::load(&self.models_dir))
    }
}

/// reqwest is built without a default TLS provider; ring is the one crypto library the
/// service links. Installing twice (tests start many apps) is harmless.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Arc<Config>, secrets: Secrets) -> AppState {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .connect_timeout(std::time::Duration::from_secs(3))
            .build()
            .expect("an HTTP client with default TLS settings");
        let outbox = Outbox::new();
        let availability: Arc<crate::scheduling::service::AvailabilityCache> = Arc::default();
        let cache = availability.clone();
        let waker = outbox.clone();
        let forget_seats: ForgetSeats = Arc::new(move |stale| cache.forget_stale(stale));
        AppState {
            sealer: Sealer::new(&secrets),
            tokens: TokenKeys::new(&secrets.token_key, secrets.previous_token_key.as_ref()),
            after_commit: AfterCommit::new(Arc::new(move || waker.wake()), forget_seats),
            outbox,
            wechat_token: Arc::default(),
            availability,
            media: crate::media::service::Media::local(&config.data_dir),
            face: Arc::new(LazyFace::new(config.face_models_path())),
            seat_holders: Arc::new(vec![crate::marriage::closing::seat_holder()]),
            db,
            config,
            secrets: Arc::new(secrets),
            http,
        }
    }

    /// Begins a write transaction whose effects run when it commits.
    pub async fn begin(&self) -> Result<Tx, sea_orm::DbErr> {
        self.after_commit.begin(&self.db).await
    }

    /// The outbox's delivering side over this state's queue and settings.
    pub fn outbox_worker(
        &self,
        mailer: crate::platform::outbox::Mailer,
    ) -> crate::platform::outbox::Worker {
        crate::platform::outbox::Worker::new(
            self.db.clone(),
            self.sealer.clone(),
            (self.config.clone(), self.secrets.clone()),
            self.http.clone(),
            &self.outbox,
            mailer,
        )
    }

    /// How face checks reach WeChat and FaceID (`platform::face`).
    pub fn face_providers(&self) -> crate::platform::face::Providers<'_> {
        crate::platform::face::Providers {
            http: &self.http,
            wechat: (self.config.wechat_app_id.as_deref())
                .zip(self.secrets.wechat_app_secret.as_deref()),
            wechat_base: &self.config.wechat_api_base,
            wechat_token: &self.wechat_token,
            faceid: (self.secrets.faceid_secret_id.as_deref())
                .zip(self.secrets.faceid_secret_key.as_deref()),
            faceid_endpoint: &self.config.faceid_endpoint,
            faceid_region: &self.config.faceid_region,
        }
    }
}
