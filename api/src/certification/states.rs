//! The closed sets of certification values, as stored (text columns) and on the wire:
//! allowance statuses, ways of certifying, comparison modes, manual reviews and account
//! links. A transferee's status on a day is [`super::domain::Status`].

/// Whether a transferee's living allowance is paid (发放状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AllowanceStatus {
    /// 正常发放
    Paid,
    /// 暂停发放（逾期未认证）
    Suspended,
    /// 已停发
    Stopped,
}

impl AllowanceStatus {
    /// Every value, in the order above.
    pub const ALL: [AllowanceStatus; 3] = [
        AllowanceStatus::Paid,
        AllowanceStatus::Suspended,
        AllowanceStatus::Stopped,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AllowanceStatus::Paid => "paid",
            AllowanceStatus::Suspended => "suspended",
            AllowanceStatus::Stopped => "stopped",
        }
    }
}

/// How a survival certification was made (认证方式).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CertificationVia {
    /// 微信人脸核身
    Wechat,
    /// 腾讯云慧眼人脸核身
    #[serde(rename = "faceid")]
    FaceId,
    /// 窗口人脸比对
    Desk,
    /// 上门认证
    HomeVisit,
    /// 人工审核
    ManualReview,
}

impl CertificationVia {
    /// Every value, in the order above.
    pub const ALL: [CertificationVia; 5] = [
        CertificationVia::Wechat,
        CertificationVia::FaceId,
        CertificationVia::Desk,
        CertificationVia::HomeVisit,
        CertificationVia::ManualReview,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificationVia::Wechat => "wechat",
            CertificationVia::FaceId => "faceid",
            CertificationVia::Desk => "desk",
            CertificationVia::HomeVisit => "home_visit",
            CertificationVia::ManualReview => "manual_review",
        }
    }
}

/// Where an in-process face comparison takes place (比对场景).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonMode {
    /// 窗口
    Desk,
    /// 上门
    HomeVisit,
}

impl ComparisonMode {
    /// Every value, in the order above.
    pub const ALL: [ComparisonMode; 2] = [ComparisonMode::Desk, ComparisonMode::HomeVisit];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ComparisonMode::Desk => "desk",
            ComparisonMode::HomeVisit => "home_visit",
        }
    }
}

/// Why a manual review was opened (人工审核原因).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CertificationReviewReason {
    /// 人脸核验多次失败
    FailedAttempts,
    /// 本人或代办人申请
    Requested,
}

impl CertificationReviewReason {
    /// Every value, in the order above.
    pub const ALL: [CertificationReviewReason; 2] = [
        CertificationReviewReason::FailedAttempts,
        CertificationReviewReason::Requested,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificationReviewReason::FailedAttempts => "failed_attempts",
            CertificationReviewReason::Requested => "requested",
        }
    }
}

/// Where a manual review stands (人工审核状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CertificationReviewStatus {
    /// 待处理
    Open,
    /// 已通过
    Approved,
    /// 未通过
    Rejected,
}

impl CertificationReviewStatus {
    /// Every value, in the order above.
    pub const ALL: [CertificationReviewStatus; 3] = [
        CertificationReviewStatus::Open,
        CertificationReviewStatus::Approved,
        CertificationReviewStatus::Rejected,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificationReviewStatus::Open => "open",
            CertificationReviewStatus::Approved => "approved",
            CertificationReviewStatus::Rejected => "rejected",
        }
    }
}

/// How a citizen account is linked to a transferee (账户关联).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TransfereeAccountLink {
    /// 本人（已实名核验）
    Own,
    /// 本人（仅登记，未核验）
    OwnUnverified,
    /// 代办亲属
    Proxy,
}

impl TransfereeAccountLink {
    /// Every value, in the order above.
    pub const ALL: [TransfereeAccountLink; 3] = [
        TransfereeAccountLink::Own,
        TransfereeAccountLink::OwnUnverified,
        TransfereeAccountLink::Proxy,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TransfereeAccountLink::Own => "own",
            TransfereeAccountLink::OwnUnverified => "own_unverified",
            TransfereeAccountLink::Proxy => "proxy",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each value serialises to, and reads back from, its stored string.
    macro_rules! round_trip {
        ($($t:ident),+) => {$(
            for v in $t::ALL {
                assert_eq!(serde_json::to_value(v).unwrap(), v.as_str(), stringify!($t));
                assert_eq!(serde_json::from_value::<$t>(v.as_str().into()).unwrap(), v);
            }
        )+};
    }

    #[test]
    fn wire_names_are_the_stored_strings() {
        round_trip!(
            AllowanceStatus,
            CertificationVia,
            ComparisonMode,
            CertificationReviewReason,
            CertificationReviewStatus,
            TransfereeAccountLink
        );
    }
}
