//! Image intake throughput: phone photos uploaded over HTTP (multipart, as `wx.uploadFile`
//! sends them, 20 at a time) beside the `image` crate's own decode + JPEG encode of the
//! same files, on as many threads as the service decodes at once (one per core), in one
//! run. Not a test: `scripts/bench` runs it in release mode and writes
//! `docs/benchmarks/media.md`.
//!
//! The intake does more than the reference: sniffing, the pixel check from the header,
//! the truncation check, EXIF orientation, a 320 px thumbnail (a second encode), SHA-256,
//! AES-GCM sealing of both files, the writes to the data folder and the database row.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests stop at the first surprise, and each reads as one story"
)]
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use minzheng_tests::{Backend, spawn_app_with};
use serde_json::Value;

/// Distinct photos, each uploaded `ROUNDS` times.
const PHOTOS: usize = 12;
const ROUNDS: usize = 3;
const IN_FLIGHT: usize = 20;

/// A 12-megapixel phone photo (4000 × 3000) with texture, so that it weighs what a real
/// one does (2-4 MB).
fn photo(seed: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(4000, 3000, |x, y| {
        let noise = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503) ^ seed) >> 27;
        Rgb([
            ((x / 16 + seed) % 256) as u8 ^ noise as u8,
            ((y / 12) % 256) as u8,
            ((x + y) / 28 % 256) as u8 ^ (noise as u8 * 3),
        ])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 88)
        .encode_image(&DynamicImage::ImageRgb8(img))
        .unwrap();
    out
}

/// The reference: decode and re-encode (JPEG, quality 85 as the intake) every file,
/// `threads` at a time; MB of input per second.
fn reference(files: &[Vec<u8>], threads: usize) -> f64 {
    let start = Instant::now();
    let bytes: usize = std::thread::scope(|scope| {
        let chunks: Vec<&[Vec<u8>]> = files.chunks(files.len().div_ceil(threads)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let mut n = 0;
                    for _ in 0..ROUNDS {
                        for f in chunk {
                            let img =
                                image::load_from_memory_with_format(f, ImageFormat::Jpeg).unwrap();
                            let mut out = Vec::new();
                            JpegEncoder::new_with_quality(&mut out, 85)
                                .encode_image(&img)
                                .unwrap();
                            n += f.len();
                        }
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    bytes as f64 / 1e6 / start.elapsed().as_secs_f64()
}

/// Resident memory of this process now and at its peak since the last reset, in MB.
fn resident_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The hostile corpus (`minzheng_tests::hostile`) uploaded four times over, 20 in flight,
/// into a fresh app in this process: the process's resident memory before (the idle
/// reference) and its peak during the run, in MB, and the answers.
async fn hostile_peak() -> (f64, f64, usize, usize) {
    let corpus = minzheng_tests::hostile::corpus();
    let app = spawn_app_with(Backend::Sqlite, |c| c.log_level = "error".into()).await;
    let citizen = app.citizen("bench-hostile").await;
    let (idle, _) = resident_mb();
    // Linux: writing 5 resets the peak (VmHWM) to the current resident size.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let client = minzheng_tests::http_client();
    let statuses: Vec<u16> =
        futures_util::stream::iter(corpus.iter().cycle().take(corpus.len() * 4))
            .map(|(_, bytes)| {
                let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name("upload.png");
                let form = reqwest::multipart::Form::new()
                    .part("file", part)
                    .text("purpose", "sweep_proof");
                let request = client
                    .post(app.url("/api/v1/media"))
                    .bearer_auth(&citizen.access)
                    .multipart(form);
                async move { request.send().await.map_or(0, |r| r.status().as_u16()) }
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
    let (_, peak) = resident_mb();
    let clear = statuses.iter().filter(|s| matches!(s, 201 | 422)).count();
    (idle, peak, clear, statuses.len() - clear)
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    eprintln!("uploading the hostile corpus");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (idle, peak, clear, unclear) = runtime.block_on(hostile_peak());
    eprintln!("making {PHOTOS} photos");
    let files: Vec<Vec<u8>> = (0..PHOTOS as u32).map(photo).collect();
    let mean_mb = files.iter().map(Vec::len).sum::<usize>() as f64 / PHOTOS as f64 / 1e6;
    let one_thread = reference(&files, 1);
    let all_cores = reference(&files, cores);
    let (rate, p50, p99, ok, other) = runtime.block_on(upload_all(&files));
    println!(
        "| What | MB/s | p50 ms | p99 ms | Outcome | Ratio to the reference on {cores} threads |"
    );
    println!("|---|---|---|---|---|---|");
    println!(
        "| reference: `image` decode + JPEG encode, 1 thread | {one_thread:.1} | | | | {:.2} |",
        one_thread / all_cores
    );
    println!(
        "| reference: `image` decode + JPEG encode, {cores} threads | {all_cores:.1} | | | | 1.00 |"
    );
    println!(
        "| intake over HTTP: {} uploads of {PHOTOS} photos (12 MP, {mean_mb:.1} MB average), {IN_FLIGHT} in flight | {rate:.1} | {p50:.0} | {p99:.0} | {ok} stored, {other} other | {:.2} |",
        PHOTOS * ROUNDS,
        rate / all_cores
    );
    println!();
    println!("| Memory | Resident MB | Outcome | Ratio to the idle reference |");
    println!("|---|---|---|---|");
    println!("| reference: the idle app in this process, after start-up | {idle:.0} | | 1.00 |");
    println!(
        "| peak while uploading the hostile corpus ({} files, 4 rounds), {IN_FLIGHT} in flight | {peak:.0} | {clear} answered 201/422, {unclear} other | {:.2} |",
        minzheng_tests::hostile::corpus().len(),
        peak / idle.max(1.0)
    );
}

async fn upload_all(files: &[Vec<u8>]) -> (f64, f64, f64, usize, usize) {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.log_level = "error".into();
        c.request_timeout_secs = 120;
    })
    .await;
    let citizen = app.citizen("bench-uploader").await;
    let client = minzheng_tests::http_client();
    let uploads = (0..ROUNDS).flat_map(|_| files.iter());
    let start = Instant::now();
    let answers: Vec<(Duration, u16, usize)> = futures_util::stream::iter(uploads)
        .map(|bytes| {
            let (client, token, url) = (
                client.clone(),
                citizen.access.clone(),
                app.url("/api/v1/media"),
            );
            let part = reqwest::multipart::Part::bytes(bytes.clone())
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .unwrap();
            let form = reqwest::multipart::Form::new()
                .part("file", part)
                .text("purpose", "sweep_proof");
            let size = bytes.len();
            async move {
                let sent = Instant::now();
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .multipart(form)
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let _: Value = res.json().await.unwrap_or(Value::Null);
                (sent.elapsed(), status, size)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let wall = start.elapsed().as_secs_f64();
    let ok: Vec<&(Duration, u16, usize)> = answers.iter().filter(|a| a.1 == 201).collect();
    let mb: f64 = ok.iter().map(|a| a.2 as f64).sum::<f64>() / 1e6;
    let mut latencies: Vec<f64> = answers.iter().map(|a| a.0.as_secs_f64() * 1000.0).collect();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    (
        mb / wall,
        pct(0.5),
        pct(0.99),
        ok.len(),
        answers.len() - ok.len(),
    )
}
