//! What every handler may need, built once at start-up and shared by all workers.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::tokens::TokenKeys;
use crate::config::{Config, Secrets};
use crate::platform::context::Context;
use crate::platform::crypto::Sealer;
use crate::platform::outbox::Outbox;
use crate::platform::tx::{AfterCommit, ForgetSeats};

/// The shared state handlers take as `web::Data<AppState>`: the services' `Context` (it
/// derefs to it) and the rooms' shared parts.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Context,
    pub tokens: TokenKeys,
    /// Recent availability answers (a second at most).
    pub availability: Arc<crate::scheduling::cache::AvailabilityCache>,
    /// Where uploads are stored, and the gate that bounds decoding.
    pub media: crate::media::gate::Media,
    /// The in-process face matcher of desk comparisons, loaded on first use.
    pub face: Arc<LazyFace>,
    /// The rooms that can cancel their bookings on a day that closes after it was
    /// booked (see `scheduling::closing`).
    pub seat_holders: Arc<Vec<crate::scheduling::holders::SeatHolder>>,
}

impl std::ops::Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
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
    /// The state over a database, with the rooms' seat holders (`startup::seat_holders`).
    #[expect(
        clippy::expect_used,
        reason = "the client is built at start-up, before any request, with the TLS provider installed"
    )]
    pub fn new(
        db: DatabaseConnection,
        config: Arc<Config>,
        secrets: Secrets,
        seat_holders: Vec<crate::scheduling::holders::SeatHolder>,
    ) -> AppState {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .connect_timeout(std::time::Duration::from_secs(3))
            .build()
            .expect("an HTTP client with default TLS settings");
        let outbox = Outbox::new();
        let availability: Arc<crate::scheduling::cache::AvailabilityCache> = Arc::default();
        let cache = availability.clone();
        let waker = outbox.clone();
        let forget_seats: ForgetSeats = Arc::new(move |stale| cache.forget_stale(stale));
        let ctx = Context {
            sealer: Sealer::new(&secrets),
            after_commit: AfterCommit::new(Arc::new(move || waker.wake()), forget_seats),
            outbox,
            wechat_token: Arc::default(),
            db,
            config: config.clone(),
            secrets: Arc::new(secrets),
            http,
        };
        AppState {
            tokens: TokenKeys::new(
                &ctx.secrets.token_key,
                ctx.secrets.previous_token_key.as_ref(),
            ),
            availability,
            media: crate::media::gate::Media::local(&config.data_dir),
            face: Arc::new(LazyFace::new(config.face_models_path())),
            seat_holders: Arc::new(seat_holders),
            ctx,
        }
    }
}
