//! What the rooms' services need of the app: the database, the sealer, the configuration
//! with its secrets, the HTTP client for peers, the outbox and where committed effects go.
//! Services take `&Context`; `state::AppState` holds one beside the rooms' own shared
//! parts (token keys, the availability cache, the media store, the face matcher, the seat
//! holders) and derefs to it, so a route passes `&state` as it is.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::{Config, Secrets};
use crate::platform::crypto::Sealer;
use crate::platform::outbox::Outbox;
use crate::platform::tx::{AfterCommit, Tx};

#[derive(Clone)]
pub struct Context {
    pub db: DatabaseConnection,
    pub sealer: Sealer,
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
}

impl Context {
    /// Begins a write transaction whose effects run when it commits.
    pub async fn begin(&self) -> Result<Tx, sea_orm::DbErr> {
        self.after_commit.begin(&self.db).await
    }

    /// The outbox's delivering side over this context's queue and settings.
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
