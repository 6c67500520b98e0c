//! The closed sets of certification values, as stored (text columns) and on the wire:
//! allowance statuses, ways of certifying, comparison modes, manual reviews and account
//! links. A transferee's status on a day is [`super::domain::Status`].

crate::closed_set! {
    /// Whether a transferee's living allowance is paid (发放状态).
    pub enum AllowanceStatus {
        /// 正常发放
        Paid => "paid",
        /// 暂停发放（逾期未认证）
        Suspended => "suspended",
        /// 已停发
        Stopped => "stopped",
    }
}

crate::closed_set! {
    /// How a survival certification was made (认证方式).
    pub enum CertificationVia {
        /// 微信人脸核身
        Wechat => "wechat",
        /// 腾讯云慧眼人脸核身
        FaceId => "faceid",
        /// 窗口人脸比对
        Desk => "desk",
        /// 上门认证
        HomeVisit => "home_visit",
        /// 人工审核
        ManualReview => "manual_review",
    }
}

crate::closed_set! {
    /// Where an in-process face comparison takes place (比对场景).
    pub enum ComparisonMode {
        /// 窗口
        Desk => "desk",
        /// 上门
        HomeVisit => "home_visit",
    }
}

crate::closed_set! {
    /// Why a manual review was opened (人工审核原因).
    pub enum CertificationReviewReason {
        /// 人脸核验多次失败
        FailedAttempts => "failed_attempts",
        /// 本人或代办人申请
        Requested => "requested",
    }
}

crate::closed_set! {
    /// Where a manual review stands (人工审核状态).
    pub enum CertificationReviewStatus {
        /// 待处理
        Open => "open",
        /// 已通过
        Approved => "approved",
        /// 未通过
        Rejected => "rejected",
    }
}

crate::closed_set! {
    /// How a citizen account is linked to a transferee (账户关联).
    pub enum TransfereeAccountLink {
        /// 本人（已实名核验）
        Own => "own",
        /// 本人（仅登记，未核验）
        OwnUnverified => "own_unverified",
        /// 代办亲属
        Proxy => "proxy",
    }
}
