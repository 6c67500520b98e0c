//! Online memorial halls (网上祭扫 / 数字化祭扫): a family member creates a page for a
//! deceased person; visitors leave tributes (flowers, candles, incense: counted) and
//! messages, which pass a sensitive-word filter and reviews.
//!
//! ## Design decisions
//! - **Who sees a page.** `public` pages are listed and open to anyone, signed in or
//!   not; `link` pages to anyone holding the page's random share token (`?token=`, 128
//!   bits; kept as a SHA-256 digest to find it and sealed to show it to the family);
//!   `family` pages to the creator and invited family. District staff who moderate
//!   (admins, reviewers, approvers) see every page. A page the caller may not see
//!   answers 404 `memorial.not_found`, never 403, so its existence stays private.
//! - **Family.** The creator makes one-use invitation codes (10 characters without
//!   look-alikes, 7 days, blind-indexed); a signed-in citizen joins with one (10
//!   attempts per 10 minutes). Using a code is one conditional update; membership is a
//!   unique row. Family members moderate like the creator; only the creator edits,
//!   invites and removes (a member may leave).
//! - **No memorials for living persons.** A date of death is required and may not be
//!   after today (Beijing): `memorial.living_person`. The creator needs a verified real
//!   name.
//! - **Tributes.** Counted on the page row by one atomic `UPDATE memorial SET flowers =
//!   flowers + 1 ... RETURNING` inside a write transaction (no read-modify-write, so no
//!   lost increments however many arrive on 清明). A person may leave 20 a page a day:
//!   a row per (page, person, Beijing day) moved by a conditional upsert (`... DO UPDATE
//!   ... WHERE given < 20 RETURNING`), which no concurrent pair can both pass. No
//!   ranking, no leaderboard, no prices: the answer is the three counts.
//! - **Messages.** "Real name behind, free display in front": the author must have a
//!   verified real name, and chooses the display name (default their masked real
//!   name). Body 1 to 500 characters; 30 messages a person an hour. A message whose
//!   body or display name hits the sensitive-word filter is `held` with reason
//!   `sensitive_word`: only staff may approve it (the family may still hide it). On a
//!   page with pre-review (always for `public` pages, default on for others) messages
//!   of visitors are `held` with reason `pre_review` until the family approves; the
//!   family's own messages are published at once. Visitors see published messages and
//!   their own (held ones as `held`); the family and staff see all. The creator gets
//!   one `memorial_message` notification when messages start waiting, not one per
//!   message. A moderation step is one conditional update from the state it saw.
//! - **Sensitive words.** A table edited by district admins (`PUT` replaces the list),
//!   seeded in the migration. Words and messages are compared in a normal form:
//!   full-width folded to half-width, lower case, only letters and digits kept, so
//!   case, full-width forms and spaces or punctuation between characters do not help.
//!   The list is read per message (small; no cache to go stale across instances).
//! - **Takedown.** Staff take a page down with a reason and restore it; visitors then
//!   get 410 `memorial.taken_down`, the family sees the status and the reason, and no
//!   one can leave tributes or messages on it meanwhile. Every change is audited.
//! - **Portrait.** A media id the creator uploaded (an image), served by
//!   `GET /memorials/{id}/portrait` to whoever may see the page.
use utoipa_actix_web::service_config::ServiceConfig;

pub mod dto;
pub mod error;
pub mod filter;
mod routes;
pub mod service;
pub mod states;

/// Mounts the routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    routes::routes(cfg);
}
