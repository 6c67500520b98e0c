//! Configuration: defaults, then `minzheng.toml`, then `MINZHENG_*` environment
//! variables (and `DATABASE_URL`), then command-line flags. A wrong value stops start-up
//! with a message naming the setting. Secrets are not configuration: they come only from
//! the environment (see [`Secrets`]).
mod load;
mod secrets;
mod settings;

pub use crate::notices::SmsTemplate;
pub use load::{ConfigError, OPTIONAL_SECRET_VARS, Overrides, SECRET_VARS};
pub use secrets::{DEV_SECRETS_FILE, Secrets};
pub use settings::{Config, LogFormat, Mode, SMS_PLACEHOLDER_ID};

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail's closures answer figment's own large error"
)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    #[test]
    fn layers_apply_in_order_defaults_file_environment_flags() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "minzheng.toml",
                "bind = \"127.0.0.1:9000\"\nworkers = 3\nlog_format = \"json\"\n",
            )?;
            jail.set_env("MINZHENG_WORKERS", "5");
            jail.set_env("DATABASE_URL", "postgres://u@localhost/db");
            let flags = Overrides {
                data_dir: Some("/srv/data".into()),
                bind: None,
            };
            let config = Config::load(None, &flags).map_err(|e| e.to_string())?;
            assert_eq!(config.bind, "127.0.0.1:9000".parse().unwrap());
            assert_eq!(config.workers, 5, "the environment wins over the file");
            assert_eq!(config.log_format, LogFormat::Json);
            assert_eq!(
                config.data_dir,
                PathBuf::from("/srv/data"),
                "flags win over everything"
            );
            assert_eq!(
                config.database_url.as_deref(),
                Some("postgres://u@localhost/db")
            );
            assert_eq!(
                config.request_timeout_secs, 30,
                "untouched settings keep their default"
            );
            Ok(())
        });
    }

    #[test]
    fn wrong_values_name_the_setting() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MINZHENG_DB_MAX_CONNECTIONS", "many");
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("db_max_connections") && err.contains("MINZHENG_DB_MAX_CONNECTIONS"),
                "{err}"
            );
            jail.set_env("MINZHENG_DB_MAX_CONNECTIONS", "0");
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("db_max_connections must be greater than 0"),
                "{err}"
            );
            jail.set_env("MINZHENG_DB_MAX_CONNECTIONS", "4");
            jail.set_env("DATABASE_URL", "mysql://x");
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("database_url"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_are_a_list_of_addresses_or_networks() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MINZHENG_TRUSTED_PROXIES", r#"["10.0.0.0/8", "192.0.2.7"]"#);
            let config = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(config.trusted_proxies, vec!["10.0.0.0/8", "192.0.2.7"]);
            jail.set_env("MINZHENG_TRUSTED_PROXIES", r#"["proxy.local"]"#);
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("trusted_proxies"), "{err}");
            Ok(())
        });
    }

    #[test]
    #[expect(clippy::too_many_lines, reason = "every default and bound in one test")]
    fn certification_and_faceid_settings_have_defaults_and_bounds() {
        figment::Jail::expect_with(|jail| {
            let config = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(config.certification_cycle_months, 12);
            assert_eq!(config.certification_notice_days, 30);
            assert_eq!(config.face_attempts_per_day, 5);
            assert_eq!(config.face_failures_before_review, 3);
            assert_eq!(config.faceid_endpoint, "https://faceid.tencentcloudapi.com");
            assert_eq!(config.faceid_region, "ap-beijing");
            assert_eq!(
                config.face_models_path(),
                config.data_dir.join("face-models")
            );
            jail.create_file(
                "minzheng.toml",
                "face_models_dir = \"/srv/models\"\nfaceid_region = \"ap-shanghai\"\n",
            )?;
            jail.set_env("MINZHENG_CERTIFICATION_CYCLE_MONTHS", "6");
            let config = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(config.certification_cycle_months, 6);
            assert_eq!(config.faceid_region, "ap-shanghai");
            assert_eq!(config.face_models_path(), PathBuf::from("/srv/models"));
            // Each: the variable, a wrong value, the message naming it, a valid value.
            let wrong = [
                (
                    "MINZHENG_CERTIFICATION_CYCLE_MONTHS",
                    "25",
                    "certification_cycle_months must be between 1 and 24",
                    "12",
                ),
                (
                    "MINZHENG_CERTIFICATION_NOTICE_DAYS",
                    "91",
                    "certification_notice_days must be between 0 and 90",
                    "30",
                ),
                (
                    "MINZHENG_FACE_ATTEMPTS_PER_DAY",
                    "0",
                    "face_attempts_per_day must be greater than 0",
                    "5",
                ),
                (
                    "MINZHENG_FACE_FAILURES_BEFORE_REVIEW",
                    "0",
                    "face_failures_before_review must be greater than 0",
                    "3",
                ),
                (
                    "MINZHENG_FACEID_ENDPOINT",
                    "faceid.local",
                    "faceid_endpoint must be an https://",
                    "https://faceid.example",
                ),
            ];
            for (var, value, message, valid) in wrong {
                jail.set_env(var, value);
                let err = Config::load(None, &Overrides::default())
                    .unwrap_err()
                    .to_string();
                assert!(err.contains(message), "{err}");
                jail.set_env(var, valid);
            }
            Ok(())
        });
    }

    #[test]
    fn faceid_secrets_are_refused_in_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("minzheng.toml", "faceid_secret_key = \"abc\"\n")?;
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("MINZHENG_FACEID_SECRET_KEY"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn unknown_settings_in_the_file_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("minzheng.toml", "bnid = \"127.0.0.1:9000\"\n")?;
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("bnid"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_named_file_must_exist() {
        let err = Config::load(
            Some(Path::new("/no/such/minzheng.toml")),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("/no/such/minzheng.toml"));
    }

    #[test]
    fn dev_keys_are_generated_once_and_reused() {
        figment::Jail::expect_with(|jail| {
            let config = Config {
                data_dir: jail.directory().join("data"),
                ..Config::default()
            };
            let first = Secrets::load(&config).map_err(|e| e.to_string())?;
            let second = Secrets::load(&config).map_err(|e| e.to_string())?;
            assert_eq!(first.sealing_key, second.sealing_key);
            assert_ne!(first.sealing_key, first.token_key);
            assert!(config.data_dir.join(DEV_SECRETS_FILE).exists());
            Ok(())
        });
    }
}
