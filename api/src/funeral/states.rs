//! The closed sets of funeral values, as stored (text columns) and on the wire: item
//! kinds, booking and transport statuses, and the actions on a booking.

crate::closed_set! {
    /// What a catalogue item of a funeral home is (服务项目类别).
    pub enum FuneralItemKind {
        /// 遗体接运
        Transport => "transport",
        /// 告别厅
        Farewell => "farewell",
        /// 火化
        Cremation => "cremation",
        /// 殡葬用品（骨灰盒、鲜花等）
        Goods => "goods",
        /// 其他
        Other => "other",
    }
}

crate::closed_set! {
    /// Where a funeral booking stands (殡葬服务预约状态).
    pub enum FuneralBookingStatus {
        /// 待殡仪馆确认
        Pending => "pending",
        /// 已确认
        Confirmed => "confirmed",
        /// 已完成
        Done => "done",
        /// 已取消
        Cancelled => "cancelled",
        /// 殡仪馆未在时限内确认，已失效
        Lapsed => "lapsed",
    }
}

crate::closed_set! {
    /// Where a body transport request stands (遗体接运状态).
    pub enum FuneralTransportStatus {
        /// 已申请
        Requested => "requested",
        /// 殡仪馆提议了另一时间，待家属接受
        Proposed => "proposed",
        /// 时间已商定
        Agreed => "agreed",
    }
}

crate::closed_set! {
    /// What may be done to a funeral booking (可执行的操作).
    pub enum FuneralBookingAction {
        /// 确认预约
        Confirm => "confirm",
        /// 提议接运时间
        ProposeTransportTime => "propose_transport_time",
        /// 接受接运时间
        AcceptTransportTime => "accept_transport_time",
        /// 办结
        Done => "done",
        /// 取消预约
        Cancel => "cancel",
    }
}
