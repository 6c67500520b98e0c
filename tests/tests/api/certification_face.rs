//! Desk and home-visit comparisons: the photo read from the ID card's chip against a live
//! photo, compared in-process (the `face` feature, dlib, models fetched by
//! `scripts/face-models` into `data/face-models`). The labelled test faces are in
//! `tests/fixtures/faces` (see its README). Without the feature the route answers 503.
use minzheng_tests::Backend;
use minzheng_tests::{TestApp, id_number, on_both_backends, spawn_app_with};
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/faces/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn app_with_models(backend: minzheng_tests::Backend) -> TestApp {
    let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/face-models");
    spawn_app_with(backend, |c| c.face_models_dir = Some(models)).await
}

/// A transferee of `yongshun` with consent recorded at the desk, and the clerk.
async fn at_the_desk(app: &TestApp, first17: &str) -> (String, String) {
    let admin = app.admin().await;
    let (status, body) = app
        .post_as(&admin.access, "/api/v1/certification/transferees", &json!({"name": "马玉珍", "id_number": id_number(first17), "street_id": "yongshun", "village": "前北营村"}))
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let clerk = app
        .staff("yongshun.desk", "clerk", "street", Some("yongshun"))
        .await;
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/certification/transferees/{id}/face-consent"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (id, clerk.access)
}

async fn compare(
    app: &TestApp,
    token: &str,
    id: &str,
    chip: Vec<u8>,
    live: Vec<u8>,
) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .part(
            "chip_photo",
            reqwest::multipart::Part::bytes(chip)
                .file_name("chip.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        )
        .part(
            "live_photo",
            reqwest::multipart::Part::bytes(live)
                .file_name("live.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        )
        .text("mode", "desk");
    let res = app
        .authed(
            reqwest::Method::POST,
            &format!("/api/v1/desk/certification/transferees/{id}/face-comparisons"),
            token,
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[cfg(feature = "face")]
async fn the_same_person_is_accepted_and_others_are_refused(backend: Backend) {
    let app = app_with_models(backend).await;
    let (id, clerk) = at_the_desk(&app, "11011219500101021").await;
    let (status, body) = compare(
        &app,
        &clerk,
        &id,
        fixture("hopper-chip.jpg"),
        fixture("astronaut.jpg"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("certification.face_not_matched")),
        "{body}"
    );
    let (status, body) = compare(
        &app,
        &clerk,
        &id,
        fixture("hopper-chip.jpg"),
        fixture("no-face-cat.jpg"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("certification.no_face")),
        "{body}"
    );
    let (status, body) = compare(
        &app,
        &clerk,
        &id,
        fixture("hopper-chip.jpg"),
        fixture("two-faces.jpg"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("certification.several_faces")),
        "{body}"
    );
    let (status, body) = compare(
        &app,
        &clerk,
        &id,
        fixture("hopper-chip.jpg"),
        b"not a photo".to_vec(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (415, Some("media.unsupported_type")),
        "{body}"
    );
    let (status, body) = compare(
        &app,
        &clerk,
        &id,
        fixture("hopper-chip.jpg"),
        fixture("hopper-tilt.jpg"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["certification"]["via"], "desk");
    assert!(
        body["distance"].as_f64().unwrap() < body["threshold"].as_f64().unwrap(),
        "{body}"
    );
    // Another street's clerk may not compare.
    let far = app
        .staff("lucheng.desk", "clerk", "street", Some("lucheng"))
        .await;
    let (status, _) = compare(
        &app,
        &far.access,
        &id,
        fixture("hopper-chip.jpg"),
        fixture("hopper.jpg"),
    )
    .await;
    assert_eq!(status, 403);
    // Only results are kept: one failed, one passed (no-face and several-faces are
    // recorded as not passed too), with the distance; never an image.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let attempts = entity::face_attempt::Entity::find()
        .filter(entity::face_attempt::Column::TransfereeId.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .all(&app.db)
        .await
        .unwrap();
    let codes: Vec<_> = attempts
        .iter()
        .map(|a| a.result_code.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(codes, vec!["no_match", "no_face", "several_faces", "match"]);
    no_face_image_anywhere(
        &app,
        &[
            fixture("hopper-chip.jpg"),
            fixture("hopper-tilt.jpg"),
            fixture("astronaut.jpg"),
        ],
    )
    .await;
}

#[cfg(feature = "face")]
on_both_backends!(the_same_person_is_accepted_and_others_are_refused);

/// Reads the raw database (every row of every table as text, and SQLite's files as
/// bytes) and every file in the data folder: no photo sent for comparison, nor any
/// JPEG or PNG at all, is there.
#[cfg(feature = "face")]
async fn no_face_image_anywhere(app: &TestApp, photos: &[Vec<u8>]) {
    use sea_orm::{ConnectionTrait, Statement};
    let marks: Vec<Vec<u8>> = vec![
        b"\xFF\xD8\xFF".to_vec(),
        b"\x89PNG\r\n".to_vec(),
        b"/9j/".to_vec(),
        b"iVBORw0KGgo".to_vec(),
    ];
    // A slice from the middle of each photo, raw and in hex.
    let mut needles: Vec<Vec<u8>> = Vec::new();
    for p in photos {
        let middle = &p[p.len() / 2..p.len() / 2 + 48];
        needles.push(middle.to_vec());
        needles.push(hex::encode(middle).into_bytes());
    }
    let found = |bytes: &[u8], what: &str| {
        for needle in needles.iter() {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "a photo's bytes are in {what}"
            );
        }
    };
    // Files: the data folder holds no image (SQLite's files are checked for the photo bytes).
    let mut stack = vec![app.config.data_dir.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            found(&bytes, &path.display().to_string());
            if !path.to_string_lossy().contains("minzheng.sqlite") {
                for mark in &marks {
                    assert!(
                        !bytes.starts_with(mark),
                        "an image file in the data folder: {}",
                        path.display()
                    );
                }
            }
        }
    }
    // PostgreSQL: every row of every table, as text (SQLite's rows are in its files,
    // searched above).
    if app.backend == minzheng_tests::Backend::Postgres {
        let backend = app.db.get_database_backend();
        let sql = "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()";
        let tables = app
            .db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap();
        assert!(tables.len() > 20, "the tables are listed");
        for table in tables {
            let name: String = table.try_get("", "name").unwrap();
            let sql = format!("SELECT t::text AS row FROM \"{name}\" t");
            for row in app
                .db
                .query_all_raw(Statement::from_string(backend, sql))
                .await
                .unwrap()
            {
                let text: String = row.try_get("", "row").unwrap();
                found(text.as_bytes(), &format!("table {name}"));
                for mark in ["/9j/", "iVBORw0KGgo", "\\xffd8ff"] {
                    assert!(
                        !text.contains(mark),
                        "something like an image in table {name}"
                    );
                }
            }
        }
    }
}

#[cfg(not(feature = "face"))]
async fn without_the_face_feature_the_desk_comparison_is_unavailable(backend: Backend) {
    let app = app_with_models(backend).await;
    let (id, clerk) = at_the_desk(&app, "11011219500101021").await;
    let (status, body) = compare(
        &app,
        &clerk,
        &id,
        fixture("hopper-chip.jpg"),
        fixture("hopper.jpg"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("certification.face_comparison_unavailable")),
        "{body}"
    );
}

#[cfg(not(feature = "face"))]
on_both_backends!(without_the_face_feature_the_desk_comparison_is_unavailable);
