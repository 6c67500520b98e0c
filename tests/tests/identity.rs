//! Real names (sealed at rest, masked in answers), in-person verification, and proxies
//! with consent in the audit trail.
use minzheng_tests::{Backend as Store, id_number, on_both_backends, spawn_app};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

const ZHANG: &str = "11011219800101051";
const LI: &str = "11011219900202062";

/// Every text the database holds, as one string (PostgreSQL: each row as text; SQLite:
/// the database file and its write-ahead log as bytes).
async fn raw_database(app: &minzheng_tests::TestApp) -> String {
    match app.backend {
        Store::Sqlite => {
            let dir = &app.config.data_dir;
            let mut bytes = std::fs::read(dir.join("minzheng.sqlite")).unwrap();
            bytes.extend(std::fs::read(dir.join("minzheng.sqlite-wal")).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Store::Postgres => {
            let tables = app
                .db
                .query_all_raw(Statement::from_string(
                    app.db.get_database_backend(),
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
                ))
                .await
                .unwrap();
            let mut all = String::new();
            for row in tables {
                let table: String = row.try_get("", "tablename").unwrap();
                let sql = format!("SELECT t::text AS row FROM \"{table}\" t");
                for r in app
                    .db
                    .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
                    .await
                    .unwrap()
                {
                    all.push_str(&r.try_get::<String>("", "row").unwrap());
                }
            }
            all
        }
    }
}

on_both_backends! {
    async fn a_real_name_is_bound_sealed_and_shown_masked(backend: Backend) {
        let app = spawn_app(backend).await;
        let id = id_number(ZHANG);
        let citizen = app.citizen_with_real_name("zhang", "张三丰", &id).await;
        let (status, body) = app.get_as(&citizen.access, "/api/v1/identity/real-name").await;
        assert_eq!(status, 200);
        assert_eq!(body["name_masked"], "张**");
        assert_eq!(body["id_number_masked"], format!("110112********{}", &id[14..]));
        assert_eq!(body["sex"], "male");
        assert_eq!(body["status"], "unverified");
        assert!(!body.to_string().contains(&id));

        let raw = raw_database(&app).await;
        assert!(raw.contains("110112********"), "the scan must see the real_name row (its masked number)");
        assert!(!raw.contains(&id), "the ID number is in the database in clear");
        assert!(!raw.contains(&id[..14]), "a long prefix of the ID number is in clear");
        assert!(!raw.contains("张三丰"), "the name is in the database in clear");
    }

    async fn an_id_number_cannot_be_bound_to_two_accounts(backend: Backend) {
        let app = spawn_app(backend).await;
        let id = id_number(ZHANG);
        app.citizen_with_real_name("first", "张三", &id).await;
        let second = app.citizen("second").await;
        let (status, body) = app.post_as(&second.access, "/api/v1/identity/real-name", &json!({"name": "张三", "id_number": id})).await;
        assert_eq!((status, body["code"].as_str()), (409, Some("identity.id_number_taken")));
        let (status, body) = app.post_as(&second.access, "/api/v1/identity/real-name", &json!({"name": "张三", "id_number": "110112198001010510"})).await;
        assert_eq!((status, body["code"].as_str()), (422, Some("identity.id_number_invalid")), "{body}");
    }

    async fn a_clerk_who_saw_the_card_verifies_the_real_name(backend: Backend) {
        let app = spawn_app(backend).await;
        let id = id_number(ZHANG);
        let citizen = app.citizen_with_real_name("zhang", "张三", &id).await;
        let clerk = app.staff("desk.1", "clerk", "office", Some("centre")).await;
        let check = |name: &str| json!({"citizen_id": citizen.id, "name": name, "id_number": id});
        let (status, _) = app.post_as(&clerk.access, "/api/v1/identity/real-names/in-person-checks", &check("李四")).await;
        assert_eq!(status, 404, "a name that does not match");
        let reviewer = app.staff("rev.1", "reviewer", "street", Some("zhongcang")).await;
        let (status, _) = app.post_as(&reviewer.access, "/api/v1/identity/real-names/in-person-checks", &check("张三")).await;
        assert_eq!(status, 403, "only clerks (and admins) check cards");
        let (status, body) = app.post_as(&clerk.access, "/api/v1/identity/real-names/in-person-checks", &check("张三")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "verified");
        assert_eq!(body["verified_by"], "in_person");
        let (status, body) = app.post_as(&citizen.access, "/api/v1/identity/real-name", &json!({"name": "张三", "id_number": id})).await;
        assert_eq!((status, body["code"].as_str()), (409, Some("identity.real_name_verified")));
        let (status, _) = app.post_as(&citizen.access, "/api/v1/identity/real-names/in-person-checks", &check("张三")).await;
        assert_eq!(status, 401, "citizens cannot verify themselves");
    }

    async fn the_card_holder_at_the_desk_wins_over_a_squatter(backend: Backend) {
        let app = spawn_app(backend).await;
        let id = id_number(ZHANG);
        let squatter = app.citizen_with_real_name("squatter", "张三", &id).await;
        let owner = app.citizen("owner").await;
        let (status, _) = app.post_as(&owner.access, "/api/v1/identity/real-name", &json!({"name": "张三", "id_number": id})).await;
        assert_eq!(status, 409, "the number is taken by the squatter's unverified binding");
        let clerk = app.staff("desk.2", "clerk", "office", Some("centre")).await;
        let (status, body) = app.post_as(&clerk.access, "/api/v1/identity/real-names/in-person-checks",
            &json!({"citizen_id": owner.id, "name": "张三", "id_number": id})).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("verified")), "{body}");
        let (status, _) = app.get_as(&squatter.access, "/api/v1/identity/real-name").await;
        assert_eq!(status, 404, "the squatter's binding is gone");
        let (_, mine) = app.get_as(&owner.access, "/api/v1/identity/real-name").await;
        assert_eq!(mine["status"], "verified");
    }

    async fn a_proxy_consent_is_recorded_revocable_and_audited(backend: Backend) {
        let app = spawn_app(backend).await;
        let parent = app.citizen_with_real_name("parent", "张三", &id_number(ZHANG)).await;
        let child = app.verified_citizen("child", "李四", &id_number(LI)).await;
        let grant = json!({"proxy_name": "李四", "proxy_id_number": id_number(LI), "relation": "child", "services": ["dibao", "survival_certification"]});
        let (status, consent) = app.post_as(&parent.access, "/api/v1/identity/proxies", &grant).await;
        assert_eq!(status, 201, "{consent}");
        assert_eq!(consent["proxy_id"], child.id.as_str());
        let (_, listed) = app.get_as(&child.access, "/api/v1/identity/proxies").await;
        assert_eq!(listed["items"][0]["principal_id"], parent.id.as_str(), "the proxy sees it too");

        let wrong_name = json!({"proxy_name": "王五", "proxy_id_number": id_number(LI), "relation": "child", "services": ["dibao"]});
        let (status, body) = app.post_as(&parent.access, "/api/v1/identity/proxies", &wrong_name).await;
        assert_eq!((status, body["code"].as_str()), (422, Some("identity.proxy_invalid")));
        let stranger = app.citizen("stranger").await;
        let (status, body) = app.post_as(&stranger.access, "/api/v1/identity/proxies", &grant).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("identity.real_name_required")));

        let id = consent["id"].as_str().unwrap();
        let (status, _) = app.post_as(&stranger.access, &format!("/api/v1/identity/proxies/{id}/revoke"), &json!({})).await;
        assert_eq!(status, 404, "someone else's consent is not found");
        let (status, revoked) = app.post_as(&parent.access, &format!("/api/v1/identity/proxies/{id}/revoke"), &json!({})).await;
        assert_eq!(status, 200);
        assert!(revoked["revoked_at"].is_string());

        let admin = app.admin().await;
        let (status, trail) = app.get_as(&admin.access, &format!("/api/v1/audit-events?target_kind=citizen_account&target_id={}", parent.id)).await;
        assert_eq!(status, 200, "{trail}");
        let actions: Vec<&str> = trail["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        for expected in ["identity.real_name.bind", "identity.proxy.grant", "identity.proxy.revoke"] {
            assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
        }
        assert!(!trail.to_string().contains(&id_number(LI)), "the trail shows ID numbers masked only");
    }
}
