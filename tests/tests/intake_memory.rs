//! The intake's memory, measured by a counting allocator (its own test binary, so no
//! other test allocates meanwhile): every hostile file stays within what the decode
//! budget reserved for it from its header (plus a little for the encoder), so a colour
//! profile or text chunk that inflates to 300 MB cannot lift memory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests stop at the first surprise, and each reads as one story"
)]
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use minzheng::media::intake::{Limits, accept, decode_cost};
use minzheng_tests::hostile;

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MB: usize = 1024 * 1024;

#[test]
fn no_hostile_file_holds_more_than_its_header_reserved() {
    let limits = Limits::default();
    for (name, bytes) in hostile::corpus() {
        let reserved = decode_cost(&bytes, &limits) as usize;
        let before = NOW.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let outcome = accept(&bytes, &limits).map(|a| (a.width, a.height));
        let peak = PEAK.load(Ordering::Relaxed) - before;
        println!(
            "{name}: {} KB in, peak {} MB, reserved {} MB, {outcome:?}",
            bytes.len() / 1024,
            peak / MB,
            reserved / MB
        );
        assert!(
            peak <= reserved + 24 * MB,
            "{name} held {} MB, its header reserved {} MB",
            peak / MB,
            reserved / MB
        );
        if name.contains("bomb") && name != "pixel-bomb.png" {
            assert!(peak < 32 * MB, "{name} inflated: {} MB", peak / MB);
        }
    }
}
