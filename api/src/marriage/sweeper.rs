//! The marriage room's timed work, one loop per instance: reminders for tomorrow,
//! divorce applications past their window, due draws, lapsed waitlist offers and
//! appointments not confirmed in time. Each step is conditional, so instances running it
//! at once do each change once.
use super::{draw, notify, service};
use crate::scheduling::waitlist;
use crate::state::AppState;

/// Runs the marriage room's timed work every `sweep_interval_secs` until the process ends.
pub async fn sweeper(state: AppState) {
    let every = std::time::Duration::from_secs(state.config.sweep_interval_secs.max(1));
    loop {
        if let Err(e) = notify::remind_tomorrow(&state).await {
            tracing::error!(code = e.code.as_str(), "marriage: cannot queue reminders");
        }
        if let Err(e) = service::lapse_divorce_applications(&state).await {
            tracing::error!(
                code = e.code.as_str(),
                "marriage: cannot lapse divorce applications"
            );
        }
        if let Err(e) = draw::run_due(&state).await {
            tracing::error!(code = e.code.as_str(), "marriage: cannot run due draws");
        }
        if let Err(e) = waitlist::sweep(&state).await {
            tracing::error!(
                code = e.code.as_str(),
                "marriage: cannot lapse waitlist offers"
            );
        }
        if let Err(e) = service::expire_unconfirmed(&state).await {
            tracing::error!(
                code = e.code.as_str(),
                "marriage: cannot release unconfirmed appointments"
            );
        }
        tokio::time::sleep(every).await;
    }
}
