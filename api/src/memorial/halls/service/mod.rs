//! Rules of online memorial halls: who sees a page, who may change it, tributes counted
//! without lost updates, messages through the filter and the reviews. One transaction
//! per change, each audited.
//!
//! One use case a file: `details`, `lists`, `tributes`, `messages`, `moderation`,
//! `members`; what they share is `rules`.
mod details;
mod lists;
mod members;
mod messages;
mod moderation;
mod rules;
mod tributes;

pub use details::{
    Details, VISIBILITIES, create, details, portrait, rotate_link, share_token, update,
};
pub use lists::{list_mine, list_public};
pub use members::{invite, join, members, remove_member};
pub use messages::{messages, post_message};
pub use moderation::{Moderation, moderate, save_words, set_status, staff_queue};
pub use rules::{Relation, Viewer, find, is_moderator, open, relation, words};
pub use tributes::{TRIBUTES_PER_DAY, tribute, tribute_column};
