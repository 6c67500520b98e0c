//! Desk face comparisons per second over HTTP beside the reference measured in the same
//! run: the bare inference of `platform::face::compare` (cargo feature `face`) for the same
//! chip/live pair (detection, landmarks and embedding of both photos, then the distance)
//! on every core. Not a test; `scripts/bench` runs it; needs the models
//! (`scripts/face-models`, or `MINZHENG_FACE_MODELS`):
//! `cargo bench -p minzheng-tests --features face --bench face`.
//!
//! The pair: a chip photo (102 x 126, detected at x4) and a 341 x 400 portrait (detected
//! at 800 px, the size every live photo is brought to, so a phone photo costs about the
//! same plus its scaling). Decoding is the caller's and not counted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests stop at the first surprise, and each reads as one story"
)]
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::RgbImage;
use minzheng::platform::face::compare::{self, FaceMatcher};

/// Comparisons per thread in each run.
const ROUNDS: usize = 30;

/// One row of the table.
struct Figure {
    what: String,
    per_second: f64,
    mean_ms: f64,
    p99_ms: f64,
}

impl Figure {
    /// From each comparison's latency and the run's wall time.
    fn new(what: String, mut latencies: Vec<Duration>, wall: Duration) -> Figure {
        latencies.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p99 = latencies[(latencies.len() * 99).div_ceil(100) - 1];
        Figure {
            what,
            per_second: latencies.len() as f64 / wall.as_secs_f64(),
            mean_ms: latencies.iter().copied().map(ms).sum::<f64>() / latencies.len() as f64,
            p99_ms: ms(p99),
        }
    }
}

/// `threads` threads each comparing the pair `ROUNDS` times on the shared matcher.
fn in_process(
    matcher: &dyn FaceMatcher,
    chip: &RgbImage,
    live: &RgbImage,
    threads: usize,
) -> Figure {
    let start = Instant::now();
    let latencies = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    (0..ROUNDS)
                        .map(|_| {
                            let sent = Instant::now();
                            let c = matcher.compare(chip, live).expect("the pair compares");
                            assert!(c.same_person, "{c:?}");
                            sent.elapsed()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    Figure::new(
        format!("in-process: detection + embedding of both photos + distance, {threads} thread(s)"),
        latencies,
        start.elapsed(),
    )
}

/// The same pair sent to the desk route over HTTP (multipart, JPEG as read from the
/// fixtures), `in_flight` at a time, against a release build of the service on SQLite:
/// decoding, the comparison, the attempt and the certification written, the answer.
async fn over_http(models: &Path, in_flight: usize) -> Figure {
    use futures_util::StreamExt;
    use minzheng_tests::{Backend, id_number, spawn_app_with};
    let models = models.to_path_buf();
    let app = spawn_app_with(Backend::Sqlite, move |c| c.face_models_dir = Some(models)).await;
    let admin = app.admin().await;
    let body = serde_json::json!({"name": "马玉珍", "id_number": id_number("11011219500101021"), "street_id": "yongshun", "village": "前北营村"});
    let (_, t) = app
        .post_as(&admin.access, "/api/v1/certification/transferees", &body)
        .await;
    let id = t["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/desk/certification/transferees/{id}/face-comparisons");
    app.post_as(
        &admin.access,
        &format!("/api/v1/desk/certification/transferees/{id}/face-consent"),
        &serde_json::json!({}),
    )
    .await;
    let bytes = |name: &str| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/faces")
                .join(name),
        )
        .unwrap()
    };
    let (chip, live) = (bytes("hopper-chip.jpg"), bytes("hopper.jpg"));
    let send = || {
        let form = reqwest::multipart::Form::new()
            .part(
                "chip_photo",
                reqwest::multipart::Part::bytes(chip.clone()).file_name("chip.jpg"),
            )
            .part(
                "live_photo",
                reqwest::multipart::Part::bytes(live.clone()).file_name("live.jpg"),
            );
        let request = app
            .authed(reqwest::Method::POST, &path, &admin.access)
            .multipart(form);
        async move {
            let sent = Instant::now();
            let res = request.send().await.unwrap();
            assert_eq!(
                res.status(),
                200,
                "{}",
                res.text().await.unwrap_or_default()
            );
            sent.elapsed()
        }
    };
    send().await; // loads the models
    let start = Instant::now();
    let latencies: Vec<Duration> =
        futures_util::stream::iter((0..ROUNDS * in_flight).map(|_| send()))
            .buffer_unordered(in_flight)
            .collect()
            .await;
    Figure::new(
        format!("over HTTP: the desk route with both photos (multipart), {in_flight} in flight"),
        latencies,
        start.elapsed(),
    )
}

fn fixture(name: &str) -> RgbImage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/faces")
        .join(name);
    image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

fn main() {
    let models = std::env::var_os("MINZHENG_FACE_MODELS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/face-models"),
        PathBuf::from,
    );
    let start = Instant::now();
    let matcher = compare::load(&models);
    if let Some(why) = matcher.unavailable_reason() {
        panic!("{why}");
    }
    eprintln!("models loaded in {:.2} s", start.elapsed().as_secs_f64());
    let (chip, live) = (fixture("hopper-chip.jpg"), fixture("hopper.jpg"));
    // The first call pays for first-touch allocations.
    matcher.compare(&chip, &live).expect("warm-up");
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let bare = in_process(matcher.as_ref(), &chip, &live, cores);
    drop(matcher);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = runtime.block_on(over_http(&models, cores));
    let ratio = http.per_second / bare.per_second;
    let figures = [bare, http];
    println!("| What | Comparisons/s | Mean ms per comparison | p99 ms |");
    println!("|---|---|---|---|");
    for f in figures {
        println!(
            "| {} | {:.1} | {:.0} | {:.0} |",
            f.what, f.per_second, f.mean_ms, f.p99_ms
        );
    }
    println!("| ratio: over HTTP / bare inference | {ratio:.2} | | |");
}
