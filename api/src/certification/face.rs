//! 1:1 face comparison in-process, for desk and home-visit checks: the photo read from the
//! ID card's chip against a live photo taken by staff. dlib's pipeline (HOG detector,
//! 5-point landmarks, ResNet embedding, Euclidean distance), compiled in only with the
//! cargo feature `face`; without it, or without the model files, every comparison answers
//! [`FaceError::Unavailable`] and the rest of the service runs as usual.
//!
//! Photos are only read here: nothing is kept, logged or written. See
//! `docs/face-comparison.md` for the models, their licences and how [`THRESHOLD`] was chosen.
use std::path::Path;
use std::sync::Arc;

use image::RgbImage;

/// Euclidean distance between the two embeddings below which both photos show the same
/// person. dlib's own rule is 0.6 (99.38 % on LFW); measured on `tests/fixtures/faces`
/// (docs/face-comparison.md), same-person pairs stay at or below 0.XX and different
/// people at or above 0.XX, so dlib's value is kept.
pub const THRESHOLD: f32 = 0.6;

/// The two model files read from the models folder (`scripts/face-models` fetches them).
pub const MODEL_FILES: [&str; 2] = [
    "shape_predictor_5_face_landmarks.dat",
    "dlib_face_recognition_resnet_model_v1.dat",
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Euclidean distance between the two faces' embeddings (0 = identical).
    pub distance: f32,
    /// `distance < THRESHOLD`.
    pub same_person: bool,
}

/// Which of the two photos an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Photo {
    Chip,
    Live,
}

impl std::fmt::Display for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Photo::Chip => "chip",
            Photo::Live => "live",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaceError {
    #[error("no face found in the {0} photo")]
    NoFace(Photo),
    #[error("more than one face in the {0} photo")]
    SeveralFaces(Photo),
    #[error("the {0} photo or the face in it is too small to compare")]
    PoorImage(Photo),
    /// Built without the `face` feature, or the model files are missing or unreadable.
    #[error("face comparison unavailable: {0}")]
    Unavailable(String),
}

pub trait FaceMatcher: Send + Sync {
    /// Compares the photo read from the ID card's chip with a live photo, 1:1.
    /// CPU-bound (about 0.1 s): call it from a blocking thread.
    fn compare(&self, chip: &RgbImage, live: &RgbImage) -> Result<Comparison, FaceError>;

    /// Why this matcher cannot compare, `None` when it can (for readiness reports).
    fn unavailable_reason(&self) -> Option<&str> {
        None
    }
}

/// Loads the dlib models from `models_dir` when built with the `face` feature; otherwise
/// (or when a model file is missing or unreadable) returns a matcher whose every compare
/// answers [`FaceError::Unavailable`] with the reason. Never panics. Takes about a second
/// per core (one copy of the models per core, see `dlib::Dlib`).
pub fn load(models_dir: &Path) -> Arc<dyn FaceMatcher> {
    #[cfg(feature = "face")]
    let matcher: Arc<dyn FaceMatcher> = match dlib::Dlib::load(models_dir) {
        Ok(dlib) => Arc::new(dlib),
        Err(reason) => Arc::new(Unavailable(reason)),
    };
    #[cfg(not(feature = "face"))]
    let matcher: Arc<dyn FaceMatcher> = Arc::new(Unavailable(format!(
        "built without the `face` feature (models folder {} not read)",
        models_dir.display()
    )));
    matcher
}

/// The stand-in when there is nothing to compare with.
struct Unavailable(String);

impl FaceMatcher for Unavailable {
    fn compare(&self, _: &RgbImage, _: &RgbImage) -> Result<Comparison, FaceError> {
        Err(FaceError::Unavailable(self.0.clone()))
    }

    fn unavailable_reason(&self) -> Option<&str> {
        Some(&self.0)
    }
}

#[cfg(feature = "face")]
mod dlib {
    use std::path::Path;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use dlib_face_recognition::{
        FaceDetector, FaceDetectorTrait, FaceEncoderNetwork, FaceEncoderTrait, FaceEncoding,
        ImageMatrix, LandmarkPredictor, LandmarkPredictorTrait,
    };
    use image::RgbImage;
    use image::imageops::{self, FilterType};

    use super::{Comparison, FaceError, FaceMatcher, MODEL_FILES, Photo, THRESHOLD};

    /// Photos with a shorter side below this are refused outright: an ID card chip photo,
    /// the smallest we expect, is 102 x 126.
    const MIN_PHOTO_SIDE: u32 = 64;
    /// Detection runs on a copy whose longer side is brought to this, upscaled at most
    /// `MAX_UPSCALE` times. HOG only finds faces of about 80 px and more: a chip photo's
    /// face (45-75 px) is found only after upscaling (x4 makes it 408 x 504), while a
    /// 12-megapixel live photo is scaled down, as detection time grows with the pixels
    /// (measured: 35 ms at 512 px, 100 ms at 800, 160 ms at 1024) and a face that fills a
    /// desk photo stays far above 80 px at 800.
    const WORK_SIDE: f64 = 800.0;
    const MAX_UPSCALE: f64 = 4.0;
    /// A face box (about brow to chin) narrower than this in the photo's own pixels is
    /// refused as too small to compare. Measured by shrinking a portrait: from 32 px up the
    /// distance to the full-size face stays at or below 0.3; below, it climbs fast (0.44 at
    /// 22 px) and at 16 px it passes the distance to the other person. Thanks to the
    /// upscaling, faces down to about 20 px are found, so the answer is "too small"
    /// rather than "no face".
    const MIN_FACE_SIDE: f64 = 32.0;

    /// dlib's HOG detector and ResNet are not thread-safe (the crate marks them `!Sync`),
    /// so each worker owns its own copy behind a mutex. One worker per core: compares
    /// are already limited to one per core by the caller (`Media::gated`), and two
    /// workers on two cores give nearly twice the throughput of one (measured:
    /// docs/face-comparison.md); creating the models per call would cost about 0.5 s.
    struct Worker {
        detector: FaceDetector,
        encoder: FaceEncoderNetwork,
    }

    pub(super) struct Dlib {
        workers: Vec<Mutex<Worker>>,
        /// The shape predictor is read-only once loaded (dlib's `shape_predictor` call is
        /// const), so one copy is shared.
        landmarks: LandmarkPredictor,
        next: AtomicUsize,
    }

    impl Dlib {
        pub(super) fn load(dir: &Path) -> Result<Dlib, String> {
            if let Some(missing) = MODEL_FILES.iter().find(|f| !dir.join(f).is_file()) {
                return Err(format!(
                    "model file {} not found (run scripts/face-models)",
                    dir.join(missing).display()
                ));
            }
            let landmarks = LandmarkPredictor::open(dir.join(MODEL_FILES[0]))?;
            let encoder = FaceEncoderNetwork::open(dir.join(MODEL_FILES[1]))?;
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            // Copies in memory are much faster than reading the file again.
            let workers = (0..cores)
                .map(|_| {
                    Mutex::new(Worker {
                        detector: FaceDetector::new(),
                        encoder: encoder.clone(),
                    })
                })
                .collect();
            Ok(Dlib {
                workers,
                landmarks,
                next: AtomicUsize::new(0),
            })
        }

        /// The embedding of the one face in `img`.
        fn embed(
            &self,
            worker: &Worker,
            img: &RgbImage,
            photo: Photo,
        ) -> Result<FaceEncoding, FaceError> {
            let (width, height) = img.dimensions();
            if width.min(height) < MIN_PHOTO_SIDE {
                return Err(FaceError::PoorImage(photo));
            }
            let scale = MAX_UPSCALE.min(WORK_SIDE / f64::from(width.max(height)));
            let (w, h) = (
                (f64::from(width) * scale).round() as u32,
                (f64::from(height) * scale).round() as u32,
            );
            let work = if scale > 1.0 {
                imageops::resize(img, w, h, FilterType::Triangle)
            } else {
                // `thumbnail` works in 8-bit integers: no float copy of a large photo.
                imageops::thumbnail(img, w, h)
            };
            // SAFETY: an `RgbImage` holds exactly width * height * 3 bytes, row by row,
            // which is what `ImageMatrix::new` reads. (The crate's `from_image` would take
            // the same bytes but wants an image 0.24 buffer.)
            let matrix = unsafe {
                ImageMatrix::new(
                    work.width() as usize,
                    work.height() as usize,
                    work.as_raw().as_ptr(),
                )
            };
            let faces = worker.detector.face_locations(&matrix);
            let face = match &faces[..] {
                [] => return Err(FaceError::NoFace(photo)),
                [face] => face,
                _ => return Err(FaceError::SeveralFaces(photo)),
            };
            if (face.width().min(face.height()) as f64) / scale < MIN_FACE_SIDE {
                return Err(FaceError::PoorImage(photo));
            }
            let shape = self.landmarks.face_landmarks(&matrix, face);
            let encodings = worker.encoder.get_face_encodings(&matrix, &[shape], 0);
            // One face in, one encoding out.
            Ok(encodings[0].clone())
        }

        /// A free worker if there is one, else the next in turn.
        fn worker(&self) -> std::sync::MutexGuard<'_, Worker> {
            for w in &self.workers {
                if let Ok(guard) = w.try_lock() {
                    return guard;
                }
            }
            let i = self.next.fetch_add(1, Ordering::Relaxed) % self.workers.len();
            // A panic while holding the lock leaves nothing half-done in the models.
            self.workers[i]
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        }
    }

    impl FaceMatcher for Dlib {
        fn compare(&self, chip: &RgbImage, live: &RgbImage) -> Result<Comparison, FaceError> {
            let worker = self.worker();
            let chip = self.embed(&worker, chip, Photo::Chip)?;
            let live = self.embed(&worker, live, Photo::Live)?;
            let distance = chip.distance(&live) as f32;
            Ok(Comparison {
                distance,
                same_person: distance < THRESHOLD,
            })
        }
    }
}

#[cfg(all(test, feature = "face"))]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    /// `MINZHENG_FACE_MODELS`, else `data/face-models` at the top of the repository.
    fn models_dir() -> PathBuf {
        std::env::var_os("MINZHENG_FACE_MODELS").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/face-models"),
            PathBuf::from,
        )
    }

    fn matcher() -> Arc<dyn FaceMatcher> {
        let m = load(&models_dir());
        if let Some(why) = m.unavailable_reason() {
            panic!("{why}");
        }
        m
    }

    fn photo(name: &str) -> RgbImage {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/faces")
            .join(name);
        image::open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .to_rgb8()
    }

    const PEOPLE: [&str; 2] = ["astronaut", "hopper"];
    const LIVE: [&str; 6] = ["", "-crop", "-dark", "-bright", "-tilt", "-mirror"];

    #[test]
    fn same_person_accepted() {
        let m = matcher();
        for person in PEOPLE {
            for variant in LIVE {
                let c = m.compare(
                    &photo(&format!("{person}-chip.jpg")),
                    &photo(&format!("{person}{variant}.jpg")),
                );
                let c = c.unwrap_or_else(|e| panic!("{person}{variant}: {e}"));
                assert!(c.same_person, "{person}{variant}: {c:?}");
            }
        }
    }

    #[test]
    fn different_person_refused() {
        let m = matcher();
        for (chip, other) in [("astronaut", "hopper"), ("hopper", "astronaut")] {
            for variant in LIVE {
                let c = m.compare(
                    &photo(&format!("{chip}-chip.jpg")),
                    &photo(&format!("{other}{variant}.jpg")),
                );
                let c = c.unwrap_or_else(|e| panic!("{chip} vs {other}{variant}: {e}"));
                assert!(!c.same_person, "{chip} vs {other}{variant}: {c:?}");
            }
        }
    }

    #[test]
    fn no_face() {
        let m = matcher();
        let chip = photo("hopper-chip.jpg");
        for name in ["no-face-cat.jpg", "no-face-coffee.jpg"] {
            assert_eq!(
                m.compare(&chip, &photo(name)),
                Err(FaceError::NoFace(Photo::Live)),
                "{name}"
            );
        }
        let plain = RgbImage::from_pixel(300, 400, image::Rgb([200, 200, 200]));
        assert_eq!(
            m.compare(&plain, &chip),
            Err(FaceError::NoFace(Photo::Chip))
        );
    }

    #[test]
    fn several_faces() {
        let m = matcher();
        assert_eq!(
            m.compare(&photo("hopper-chip.jpg"), &photo("two-faces.jpg")),
            Err(FaceError::SeveralFaces(Photo::Live))
        );
    }

    #[test]
    fn poor_image() {
        let m = matcher();
        let chip = photo("hopper-chip.jpg");
        // A thumbnail too small to hold a usable face.
        let tiny = imageops_resize(&chip, 48, 60);
        assert_eq!(
            m.compare(&tiny, &chip),
            Err(FaceError::PoorImage(Photo::Chip))
        );
        // A face of about 30 px in a large photo: found, but too small to compare.
        let mut wide = RgbImage::from_pixel(640, 480, image::Rgb([180, 180, 180]));
        image::imageops::overlay(&mut wide, &imageops_resize(&chip, 51, 63), 300, 200);
        assert_eq!(
            m.compare(&chip, &wide),
            Err(FaceError::PoorImage(Photo::Live))
        );
    }

    fn imageops_resize(img: &RgbImage, w: u32, h: u32) -> RgbImage {
        image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle)
    }

    #[test]
    fn missing_models_unavailable() {
        let m = load(Path::new("/nonexistent/face-models"));
        let why = m.unavailable_reason().expect("unavailable").to_owned();
        assert!(
            why.contains("shape_predictor_5_face_landmarks.dat"),
            "{why}"
        );
        let img = photo("hopper-chip.jpg");
        assert_eq!(m.compare(&img, &img), Err(FaceError::Unavailable(why)));
    }
}
