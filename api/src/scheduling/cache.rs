//! Recent availability per instance: the slots of a day and whole answers of the public
//! route, kept a second at most and dropped when this instance changes the seats (a
//! committed `platform::tx::Tx` names the days it changed; see `forget_stale`).
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use chrono::NaiveDate;
use entity::slot;

use crate::platform::tx::Stale;
/// How long an availability answer may be served from memory. Short, so that a full slot
/// is never shown as free for long, yet long enough to absorb an opening-time read storm.
pub const CACHE_TTL: StdDuration = StdDuration::from_secs(1);

/// A day's slots are cached by resource, business type and date.
type DayKey = (String, String, NaiveDate);
/// When the slots were read, under which generation of the resource, and the slots.
type CachedDay = (Instant, u64, Arc<Vec<slot::Model>>);

/// Recent availability per (resource, business type, date), per instance.
#[derive(Default)]
pub struct AvailabilityCache {
    /// Slots of a day, with the resource's generation they were read under.
    days: Mutex<HashMap<DayKey, CachedDay>>,
    /// Whole answers of the public route, as sent, for the read storm at opening time:
    /// a hit touches no database at all.
    answers: Mutex<Answers>,
}

/// (resource, business type, from, to) of an availability answer.
pub type AnswerKey = (String, String, NaiveDate, NaiveDate);

#[derive(Default)]
struct Answers {
    kept: HashMap<AnswerKey, KeptAnswer>,
    /// Keys one request is recomputing now; the others serve the previous answer meanwhile.
    refreshing: HashSet<AnswerKey>,
    /// Bumped by every change of a resource's seats, so that an answer computed from
    /// before the change is not kept as fresh.
    generation: HashMap<String, u64>,
}

struct KeptAnswer {
    at: Instant,
    body: Arc<[u8]>,
    /// False once the resource changed after it was computed.
    fresh: bool,
}

/// What the cache has for an availability answer.
pub enum Lookup<'a> {
    Hit(Arc<[u8]>),
    /// Compute the answer and give it to [`Refresh::keep`].
    Miss(Refresh<'a>),
}

/// The right, and duty, to recompute one answer. Dropping it without `keep` (an error)
/// lets the next request try.
pub struct Refresh<'a> {
    cache: &'a AvailabilityCache,
    key: AnswerKey,
    generation: u64,
    owner: bool,
}

impl Refresh<'_> {
    pub fn keep(self, body: Arc<[u8]>) {
        if let Ok(mut answers) = self.cache.answers.lock() {
            if answers.kept.len() > 10_000 {
                answers.kept.retain(|_, a| a.at.elapsed() < CACHE_TTL);
            }
            let fresh =
                answers.generation.get(&self.key.0).copied().unwrap_or(0) == self.generation;
            let kept = KeptAnswer {
                at: Instant::now(),
                body,
                fresh,
            };
            answers.kept.insert(self.key.clone(), kept);
        }
    }
}

impl Drop for Refresh<'_> {
    fn drop(&mut self) {
        if self.owner
            && let Ok(mut answers) = self.cache.answers.lock()
        {
            answers.refreshing.remove(&self.key);
        }
    }
}

impl AvailabilityCache {
    /// How many times this instance changed the resource's seats or days.
    pub(super) fn generation(&self, resource: &str) -> u64 {
        let Ok(answers) = self.answers.lock() else {
            return u64::MAX;
        };
        answers.generation.get(resource).copied().unwrap_or(0)
    }

    pub(super) fn get(&self, key: &DayKey) -> Option<Arc<Vec<slot::Model>>> {
        let generation = self.generation(&key.0);
        let days = self.days.lock().ok()?;
        days.get(key)
            .filter(|(at, g, _)| at.elapsed() < CACHE_TTL && *g == generation)
            .map(|(_, _, slots)| slots.clone())
    }

    /// Keeps the slots of a day read under `generation` (a read that raced with a change
    /// is never served afterwards).
    pub(super) fn put(&self, key: DayKey, generation: u64, slots: Arc<Vec<slot::Model>>) {
        if let Ok(mut days) = self.days.lock() {
            if days.len() > 10_000 {
                days.retain(|_, (at, _, _)| at.elapsed() < CACHE_TTL);
            }
            days.insert(key, (Instant::now(), generation, slots));
        }
    }

    /// A recent answer of the availability route, or the duty to compute it. While one
    /// request recomputes a changed or expired answer, the others get the previous one
    /// (at most one more recomputation older, and never older than twice the TTL): at
    /// 200 bookings a second on one place, every reader recomputing after each booking
    /// would turn the read storm into a database storm.
    pub fn answer(&self, key: AnswerKey) -> Lookup<'_> {
        let Ok(mut answers) = self.answers.lock() else {
            return Lookup::Miss(Refresh {
                cache: self,
                key,
                generation: 0,
                owner: false,
            });
        };
        if let Some(kept) = answers.kept.get(&key) {
            let age = kept.at.elapsed();
            if kept.fresh && age < CACHE_TTL {
                return Lookup::Hit(kept.body.clone());
            }
            if answers.refreshing.contains(&key) && age < 2 * CACHE_TTL {
                return Lookup::Hit(kept.body.clone());
            }
        }
        let owner = answers.refreshing.insert(key.clone());
        let generation = answers.generation.get(&key.0).copied().unwrap_or(0);
        Lookup::Miss(Refresh {
            cache: self,
            key,
            generation,
            owner,
        })
    }

    /// Marks the answers that show the resource as changed (any range: finding the ones
    /// that cover a date costs more than recomputing a few).
    fn forget_answers(&self, resource: &str) {
        if let Ok(mut answers) = self.answers.lock() {
            *answers.generation.entry(resource.to_owned()).or_default() += 1;
            for ((r, ..), kept) in answers.kept.iter_mut() {
                if r == resource {
                    kept.fresh = false;
                }
            }
        }
    }

    /// Drops everything (after the national calendar changed: it touches every resource).
    pub fn forget_all(&self) {
        if let Ok(mut days) = self.days.lock() {
            days.clear();
        }
        if let Ok(mut answers) = self.answers.lock() {
            let resources: Vec<String> = answers.kept.keys().map(|k| k.0.clone()).collect();
            for resource in resources {
                *answers.generation.entry(resource).or_default() += 1;
            }
            answers
                .kept
                .values_mut()
                .for_each(|kept| kept.fresh = false);
        }
    }

    /// Drops what a committed write made stale (see `platform::tx`).
    pub fn forget_stale(&self, stale: Stale<'_>) {
        match stale {
            Stale::Day {
                resource,
                business_type: Some(kind),
                date,
            } => self.forget(resource, kind, date),
            Stale::Day {
                resource,
                business_type: None,
                date,
            } => self.forget_day(resource, date),
            Stale::Everything => self.forget_all(),
        }
    }

    /// Drops a day of every business type (after an exception changed it).
    pub fn forget_day(&self, resource: &str, date: NaiveDate) {
        if let Ok(mut days) = self.days.lock() {
            days.retain(|(r, _, d), _| !(r == resource && *d == date));
        }
        self.forget_answers(resource);
    }

    /// Drops a day after this instance changed its seats.
    pub fn forget(&self, resource: &str, business_type: &str, date: NaiveDate) {
        if let Ok(mut days) = self.days.lock() {
            days.remove(&(resource.to_owned(), business_type.to_owned(), date));
        }
        self.forget_answers(resource);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> AnswerKey {
        let d = NaiveDate::from_ymd_opt(2027, 4, 5).unwrap();
        ("cemetery".into(), "visit".into(), d, d)
    }

    fn body(text: &str) -> Arc<[u8]> {
        text.as_bytes().into()
    }

    fn hit(lookup: Lookup<'_>) -> Option<String> {
        match lookup {
            Lookup::Hit(b) => Some(String::from_utf8(b.to_vec()).unwrap()),
            Lookup::Miss(_) => None,
        }
    }

    #[test]
    fn one_request_recomputes_a_changed_answer_while_the_others_get_the_previous_one() {
        let cache = AvailabilityCache::default();
        let Lookup::Miss(first) = cache.answer(key()) else {
            panic!("an empty cache has nothing");
        };
        first.keep(body("v1"));
        assert_eq!(hit(cache.answer(key())).as_deref(), Some("v1"));

        cache.forget("cemetery", "visit", key().2);
        let Lookup::Miss(refresh) = cache.answer(key()) else {
            panic!("a changed answer is recomputed");
        };
        // Meanwhile the others are answered at once with the previous answer.
        assert_eq!(hit(cache.answer(key())).as_deref(), Some("v1"));
        refresh.keep(body("v2"));
        assert_eq!(hit(cache.answer(key())).as_deref(), Some("v2"));
    }

    #[test]
    fn an_answer_computed_across_a_change_is_not_kept_as_fresh() {
        let cache = AvailabilityCache::default();
        let Lookup::Miss(refresh) = cache.answer(key()) else {
            panic!("an empty cache has nothing");
        };
        // A booking commits while the answer is being computed from the older rows.
        cache.forget("cemetery", "visit", key().2);
        refresh.keep(body("read before the booking"));
        assert!(hit(cache.answer(key())).is_none(), "recomputed, not served");
    }

    #[test]
    fn a_failed_recomputation_lets_the_next_request_try() {
        let cache = AvailabilityCache::default();
        let Lookup::Miss(first) = cache.answer(key()) else {
            panic!("an empty cache has nothing");
        };
        first.keep(body("v1"));
        cache.forget("cemetery", "visit", key().2);
        drop(cache.answer(key())); // the database failed: no keep
        let Lookup::Miss(retry) = cache.answer(key()) else {
            panic!("nobody is recomputing any more, so this request does");
        };
        retry.keep(body("v2"));
        assert_eq!(hit(cache.answer(key())).as_deref(), Some("v2"));
    }

    #[test]
    fn slots_read_across_a_change_are_not_served() {
        let cache = AvailabilityCache::default();
        let day = ("cemetery".to_owned(), "visit".to_owned(), key().2);
        let generation = cache.generation("cemetery");
        cache.forget("cemetery", "visit", day.2);
        cache.put(day.clone(), generation, Arc::new(vec![]));
        assert!(cache.get(&day).is_none());
        cache.put(day.clone(), cache.generation("cemetery"), Arc::new(vec![]));
        assert!(cache.get(&day).is_some());
    }
}
