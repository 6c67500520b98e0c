//! The in-process comparison on dlib's models (the `face` feature): find the face, encode
//! it, compare the encodings against the threshold.
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
    pub(super) fn embed(&self, img: &RgbImage, photo: Photo) -> Result<FaceEncoding, FaceError> {
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
