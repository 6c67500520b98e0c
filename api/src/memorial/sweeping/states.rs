//! The closed set of proxy sweeping statuses, as stored and on the wire.

crate::closed_set! {
    /// Where a proxy sweeping order stands (代祭扫订单状态).
    pub enum SweepOrderStatus {
        /// 已下单
        Ordered => "ordered",
        /// 已受理
        Accepted => "accepted",
        /// 已完成（已上传照片凭证）
        Done => "done",
        /// 家属已确认
        Confirmed => "confirmed",
        /// 家属有异议
        Disputed => "disputed",
        /// 已取消
        Cancelled => "cancelled",
    }
}
