//! The sweep as a claimed job, and the loop that runs it.
use uuid::Uuid;

use super::sweep::{Progress, Swept, sweep, sweep_reporting};
use crate::platform::clock;
use crate::platform::jobs;
use crate::state::AppState;

/// The job kind of a sweep run on request.
pub const SWEEP_JOB: &str = "certification_sweep";

/// Runs a sweep job to its end: taken (unless another runner has it), swept with its
/// progress reported, finished with its counts. A job taken up after a crash goes on
/// from the counts its last batch reported.
pub async fn run_sweep_job(state: AppState, id: Uuid) {
    match jobs::claim(&state.db, id, jobs::stale_after(&state.config)).await {
        Ok(Some(job)) => run_claimed(state, job).await,
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "certification: cannot take the sweep job"),
    }
}

pub(super) async fn run_claimed(state: AppState, job: entity::job::Model) {
    let params: serde_json::Value = serde_json::from_str(&job.params).unwrap_or_default();
    let today = params["today"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(clock::today);
    let before: Swept = job
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default();
    let mut progress = Progress {
        job: Some(job.id),
        before,
        ..Progress::default()
    };
    let outcome = match sweep_reporting(&state, today, &mut progress).await {
        Ok(swept) => serde_json::to_value(swept).map_err(|_| "server.internal"),
        Err(e) => {
            tracing::error!(code = e.code.as_str(), "certification: sweep job failed");
            Err(e.code.as_str())
        }
    };
    if let Err(e) = jobs::finish(&state.db, job.id, outcome).await {
        tracing::error!(error = %e, "certification: cannot finish the sweep job");
    }
}

/// Sweeps every `sweep_interval_secs` until the process ends (every instance may: each
/// step is claimed by a conditional update).
pub async fn sweeper(state: AppState) {
    let every = std::time::Duration::from_secs(Ord::max(state.config.sweep_interval_secs, 1));
    loop {
        // Sweep jobs nobody runs: queued, or left by a runner that died.
        loop {
            match jobs::claim_next(&state.db, SWEEP_JOB, jobs::stale_after(&state.config)).await {
                Ok(Some(job)) => run_claimed(state.clone(), job).await,
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, "certification: cannot look for sweep jobs");
                    break;
                }
            }
        }
        crate::certification::window::resume_left(&state).await;
        if let Err(e) = sweep(&state, clock::today()).await {
            tracing::error!(code = e.code.as_str(), "certification: sweep failed");
        }
        tokio::time::sleep(every).await;
    }
}
