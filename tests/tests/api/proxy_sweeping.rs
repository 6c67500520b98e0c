//! Proxy sweeping (代祭扫): the family orders, staff accept and attach photo proof (through
//! the media intake: no EXIF or GPS left, hash and server time kept), the family views it
//! and confirms or disputes; cancellation, overdue flags, scope, bad files.
use chrono::Duration;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use minzheng_tests::Backend;
use minzheng_tests::{TestApp, id_number, on_both_backends, spawn_app};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::Digest;

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + Duration::hours(8)).date_naive()
}

/// A JPEG with an EXIF block carrying a GPS position, as phones write.
fn phone_photo() -> Vec<u8> {
    let img = RgbImage::from_fn(64, 48, |x, y| Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let mut plain = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut plain, ImageFormat::Jpeg)
        .unwrap();
    let plain = plain.into_inner();
    let mut app1 = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    app1.extend([0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    app1.extend(b"GPS-39.9042N-116.4074E");
    let mut out = plain[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

async fn upload(app: &TestApp, token: &str, bytes: Vec<u8>) -> (u16, Value) {
    app.upload(token, bytes, "image/jpeg", "sweep_proof").await
}

/// Where the media intake keeps an upload's sealed bytes and its thumbnail's.
async fn stored_files(app: &TestApp, media_id: &Value) -> (std::path::PathBuf, std::path::PathBuf) {
    let id = uuid::Uuid::parse_str(media_id.as_str().unwrap()).unwrap();
    let row = entity::media_object::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let root = app.config.data_dir.join("media");
    (
        root.join(row.storage_key),
        root.join(row.thumbnail_key.unwrap()),
    )
}

async fn download(app: &TestApp, token: &str, path: &str) -> (u16, Vec<u8>) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

fn order(date: chrono::NaiveDate) -> Value {
    json!({"cemetery_id": "luhe-cemetery", "grave": {"section": "A", "row": "3", "number": "12"}, "sweep_date": date, "cleaning": true, "flowers": true, "message": "爸，家里一切都好，勿念。"})
}

async fn staff_sweep_and_the_family_sees_the_proof(backend: Backend) {
    let app = spawn_app(backend).await;
    let family = app
        .verified_citizen("family", "王芳", &id_number("11011219800101001"))
        .await;
    let clerk = app
        .staff("luhe.sweeper", "clerk", "cemetery", Some("luhe-cemetery"))
        .await;
    let other = app
        .staff(
            "songzhuang.sweeper",
            "clerk",
            "cemetery",
            Some("songzhuang-burial"),
        )
        .await;
    let (status, placed) = app
        .post_as(
            &family.access,
            "/api/v1/proxy-sweeps",
            &order(today() + Duration::days(5)),
        )
        .await;
    assert_eq!(status, 201, "{placed}");
    assert_eq!(
        (placed["status"].as_str(), placed["grave"].as_str()),
        (Some("ordered"), Some("A区 3排 12号"))
    );
    let id = placed["id"].as_str().unwrap().to_owned();
    let sealed = entity::sweep_order::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !sealed.message_sealed.unwrap().contains("勿念"),
        "the family's message is sealed at rest"
    );

    let (status, queue) = app
        .get_as(
            &clerk.access,
            "/api/v1/desk/proxy-sweeps?cemetery_id=luhe-cemetery",
        )
        .await;
    assert_eq!(
        (status, queue["items"][0]["message"].as_str()),
        (200, Some("爸，家里一切都好，勿念。")),
        "staff read the message at the grave"
    );
    assert_eq!(
        app.get_as(
            &other.access,
            "/api/v1/desk/proxy-sweeps?cemetery_id=luhe-cemetery"
        )
        .await
        .0,
        403
    );
    assert_eq!(
        app.post_as(
            &other.access,
            &format!("/api/v1/desk/proxy-sweeps/{id}/accept"),
            &json!({})
        )
        .await
        .0,
        404
    );
    let reviewer = app
        .staff("district.reviewer", "reviewer", "district", None)
        .await;
    assert_eq!(
        app.get_as(
            &reviewer.access,
            "/api/v1/desk/proxy-sweeps?cemetery_id=luhe-cemetery"
        )
        .await
        .0,
        403
    );
    assert_eq!(
        app.post_as(
            &reviewer.access,
            &format!("/api/v1/desk/proxy-sweeps/{id}/accept"),
            &json!({})
        )
        .await
        .0,
        404
    );
    let (status, photo) = upload(&app, &clerk.access, phone_photo()).await;
    assert_eq!(status, 201, "{photo}");
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/proxy-sweeps/{id}/proofs"),
            &json!({"media_ids": [photo["id"]]}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("sweeping.wrong_state")),
        "accept first"
    );
    let (status, accepted) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/proxy-sweeps/{id}/accept"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, accepted["status"].as_str()),
        (200, Some("accepted"))
    );
    let (status, body) = app
        .post_as(
            &family.access,
            &format!("/api/v1/proxy-sweeps/{id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("sweeping.wrong_state")),
        "no cancelling once accepted"
    );

    // Not a photo of the clerk's: refused.
    let (_, theirs) = upload(&app, &other.access, phone_photo()).await;
    let (status, body) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/proxy-sweeps/{id}/proofs"),
            &json!({"media_ids": [theirs["id"]]}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("sweeping.proof_not_a_photo"))
    );
    assert_eq!(
        app.post_as(
            &clerk.access,
            &format!("/api/v1/desk/proxy-sweeps/{id}/proofs"),
            &json!({"media_ids": []})
        )
        .await
        .0,
        422
    );
    let (status, done) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/proxy-sweeps/{id}/proofs"),
            &json!({"media_ids": [photo["id"]]}),
        )
        .await;
    assert_eq!(
        (status, done["status"].as_str()),
        (200, Some("done")),
        "{done}"
    );
    let proof = done["proofs"][0].clone();
    assert_eq!(proof["sha256"], photo["sha256"]);
    assert!(
        proof["attached_at"].as_str().unwrap().ends_with("+08:00"),
        "server time"
    );

    let (status, bytes) = download(&app, &family.access, proof["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        proof["sha256"].as_str().unwrap(),
        "the bytes are the ones hashed at attaching"
    );
    assert!(
        !bytes.windows(12).any(|w| w == b"GPS-39.9042N"),
        "no GPS left"
    );
    let (status, thumb) = download(
        &app,
        &family.access,
        proof["thumbnail_url"].as_str().unwrap(),
    )
    .await;
    assert_eq!((status, thumb.is_empty()), (200, false));
    let stranger = app
        .verified_citizen("stranger", "赵强", &id_number("11011219850101002"))
        .await;
    assert_eq!(
        download(&app, &stranger.access, proof["url"].as_str().unwrap())
            .await
            .0,
        404
    );
    assert_eq!(
        download(&app, &other.access, proof["url"].as_str().unwrap())
            .await
            .0,
        404
    );
    assert_eq!(
        download(&app, &clerk.access, proof["url"].as_str().unwrap())
            .await
            .0,
        200
    );
    // Someone with access to the storage swaps the proof for another sealed picture
    // (here its own thumbnail: sealed with the same key, a valid JPEG).
    let (proof_file, thumbnail_file) = stored_files(&app, &photo["id"]).await;
    let original = std::fs::read(&proof_file).unwrap();
    std::fs::copy(thumbnail_file, &proof_file).unwrap();
    let (status, body) = download(&app, &family.access, proof["url"].as_str().unwrap()).await;
    assert_eq!(
        (
            status,
            serde_json::from_slice::<Value>(&body).unwrap()["code"].as_str()
        ),
        (409, Some("sweeping.proof_altered"))
    );
    std::fs::write(&proof_file, original).unwrap();
    assert_eq!(
        download(&app, &family.access, proof["url"].as_str().unwrap())
            .await
            .0,
        200
    );
    // The photo serves one order only.
    let (_, second) = app
        .post_as(
            &family.access,
            "/api/v1/proxy-sweeps",
            &order(today() + Duration::days(6)),
        )
        .await;
    let second_id = second["id"].as_str().unwrap();
    app.post_as(
        &clerk.access,
        &format!("/api/v1/desk/proxy-sweeps/{second_id}/accept"),
        &json!({}),
    )
    .await;
    let (status, _) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/proxy-sweeps/{second_id}/proofs"),
            &json!({"media_ids": [photo["id"]]}),
        )
        .await;
    assert_eq!(status, 422);

    let (status, body) = app
        .post_as(
            &family.access,
            &format!("/api/v1/proxy-sweeps/{id}/dispute"),
            &json!({"reason": " "}),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("reason"))
    );
    let (status, disputed) = app
        .post_as(
            &family.access,
            &format!("/api/v1/proxy-sweeps/{id}/dispute"),
            &json!({"reason": "照片中的墓碑不是我家的"}),
        )
        .await;
    assert_eq!(
        (
            status,
            disputed["status"].as_str(),
            disputed["dispute_reason"].as_str()
        ),
        (200, Some("disputed"), Some("照片中的墓碑不是我家的"))
    );
    let (_, more) = upload(&app, &clerk.access, phone_photo()).await;
    let (status, again) = app
        .post_as(
            &clerk.access,
            &format!("/api/v1/desk/proxy-sweeps/{id}/proofs"),
            &json!({"media_ids": [more["id"]]}),
        )
        .await;
    assert_eq!(
        (status, again["proofs"].as_array().unwrap().len()),
        (200, 2),
        "more proof after a dispute; the first stays"
    );
    let (status, confirmed) = app
        .post_as(
            &family.access,
            &format!("/api/v1/proxy-sweeps/{id}/confirm"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, confirmed["status"].as_str()),
        (200, Some("confirmed"))
    );
    assert_eq!(
        app.post_as(
            &family.access,
            &format!("/api/v1/proxy-sweeps/{id}/confirm"),
            &json!({})
        )
        .await
        .0,
        409
    );
    let notices = entity::outbox_message::Entity::find()
        .filter(entity::outbox_message::Column::Template.eq("proxy_sweep"))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        notices.len() >= 3,
        "accepted, done, done again: {}",
        notices.len()
    );
}

async fn cancelling_overdue_flags_and_bad_orders(backend: Backend) {
    let app = spawn_app(backend).await;
    let family = app
        .verified_citizen("family", "王芳", &id_number("11011219800101001"))
        .await;
    let clerk = app
        .staff("luhe.sweeper", "clerk", "cemetery", Some("luhe-cemetery"))
        .await;
    let (_, a) = app
        .post_as(
            &family.access,
            "/api/v1/proxy-sweeps",
            &order(today() + Duration::days(2)),
        )
        .await;
    let a = a["id"].as_str().unwrap().to_owned();
    let (status, cancelled) = app
        .post_as(
            &family.access,
            &format!("/api/v1/proxy-sweeps/{a}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    assert_eq!(
        app.post_as(
            &clerk.access,
            &format!("/api/v1/desk/proxy-sweeps/{a}/accept"),
            &json!({})
        )
        .await
        .1["code"],
        "sweeping.wrong_state"
    );

    let (_, b) = app
        .post_as(
            &family.access,
            "/api/v1/proxy-sweeps",
            &order(today() + Duration::days(2)),
        )
        .await;
    let b = b["id"].as_str().unwrap().to_owned();
    app.post_as(
        &clerk.access,
        &format!("/api/v1/desk/proxy-sweeps/{b}/accept"),
        &json!({}),
    )
    .await;
    let (_, none) = app
        .get_as(
            &clerk.access,
            "/api/v1/desk/proxy-sweeps?cemetery_id=luhe-cemetery&overdue=true",
        )
        .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    // Its date passes without proof.
    entity::sweep_order::Entity::update_many()
        .col_expr(
            entity::sweep_order::Column::SweepDate,
            Expr::value(today() - Duration::days(1)),
        )
        .filter(entity::sweep_order::Column::Id.eq(uuid::Uuid::parse_str(&b).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    let (_, flagged) = app
        .get_as(
            &clerk.access,
            "/api/v1/desk/proxy-sweeps?cemetery_id=luhe-cemetery&overdue=true",
        )
        .await;
    assert_eq!(
        (
            flagged["items"].as_array().unwrap().len(),
            flagged["items"][0]["overdue"].as_bool()
        ),
        (1, Some(true))
    );
    assert_eq!(flagged["items"][0]["id"], b.as_str());
    let (_, mine) = app
        .get_as(&family.access, &format!("/api/v1/proxy-sweeps/{b}"))
        .await;
    assert_eq!(mine["overdue"], true);

    let post = |body: Value| {
        let app = &app;
        let token = family.access.clone();
        async move { app.post_as(&token, "/api/v1/proxy-sweeps", &body).await }
    };
    let (status, body) = post(order(today())).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("sweep_date")),
        "not for today"
    );
    let mut nothing = order(today() + Duration::days(3));
    nothing["cleaning"] = json!(false);
    nothing["flowers"] = json!(false);
    nothing["message"] = Value::Null;
    assert_eq!(post(nothing).await.0, 422);
    let mut long = order(today() + Duration::days(3));
    long["message"] = json!("念".repeat(301));
    assert_eq!(post(long).await.1["errors"][0]["field"], "message");
    let mut nowhere = order(today() + Duration::days(3));
    nowhere["cemetery_id"] = json!("marriage-centre");
    assert_eq!(post(nowhere).await.1["code"], "tomb.not_a_cemetery");
    let unverified = app
        .citizen_with_real_name("unverified", "钱多", &id_number("11011219850101002"))
        .await;
    assert_eq!(
        app.post_as(
            &unverified.access,
            "/api/v1/proxy-sweeps",
            &order(today() + Duration::days(3))
        )
        .await
        .1["code"],
        "identity.real_name_unverified"
    );
    let stranger = app
        .verified_citizen("stranger", "赵强", &id_number("11011219860101003"))
        .await;
    assert_eq!(
        app.get_as(&stranger.access, &format!("/api/v1/proxy-sweeps/{b}"))
            .await
            .0,
        404
    );

    // Broken photos never become proof: the intake refuses them first.
    let truncated = phone_photo()[..300].to_vec();
    for bad in [Vec::new(), b"not an image at all".to_vec(), truncated] {
        let (status, body) = upload(&app, &clerk.access, bad).await;
        assert!((400..500).contains(&status), "{status} {body}");
    }
}

on_both_backends!(
    staff_sweep_and_the_family_sees_the_proof,
    cancelling_overdue_flags_and_bad_orders
);
