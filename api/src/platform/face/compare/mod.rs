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
mod dlib;

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
