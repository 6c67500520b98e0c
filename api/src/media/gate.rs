//! The media store and the gate that bounds decoding, shared by all workers: what
//! `AppState` holds of the media room.
use std::sync::Arc;

use tokio::sync::Semaphore;

use super::intake::{self, Limits};
use super::store::{LocalFolder, MediaStore};
use crate::error::ApiError;

/// Megabytes all decodes together may hold. A 48-megapixel photo (the largest a phone
/// saves) needs about 144 MB decoded plus its scaled copy, so it runs alone; 12 MP
/// photos (about 36 MB plus the copy) run one per core.
pub const DECODE_BUDGET_MB: u32 = 220;

/// What a face comparison holds besides its two photos' decodes (the models' buffers).
const COMPARE_MB: u32 = 32;

/// The store and the decode gate, shared by all workers.
#[derive(Clone)]
pub struct Media {
    pub store: Arc<dyn MediaStore>,
    pub limits: Limits,
    /// One permit a core: CPU-bound work never queues more threads than cores.
    cores: Arc<Semaphore>,
    /// One permit a megabyte of [`DECODE_BUDGET_MB`].
    budget: Arc<Semaphore>,
}

impl Media {
    /// Files in `data_dir/media`.
    pub fn local(data_dir: &std::path::Path) -> Media {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Media {
            store: Arc::new(LocalFolder::new(data_dir.join("media"))),
            limits: Limits::default(),
            cores: Arc::new(Semaphore::new(cores)),
            budget: Arc::new(Semaphore::new(DECODE_BUDGET_MB as usize)),
        }
    }
}

/// Megabytes of the budget a decode of these bytes takes (capped at the whole budget: a
/// job larger than it runs alone rather than never).
pub fn decode_mb(bytes: &[u8], limits: &Limits) -> u32 {
    let mb = intake::decode_cost(bytes, limits).div_ceil(1024 * 1024);
    u32::try_from(mb)
        .unwrap_or(u32::MAX)
        .clamp(1, DECODE_BUDGET_MB)
}

impl Media {
    /// Runs CPU-bound image work off the async runtime once `mb` megabytes of the decode
    /// budget and a core are free (the same gate for uploads and face comparisons, so
    /// together they stay bounded).
    pub async fn gated<T: Send + 'static>(
        &self,
        mb: u32,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        // The permits travel into the blocking task: a request dropped at its deadline
        // cannot free them while the job still runs. Memory first, then a core, always
        // in that order, so two jobs never hold one each and wait for the other.
        let memory = self
            .budget
            .clone()
            .acquire_many_owned(mb.clamp(1, DECODE_BUDGET_MB))
            .await
            .map_err(ApiError::internal)?;
        let core = self
            .cores
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || {
            let _permits = (memory, core);
            job()
        })
        .await
        .map_err(ApiError::internal)
    }

    /// The budget a face comparison of these two photos takes.
    pub fn compare_mb(&self, chip: &[u8], live: &[u8]) -> u32 {
        decode_mb(chip, &self.limits)
            .saturating_add(decode_mb(live, &self.limits))
            .saturating_add(COMPARE_MB)
    }
}
