//! Media intake: uploads as `wx.uploadFile` sends them, cleaned (no EXIF, upright,
//! re-encoded), thumbnailed, sealed at rest, readable only by their owner; and a corpus of
//! bad files, made here, that all get a clear 4xx.
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use minzheng_tests::Backend;
use minzheng_tests::{TestApp, on_both_backends, spawn_app};
use sea_orm::EntityTrait;
use serde_json::Value;
use sha2::Digest;

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    // A gradient, so that the encoder has something to do.
    let img = RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::new_rgb8(width, height)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// A JPEG carrying an EXIF block with an orientation and a GPS position, as phones write.
fn phone_photo(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend([0, 2]); // IFD0: two entries
    tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1]); // Orientation, SHORT, 1
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0]);
    tiff.extend([0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]); // GPS IFD at 38
    tiff.extend([0, 0, 0, 0]); // no next IFD
    tiff.extend([0, 1]); // GPS IFD: one entry
    tiff.extend([0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]); // GPSLatitudeRef "N"
    tiff.extend([0, 0, 0, 0]);
    tiff.extend(b"GPS-39.9042N-116.4074E");
    with_exif(jpeg(width, height), &tiff)
}

/// A JPEG carrying, as camera photos do, a small JPEG thumbnail in its EXIF block (so an
/// end-of-image marker appears long before the picture's own data).
fn camera_photo(width: u32, height: u32) -> Vec<u8> {
    with_exif(jpeg(width, height), &jpeg(16, 12))
}

/// `plain` with an EXIF block (APP1) holding `content` right after its start marker.
fn with_exif(plain: Vec<u8>, content: &[u8]) -> Vec<u8> {
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(content);
    let mut out = plain[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A tiny PNG whose header claims `side` × `side` pixels.
fn png_claiming(side: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(side.to_be_bytes());
    ihdr.extend(side.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(13u32.to_be_bytes());
    out.extend(&ihdr);
    out.extend(crc32(&ihdr).to_be_bytes());
    let idat = b"IDAT\x78\x9c\x63\x00\x00\x00\x01\x00\x01";
    out.extend(((idat.len() - 4) as u32).to_be_bytes());
    out.extend(idat);
    out.extend(crc32(idat).to_be_bytes());
    out.extend(0u32.to_be_bytes());
    out.extend(b"IEND");
    out.extend(crc32(b"IEND").to_be_bytes());
    out
}

/// A JPEG whose frame header claims `side` × `side` pixels.
fn jpeg_claiming(side: u16) -> Vec<u8> {
    let mut bytes = jpeg(16, 16);
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bytes[sof + 5..sof + 7].copy_from_slice(&side.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&side.to_be_bytes());
    bytes
}

async fn upload(app: &TestApp, token: &str, bytes: Vec<u8>, declared: &str) -> (u16, Value) {
    app.upload(token, bytes, declared, "application_material")
        .await
}

async fn download(app: &TestApp, token: &str, path: &str) -> (u16, String, Vec<u8>) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, res.bytes().await.unwrap().to_vec())
}

async fn a_phone_photo_is_kept_upright_without_its_exif_and_sealed_at_rest(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.citizen("owner").await;
    // Orientation 6: the camera held sideways; the picture must be turned 90°.
    let (status, saved) = upload(&app, &owner.access, phone_photo(64, 48, 6), "image/jpeg").await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(
        (
            saved["content_type"].as_str(),
            saved["width"].as_i64(),
            saved["height"].as_i64()
        ),
        (Some("image/jpeg"), Some(48), Some(64))
    );
    assert_eq!(saved["purpose"], "application_material");
    let (status, content_type, bytes) =
        download(&app, &owner.access, saved["url"].as_str().unwrap()).await;
    assert_eq!((status, content_type.as_str()), (200, "image/jpeg"));
    assert!(
        !bytes.windows(4).any(|w| w == b"Exif"),
        "no EXIF block is kept"
    );
    assert!(
        !bytes.windows(3).any(|w| w == b"GPS"),
        "no GPS position is kept"
    );
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        saved["sha256"].as_str().unwrap(),
        "the hash names what is served"
    );
    let (status, _, thumb) = download(
        &app,
        &owner.access,
        saved["thumbnail_url"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert!(thumb.width() <= 320 && thumb.height() <= 320);

    // At rest, nothing is readable: every stored file is sealed.
    let root = app.config.data_dir.join("media");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path)
            } else {
                files.push(std::fs::read(path).unwrap())
            }
        }
    }
    assert_eq!(files.len(), 2, "the file and its thumbnail");
    for f in files {
        assert!(f.starts_with(b"v1."), "sealed");
        assert!(
            !f.windows(3).any(|w| w == [0xFF, 0xD8, 0xFF]),
            "no JPEG in clear"
        );
    }

    // Only the owner (and district admins) read it.
    let other = app.citizen("other").await;
    assert_eq!(
        download(&app, &other.access, saved["url"].as_str().unwrap())
            .await
            .0,
        404
    );
    assert_eq!(app.get(saved["url"].as_str().unwrap()).await.status(), 401);
    let admin = app.admin().await;
    assert_eq!(
        download(&app, &admin.access, saved["url"].as_str().unwrap())
            .await
            .0,
        200
    );
    let clerk = app
        .staff("c", "clerk", "office", Some("marriage-centre"))
        .await;
    assert_eq!(
        download(&app, &clerk.access, saved["url"].as_str().unwrap())
            .await
            .0,
        404
    );
    assert_eq!(
        download(
            &app,
            &owner.access,
            &format!("/api/v1/media/{}", uuid::Uuid::now_v7())
        )
        .await
        .0,
        404
    );
}

async fn the_content_decides_the_kind_and_pdfs_are_kept_whole(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.citizen("owner").await;
    let (status, saved) = upload(&app, &owner.access, png(30, 20), "image/jpeg").await;
    assert_eq!(
        (status, saved["content_type"].as_str()),
        (201, Some("image/png")),
        "a PNG labelled JPEG is a PNG"
    );
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        .to_vec();
    let (status, saved) = upload(&app, &owner.access, pdf.clone(), "application/pdf").await;
    assert_eq!(
        (status, saved["content_type"].as_str()),
        (201, Some("application/pdf")),
        "{saved}"
    );
    assert!(saved["thumbnail_url"].is_null());
    let (_, _, bytes) = download(&app, &owner.access, saved["url"].as_str().unwrap()).await;
    assert_eq!(bytes, pdf);
    assert_eq!(
        download(
            &app,
            &owner.access,
            &format!("{}/thumbnail", saved["url"].as_str().unwrap())
        )
        .await
        .0,
        404
    );
    let staff = app
        .staff("c", "clerk", "office", Some("marriage-centre"))
        .await;
    assert_eq!(
        upload(&app, &staff.access, jpeg(20, 20), "image/jpeg")
            .await
            .0,
        201,
        "staff upload too (proof photos)"
    );
}

async fn every_bad_file_gets_a_clear_4xx_and_none_crashes(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.citizen("owner").await;
    let whole_jpeg = jpeg(200, 150);
    let camera = camera_photo(200, 150);
    assert_eq!(
        upload(&app, &owner.access, camera.clone(), "image/jpeg")
            .await
            .0,
        201,
        "a whole camera photo"
    );
    let whole_png = png(200, 150);
    let mut corrupt_png = whole_png.clone();
    let middle = corrupt_png.len() / 2;
    corrupt_png[middle] ^= 0xFF;
    let corpus: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("empty", Vec::new(), 422, "media.empty"),
        ("text called a JPEG", b"just some text, honestly".to_vec(), 415, "media.unsupported_type"),
        ("a GIF", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec(), 415, "media.unsupported_type"),
        ("an executable", b"\x7fELF\x02\x01\x01\x00".to_vec(), 415, "media.unsupported_type"),
        ("a truncated JPEG", whole_jpeg[..whole_jpeg.len() / 2].to_vec(), 422, "media.broken"),
        ("a JPEG header only", whole_jpeg[..20].to_vec(), 422, "media.broken"),
        ("a camera photo cut after its EXIF thumbnail", camera[..camera.len() * 2 / 3].to_vec(), 422, "media.broken"),
        ("a truncated PNG", whole_png[..whole_png.len() * 3 / 5].to_vec(), 422, "media.broken"),
        ("a PNG with a flipped byte", corrupt_png, 422, "media.broken"),
        ("a PNG claiming 60000² pixels", png_claiming(60_000), 422, "media.too_many_pixels"),
        ("a JPEG claiming 65000² pixels", jpeg_claiming(65_000), 422, "media.too_many_pixels"),
        ("a PDF cut short", b"%PDF-1.4\n1 0 obj << /Type /Catalog".to_vec(), 422, "media.broken"),
        ("over 5 MB", vec![0xFF; 5 * 1024 * 1024 + 1], 413, "media.too_large"),
    ];
    for (name, bytes, status, code) in corpus {
        let (got, body) = upload(&app, &owner.access, bytes, "image/jpeg").await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some(code)),
            "{name}: {body}"
        );
    }
    // Not a form, no file, a bad purpose.
    let res = app
        .client
        .post(app.url("/api/v1/media"))
        .bearer_auth(&owner.access)
        .json(&serde_json::json!({"file": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let form = reqwest::multipart::Form::new().text("purpose", "document");
    let res = app
        .client
        .post(app.url("/api/v1/media"))
        .bearer_auth(&owner.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "media.file_missing"
    );
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(png(4, 4)))
        .text("purpose", "../../etc");
    let res = app
        .client
        .post(app.url("/api/v1/media"))
        .bearer_auth(&owner.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(
        upload(&app, "not-a-token", png(4, 4), "image/png").await.0,
        401
    );
    let rows = entity::media_object::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        1,
        "nothing refused was kept (only the whole camera photo)"
    );
    assert_eq!(app.get("/readyz").await.status(), 200, "still serving");
}

/// A retried upload with the same `Idempotency-Key` gets the first file back (a new
/// multipart boundary does not make it another request); another file with the same
/// key is refused; nothing is stored twice.
async fn a_retried_upload_is_stored_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.citizen("owner").await;
    let send = |bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("photo.png")
            .mime_str("image/png")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .part("file", part)
            .text("purpose", "application_material");
        app.authed(reqwest::Method::POST, "/api/v1/media", &owner.access)
            .header("idempotency-key", "upload-1")
            .multipart(form)
            .send()
    };
    let first = send(png(30, 20)).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(png(30, 20)).await.unwrap();
    assert_eq!(
        (
            again.status().as_u16(),
            again
                .headers()
                .get("idempotency-replayed")
                .map(|v| v.to_str().unwrap().to_owned())
        ),
        (201, Some("true".into()))
    );
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let other = send(png(31, 20)).await.unwrap();
    assert_eq!(other.status(), 422, "another file under the same key");
    assert_eq!(
        entity::media_object::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn twenty_photos_at_once_are_all_taken(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.citizen("owner").await;
    let photo = jpeg(1200, 900);
    let uploads = (0..20).map(|_| upload(&app, &owner.access, photo.clone(), "image/jpeg"));
    let answers = futures_util::future::join_all(uploads).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
}

on_both_backends!(
    a_phone_photo_is_kept_upright_without_its_exif_and_sealed_at_rest,
    the_content_decides_the_kind_and_pdfs_are_kept_whole,
    every_bad_file_gets_a_clear_4xx_and_none_crashes,
    a_retried_upload_is_stored_once,
    twenty_photos_at_once_are_all_taken
);

/// The hostile corpus (bombs in every compressed PNG chunk, a pixel bomb, truncations,
/// polyglots), twenty uploads in flight: each gets a clear answer, the service keeps
/// serving, and what is stored carries none of the ancillary chunks. The memory bound
/// itself is measured by `intake_memory` and the media bench.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_files_twenty_at_once_get_clear_answers() {
    let app = spawn_app(minzheng_tests::Backend::Sqlite).await;
    let owner = app.citizen("owner").await;
    let corpus = minzheng_tests::hostile::corpus();
    let uploads = corpus.iter().cycle().take(22).map(|(name, bytes)| {
        let (app, token) = (&app, owner.access.clone());
        async move { (*name, upload(app, &token, bytes.clone(), "image/png").await) }
    });
    for (name, (status, body)) in futures_util::future::join_all(uploads).await {
        let expected = if name.starts_with("truncated") {
            (422, Some("media.broken"))
        } else {
            (201, None)
        };
        assert_eq!((status, body["code"].as_str()), expected, "{name}: {body}");
        if name == "iccp-bomb.png" {
            let (_, _, stored) = download(
                &app,
                &owner.access,
                &format!("/api/v1/media/{}", body["id"].as_str().unwrap()),
            )
            .await;
            assert!(
                !stored.windows(4).any(|w| w == b"iCCP"),
                "the colour profile is not kept"
            );
        }
        if name == "pixel-bomb.png" {
            assert_eq!(
                (body["width"].as_u64(), body["height"].as_u64()),
                (Some(4096), Some(4096)),
                "{body}"
            );
        }
    }
    assert_eq!(app.get("/readyz").await.status(), 200, "still serving");
}

/// A 48-megapixel phone photo (8000 × 6000) is scaled down, not refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_48_megapixel_photo_is_scaled_down() {
    let app = spawn_app(minzheng_tests::Backend::Sqlite).await;
    let owner = app.citizen("owner").await;
    let (status, body) = upload(&app, &owner.access, jpeg(8000, 6000), "image/jpeg").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64()),
        (Some(4096), Some(3072)),
        "{body}"
    );
}
