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
/// person. On `tests/fixtures/faces` same-person pairs measure 0.05-0.34 (the chip photo
/// against the others is the farthest) and different people 0.65-0.73; dlib's usual 0.6
/// would sit 0.05 from the closest different pair, so 0.5, about midway, is stricter: a
/// false match keeps paying someone else's allowance, a false refusal costs a retake or a
/// manual review. Two identities prove little: recalibrate on consented real pairs
/// (docs/face-comparison.md).
pub const THRESHOLD: f32 = 0.5;

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
    /// CPU-bound (about a quarter of a second): call it from a blocking thread.
    fn compare(&self, chip: &RgbImage, live: &RgbImage) -> Result<Comparison, FaceError>;

    /// Why this matcher cannot compare, `None` when it can (for readiness reports).
    fn unavailable_reason(&self) -> Option<&str> {
        None
    }
}

/// Loads the dlib models from `models_dir` when built with the `face` feature; otherwise
/// (or when a model file is missing or unreadable) returns a matcher whose every compare
/// answers [`FaceError::Unavailable`] with the reason. Never panics. Takes under a second
/// (0.6-0.9 s measured).
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
    use image::{RgbImage, imageops};

    use super::{Comparison, FaceError, FaceMatcher, Photo, THRESHOLD};

    /// The two model files read from the models folder (`scripts/face-models` fetches them).
    const MODEL_FILES: [&str; 2] = [
        "shape_predictor_5_face_landmarks.dat",
        "dlib_face_recognition_resnet_model_v1.dat",
    ];

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
    /// refused as too small to compare. Measured by shrinking the portraits: the distance
    /// to the full-size face is at most 0.23 from 45 px, 0.27-0.33 at 31 px, then climbs
    /// fast (0.44-0.57 at 22 px) and at 16 px passes the other person's. Thanks to the
    /// upscaling, faces down to about 20 px are found, so the answer is "too small"
    /// rather than "no face".
    const MIN_FACE_SIDE: f64 = 32.0;

    unsafe extern "C" {
        fn openblas_set_num_threads(threads: std::ffi::c_int);
    }

    /// dlib's HOG detector and ResNet are not thread-safe (the crate marks them `!Sync`),
    /// so each worker owns its own copy behind a mutex. One worker per core: comparisons
    /// are already limited to one per core by the caller (`Media::gated`); on 2 cores two
    /// workers give 7 comparisons/s where one shared worker gives 4 (docs/face-comparison.md).
    /// Building the models per call would cost about half a second.
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
            // The crate unwraps a path that is not UTF-8.
            if dir.to_str().is_none() {
                return Err(format!("models folder {} is not UTF-8", dir.display()));
            }
            if let Some(missing) = MODEL_FILES.iter().find(|f| !dir.join(f).is_file()) {
                return Err(format!(
                    "model file {} not found (run scripts/face-models)",
                    dir.join(missing).display()
                ));
            }
            let landmarks = LandmarkPredictor::open(dir.join(MODEL_FILES[0]))?;
            let encoder = FaceEncoderNetwork::open(dir.join(MODEL_FILES[1]))?;
            // Parallelism comes from the workers; OpenBLAS's own threads (one per core by
            // default) on top would oversubscribe the cores: on 2 cores, 5 comparisons/s
            // instead of 7. Process-wide, and nothing else here uses BLAS.
            // SAFETY: a plain setter of OpenBLAS, which this crate links (feature `openblas`).
            unsafe { openblas_set_num_threads(1) };
            // Building the detector takes about half a second, copying it or the network
            // in memory 0.1 ms and 20 ms.
            let detector = FaceDetector::new();
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            let workers = (0..cores)
                .map(|_| {
                    Mutex::new(Worker {
                        detector: detector.clone(),
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
        pub(super) fn embed(
            &self,
            img: &RgbImage,
            photo: Photo,
        ) -> Result<FaceEncoding, FaceError> {
            let (width, height) = img.dimensions();
            if width.min(height) < MIN_PHOTO_SIDE {
                return Err(FaceError::PoorImage(photo));
            }
            let scale = MAX_UPSCALE.min(WORK_SIDE / f64::from(width.max(height)));
            // At least 1 px: a 64 x 100,000 strip would round to nothing.
            let (w, h) = (
                ((f64::from(width) * scale).round() as u32).max(1),
                ((f64::from(height) * scale).round() as u32).max(1),
            );
            let matrix = if scale > 1.0 {
                // dlib's bilinear resize: C++, fast in debug builds too, where the generic
                // `imageops::resize` would run unoptimised (0.3 s more per comparison).
                rgb_matrix(img).resize(w as usize, h as usize)
            } else {
                // Area averaging in integers: no aliasing, no float copy of a large photo.
                rgb_matrix(&imageops::thumbnail(img, w, h))
            };
            let worker = self.worker();
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

    fn rgb_matrix(img: &RgbImage) -> ImageMatrix {
        // SAFETY: an `RgbImage` holds exactly width * height * 3 bytes, row by row, which
        // is what `ImageMatrix::new` reads. (The crate's `from_image` reads the same bytes
        // but wants an image 0.24 buffer.)
        unsafe {
            ImageMatrix::new(
                img.width() as usize,
                img.height() as usize,
                img.as_raw().as_ptr(),
            )
        }
    }

    impl FaceMatcher for Dlib {
        fn compare(&self, chip: &RgbImage, live: &RgbImage) -> Result<Comparison, FaceError> {
            let chip = self.embed(chip, Photo::Chip)?;
            let live = self.embed(live, Photo::Live)?;
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

    use image::imageops::{FilterType, resize};

    use super::*;

    /// `MINZHENG_FACE_MODELS`, else `data/face-models` at the top of the repository
    /// (`scripts/face-models` fills it).
    fn models_dir() -> PathBuf {
        std::env::var_os("MINZHENG_FACE_MODELS").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/face-models"),
            PathBuf::from,
        )
    }

    /// Loaded once for all tests (about a second).
    fn dlib() -> &'static dlib::Dlib {
        static DLIB: std::sync::OnceLock<dlib::Dlib> = std::sync::OnceLock::new();
        DLIB.get_or_init(|| dlib::Dlib::load(&models_dir()).unwrap_or_else(|why| panic!("{why}")))
    }

    fn photo(name: &str) -> RgbImage {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/faces")
            .join(name);
        image::open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .to_rgb8()
    }

    /// The labelled set of tests/fixtures/faces: (person, file).
    fn faces() -> Vec<(&'static str, String)> {
        let variants = ["-chip", "", "-crop", "-dark", "-bright", "-tilt", "-mirror"];
        ["astronaut", "hopper"]
            .into_iter()
            .flat_map(|person| variants.map(|v| (person, format!("{person}{v}.jpg"))))
            .collect()
    }

    /// Each chip photo against every live-like photo of both people.
    #[test]
    fn same_person_accepted_other_refused() {
        let m = dlib();
        let (chips, lives): (Vec<_>, Vec<_>) =
            faces().into_iter().partition(|(_, f)| f.contains("-chip"));
        for (chip_person, chip) in &chips {
            for (live_person, live) in &lives {
                let c = m
                    .compare(&photo(chip), &photo(live))
                    .unwrap_or_else(|e| panic!("{chip} vs {live}: {e}"));
                assert_eq!(
                    c.same_person,
                    chip_person == live_person,
                    "{chip} vs {live}: {c:?}"
                );
            }
        }
    }

    /// Prints every pair's distance (`-- --nocapture`) and checks that THRESHOLD lies
    /// between the largest same-person and the smallest different-person distance.
    #[test]
    fn threshold_separates_the_set() {
        let m = dlib();
        let embedded: Vec<_> = faces()
            .into_iter()
            .map(|(person, file)| {
                let e = m
                    .embed(&photo(&file), Photo::Live)
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
                (person, file, e)
            })
            .collect();
        let (mut same, mut different) = (Vec::new(), Vec::new());
        for (i, (p1, f1, e1)) in embedded.iter().enumerate() {
            for (p2, f2, e2) in &embedded[i + 1..] {
                let pairs = if p1 == p2 { &mut same } else { &mut different };
                pairs.push((e1.distance(e2) as f32, format!("{f1} {f2}")));
            }
        }
        for (label, pairs) in [("same", &mut same), ("different", &mut different)] {
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (d, pair) in pairs.iter() {
                println!("{label} {d:.3} {pair}");
            }
        }
        let (max_same, min_different) = (same.last().unwrap().0, different[0].0);
        println!("same person at most {max_same:.3}, different people at least {min_different:.3}");
        assert!(max_same < THRESHOLD && THRESHOLD < min_different);
    }

    /// A phone-sized live photo takes the scaling-down path.
    #[test]
    fn large_live_photo() {
        let large = image::DynamicImage::ImageRgb8(photo("hopper.jpg")).resize_exact(
            2046,
            2400,
            FilterType::Triangle,
        );
        let c = dlib()
            .compare(&photo("hopper-chip.jpg"), &large.into_rgb8())
            .unwrap();
        assert!(c.same_person, "{c:?}");
    }

    #[test]
    fn no_face() {
        let m = dlib();
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
        assert_eq!(
            dlib().compare(&photo("hopper-chip.jpg"), &photo("two-faces.jpg")),
            Err(FaceError::SeveralFaces(Photo::Live))
        );
    }

    #[test]
    fn poor_image() {
        let m = dlib();
        let chip = photo("hopper-chip.jpg");
        // Smaller than any photo worth reading.
        let tiny = resize(&chip, 48, 60, FilterType::Triangle);
        assert_eq!(
            m.compare(&tiny, &chip),
            Err(FaceError::PoorImage(Photo::Chip))
        );
        // The portrait shrunk to 68 x 80: its face (about 26 px) is found, but too small.
        let far = resize(&photo("hopper.jpg"), 68, 80, FilterType::Triangle);
        assert_eq!(
            m.compare(&chip, &far),
            Err(FaceError::PoorImage(Photo::Live))
        );
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
        assert!(dlib().unavailable_reason().is_none());
    }
}
