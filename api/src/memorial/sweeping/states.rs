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
        round_trip!(SweepOrderStatus);
    }
}
