//! The closed sets of marriage values, as stored (text columns) and on the wire: the
//! statuses of appointments, divorce applications and draw requests. The business types
//! are [`super::domain::BusinessType`].

crate::closed_set! {
    /// Where a marriage registration appointment stands (预约状态).
    pub enum AppointmentStatus {
        /// 待另一方确认
        PendingConfirmation => "pending_confirmation",
        /// 已确认
        Confirmed => "confirmed",
        /// 已签到
        CheckedIn => "checked_in",
        /// 已办结
        Completed => "completed",
        /// 已取消
        Cancelled => "cancelled",
        /// 逾期未确认
        Expired => "expired",
        /// 未到场（爽约）
        NoShow => "no_show",
    }
}

crate::closed_set! {
    /// Where a joint divorce application stands (离婚登记申请状态).
    pub enum DivorceApplicationStatus {
        /// 离婚冷静期中
        CoolingOff => "cooling_off",
        /// 已预约领证
        Booked => "booked",
        /// 已办结
        Completed => "completed",
        /// 已撤回
        Withdrawn => "withdrawn",
        /// 逾期未办理（视为撤回）
        Lapsed => "lapsed",
    }
}

crate::closed_set! {
    /// Where a request handed in for a draw stands (摇号申请状态).
    pub enum DrawEntryStatus {
        /// 待摇号
        Pending => "pending",
        /// 中签（已预约）
        Won => "won",
        /// 未中签
        Lost => "lost",
        /// 中签但预约未成功
        Failed => "failed",
        /// 已撤回
        Withdrawn => "withdrawn",
    }
}
