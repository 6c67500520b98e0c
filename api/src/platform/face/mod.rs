//! Face verification, one module for every purpose that needs it (verifying a real name,
//! certifying a transferee's survival): the two remote providers started and read by the
//! server, and the in-process 1:1 comparison used at desks ([`compare`]).
//!
//! - WeChat face verification v2 (mini-program): `getverifyid` with the name and ID
//!   number, the client's `wx.requestFacialVerify`, then `queryverifyinfo` with
//!   `cert_hash` (`platform::wechat`).
//! - Tencent Cloud FaceID (apps): `GetFaceIdToken`, the app's SDK, `GetFaceIdResult`
//!   ([`faceid`]).
//!
//! The rooms keep their own records, consent and attempt limits; this module only talks
//! to the providers and says what a check came to, in the same stable codes for both.
//! No image passes through it: the providers hold the photos, the server reads results.
pub mod compare;
pub mod dto;
pub mod faceid;

use faceid::FaceProviderError;

use crate::error::{ApiError, Code};
use crate::platform::wechat;

crate::closed_set! {
    /// Which provider runs a remote face check (人脸核验渠道).
    pub enum Provider {
        /// 微信人脸核身（小程序）
        Wechat => "wechat",
        /// 腾讯云人脸核身（App）
        FaceId => "faceid",
    }
}

impl Provider {
    /// The provider of a stored check; an unknown value is an error, never a guess.
    pub fn stored(value: &str) -> Result<Provider, ApiError> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == value)
            .ok_or_else(|| ApiError::internal(format!("unknown face provider {value:?}")))
    }
}

/// A check started earlier, as its room stored it: the provider's name, its session
/// and our sequence number, and the openid that runs it (WeChat).
pub struct StartedCheck<'a> {
    pub provider: &'a str,
    pub session_id: &'a str,
    pub sequence_no: &'a str,
    pub openid: Option<&'a str>,
}

/// How the service reaches the providers (built by `Context::face_providers`). An
/// unconfigured provider answers `certification.provider_unavailable`.
pub struct Providers<'a> {
    pub http: &'a reqwest::Client,
    /// The mini-program's app id and secret, when configured.
    pub wechat: Option<(&'a str, &'a str)>,
    pub wechat_base: &'a str,
    pub wechat_token: &'a wechat::AccessTokenCache,
    /// FaceID's secret id and key, when configured.
    pub faceid: Option<(&'a str, &'a str)>,
    pub faceid_endpoint: &'a str,
    pub faceid_region: &'a str,
}

/// Whose face a check is for: the name and ID number it is compared against, and for
/// WeChat the openid of the account that runs the check in the mini-program.
pub struct Subject<'a> {
    pub name: &'a str,
    pub id_number: &'a str,
    pub openid: Option<&'a str>,
}

/// A started check: the provider's session (WeChat's `verify_id`, FaceID's
/// `FaceIdToken`, which the client runs), our sequence number and how long it lives.
pub struct Session {
    pub session_id: String,
    pub sequence_no: String,
    pub expires_in: u64,
}

/// What a face check came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// Not passed; `counts` says whether it is a failed face (towards manual review)
    /// rather than a cancel, a timeout or a provider fault.
    Failed {
        code: Code,
        counts: bool,
    },
}

/// What a provider says about a started check, mapped to our outcome and record.
pub struct Verdict {
    pub outcome: Outcome,
    /// The provider's own result (`verify_ret`, FaceID's `Result`) for the record.
    pub result_code: String,
    /// FaceID's similarity (0-100).
    pub score: Option<f64>,
}

impl Verdict {
    /// A check that did not pass for a reason of ours (consent withdrawn, expired), not
    /// the face's: it does not count towards a manual review.
    pub fn refused(code: Code, result_code: &str) -> Verdict {
        Verdict {
            outcome: Outcome::Failed {
                code,
                counts: false,
            },
            result_code: result_code.into(),
            score: None,
        }
    }
}

/// WeChat's `verify_ret` (RULES.md): only 10000 passes.
pub fn wechat_outcome(verify_ret: i64) -> Outcome {
    let failed = |code, counts| Outcome::Failed { code, counts };
    match verify_ret {
        10000 => Outcome::Passed,
        90002..=90006 => failed(Code::FaceCancelled, false),
        90017 => failed(Code::FaceTimedOut, false),
        90199 => failed(Code::FaceProviderError, false),
        _ => failed(Code::FaceNotMatched, true),
    }
}

/// Our sequence number for a provider: 32 characters of [0-9a-f] (WeChat allows 5 to 32).
fn sequence_no() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Tencent Cloud's faults of its own (credentials, limits, internal errors) say nothing
/// about the check: the service is unavailable, and the attempt stays open to retry.
fn faceid_fault(code: &str) -> bool {
    code.starts_with("AuthFailure")
        || code.starts_with("InternalError")
        || code.starts_with("RequestLimitExceeded")
        || code == "LimitExceeded"
}

/// A provider that gave no answer, in stable codes (the detail is logged, not shown).
pub fn provider_error(e: FaceProviderError) -> ApiError {
    match e {
        FaceProviderError::Unavailable(why) => {
            ApiError::new(Code::FaceProviderUnavailable).with_source(why)
        }
        FaceProviderError::Rejected { code, message } if faceid_fault(&code) => {
            ApiError::new(Code::FaceProviderUnavailable).with_source(format!("{code}: {message}"))
        }
        FaceProviderError::Rejected { code, message } => {
            ApiError::new(Code::FaceProviderRejected).with_source(format!("{code}: {message}"))
        }
    }
}

impl Providers<'_> {
    /// Runs a WeChat call with the shared access token (fetched afresh once if WeChat
    /// refuses it: another instance may have refreshed it).
    async fn with_wechat<T, F, Fut>(&self, call: F) -> Result<T, FaceProviderError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, FaceProviderError>>,
    {
        let Some((app_id, secret)) = self.wechat else {
            return Err(FaceProviderError::Unavailable(
                "WeChat is not configured".into(),
            ));
        };
        wechat::with_access_token(
            self.wechat_token,
            self.http,
            self.wechat_base,
            app_id,
            secret,
            call,
        )
        .await
    }

    fn faceid_keys(&self) -> Result<(&str, &str), ApiError> {
        self.faceid.ok_or_else(|| {
            ApiError::new(Code::FaceProviderUnavailable).with_source("FaceID is not configured")
        })
    }

    /// Starts a check of `subject`'s face with `provider`. WeChat needs the subject's
    /// openid (`certification.wechat_account_required` without one).
    pub async fn start(
        &self,
        provider: Provider,
        subject: &Subject<'_>,
    ) -> Result<Session, ApiError> {
        let sequence_no = sequence_no();
        let (session_id, expires_in) = match provider {
            Provider::Wechat => {
                let openid = subject
                    .openid
                    .ok_or_else(|| ApiError::new(Code::WechatAccountRequired))?;
                let (http, base, seq) = (self.http, self.wechat_base, &sequence_no);
                let answer = self
                    .with_wechat(|token| async move {
                        wechat::get_verify_id(
                            http,
                            base,
                            &token,
                            seq,
                            subject.name,
                            subject.id_number,
                            openid,
                        )
                        .await
                    })
                    .await
                    .map_err(provider_error)?;
                (answer.verify_id, answer.expires_in)
            }
            Provider::FaceId => {
                let (key_id, key) = self.faceid_keys()?;
                let token = faceid::get_face_id_token(
                    self.http,
                    self.faceid_endpoint,
                    self.faceid_region,
                    key_id,
                    key,
                    subject.name,
                    subject.id_number,
                )
                .await
                .map_err(provider_error)?;
                // RULES.md: a FaceIdToken is valid for 10 minutes.
                (token, 600)
            }
        };
        Ok(Session {
            session_id,
            sequence_no,
            expires_in,
        })
    }

    /// Reads what a started check came to from its provider, never from the client.
    /// Asks the provider of a stored check what it came to, for the person with `name`
    /// and `id_number`.
    pub async fn check_started(
        &self,
        started: StartedCheck<'_>,
        (name, id_number): (&str, &str),
    ) -> Result<Verdict, ApiError> {
        let provider = Provider::stored(started.provider)?;
        let subject = Subject {
            name,
            id_number,
            openid: started.openid,
        };
        let session = Session {
            session_id: started.session_id.to_owned(),
            sequence_no: started.sequence_no.to_owned(),
            expires_in: 0,
        };
        self.check(provider, &session, &subject).await
    }

    pub async fn check(
        &self,
        provider: Provider,
        session: &Session,
        subject: &Subject<'_>,
    ) -> Result<Verdict, ApiError> {
        match provider {
            Provider::Wechat => self.ask_wechat(session, subject).await,
            Provider::FaceId => self.ask_faceid(session, subject).await,
        }
    }

    async fn ask_wechat(
        &self,
        session: &Session,
        subject: &Subject<'_>,
    ) -> Result<Verdict, ApiError> {
        let hash = wechat::cert_hash(subject.name, subject.id_number);
        let (http, base) = (self.http, self.wechat_base);
        let openid = subject.openid.unwrap_or_default();
        let verify_ret = self
            .with_wechat(|token| {
                let hash = &hash;
                async move {
                    wechat::query_verify_info(
                        http,
                        base,
                        &token,
                        &session.session_id,
                        &session.sequence_no,
                        hash,
                        openid,
                    )
                    .await
                }
            })
            .await;
        Ok(match verify_ret {
            Ok(ret) => Verdict {
                outcome: wechat_outcome(ret),
                result_code: ret.to_string(),
                score: None,
            },
            // WeChat refused the query itself (hash, openid or sequence not matching what
            // it issued, or an expired verify id): not a face, but the check did not pass.
            Err(FaceProviderError::Rejected { code, .. }) => {
                Verdict::refused(Code::FaceProviderRejected, &format!("errcode {code}"))
            }
            Err(e) => return Err(provider_error(e)),
        })
    }

    async fn ask_faceid(
        &self,
        session: &Session,
        subject: &Subject<'_>,
    ) -> Result<Verdict, ApiError> {
        let (key_id, key) = self.faceid_keys()?;
        let result = faceid::get_face_id_result(
            self.http,
            self.faceid_endpoint,
            self.faceid_region,
            key_id,
            key,
            &session.session_id,
        )
        .await;
        let result = match result {
            Ok(r) => r,
            Err(FaceProviderError::Rejected { code, .. }) if !faceid_fault(&code) => {
                return Ok(Verdict::refused(Code::FaceProviderRejected, &code));
            }
            Err(e) => return Err(provider_error(e)),
        };
        // The result must be for this subject: a success for another identity is not one.
        let same_person = result
            .id_card
            .as_deref()
            .is_none_or(|n| n.eq_ignore_ascii_case(subject.id_number))
            && result.name.as_deref().is_none_or(|n| n == subject.name);
        let outcome = if result.result == "0" && same_person {
            Outcome::Passed
        } else {
            Outcome::Failed {
                code: Code::FaceNotMatched,
                counts: true,
            }
        };
        Ok(Verdict {
            outcome,
            result_code: result.result,
            score: result.similarity.map(f64::from),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_verify_ret_10000_passes() {
        assert_eq!(wechat_outcome(10000), Outcome::Passed);
        for (ret, code) in [
            (90002, Code::FaceCancelled),
            (90006, Code::FaceCancelled),
            (90017, Code::FaceTimedOut),
            (90199, Code::FaceProviderError),
            (90100, Code::FaceNotMatched),
        ] {
            assert!(
                matches!(wechat_outcome(ret), Outcome::Failed { code: c, .. } if c == code),
                "{ret}"
            );
        }
    }

    #[test]
    fn only_tencent_faults_of_its_own_mean_unavailable() {
        assert!(faceid_fault("AuthFailure.SignatureFailure"));
        assert!(faceid_fault("InternalError"));
        assert!(!faceid_fault("InvalidParameterValue.BizTokenExpired"));
    }
}
