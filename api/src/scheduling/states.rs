//! The closed sets of the scheduling core's values, as stored (text columns) and on the
//! wire: resource kinds, business types, exception kinds, day states, waitlist statuses
//! and draw phases.

crate::closed_set! {
    /// What kind of bookable place a resource is (场所类型).
    pub enum ResourceKind {
        /// 婚姻登记处
        MarriageOffice => "marriage_office",
        /// 殡仪馆
        FuneralHome => "funeral_home",
        /// 公益性墓园
        Cemetery => "cemetery",
        /// 村级埋葬点
        BurialGround => "burial_ground",
    }
}

crate::closed_set! {
    /// What a slot is for (业务类型): the business types of every room that books
    /// through the scheduling core.
    pub enum SlotBusinessType {
        /// 结婚登记
        Marriage => "marriage",
        /// 离婚登记
        Divorce => "divorce",
        /// 补领婚姻登记证
        Reissue => "reissue",
        /// 告别厅
        Farewell => "farewell",
        /// 火化
        Cremation => "cremation",
        /// 预约祭扫
        Visit => "visit",
    }
}

impl SlotBusinessType {
    /// The value of a stored text, if it is one.
    pub fn parse(text: &str) -> Option<SlotBusinessType> {
        SlotBusinessType::ALL
            .into_iter()
            .find(|v| v.as_str() == text)
    }
}

crate::closed_set! {
    /// A dated exception of a resource's weekly template (特殊日期).
    pub enum ResourceExceptionKind {
        /// 闭馆（当天不办理）
        Closed => "closed",
        /// 特殊日（按比例加开或缩减名额）
        Special => "special",
    }
}

crate::closed_set! {
    /// How a day of a resource's availability stands (当日状态).
    pub enum DayState {
        /// 可预约
        Open => "open",
        /// 当天不办理
        Closed => "closed",
        /// 尚未放号
        NotOpenYet => "not_open_yet",
        /// 已过
        Past => "past",
        /// 摇号分配
        Draw => "draw",
    }
}

crate::closed_set! {
    /// Where a waitlist entry stands (候补状态).
    pub enum WaitlistStatus {
        /// 候补中
        Waiting => "waiting",
        /// 已为您保留名额，待预约
        Offered => "offered",
        /// 已预约
        Claimed => "claimed",
        /// 逾期未预约
        Lapsed => "lapsed",
        /// 已取消
        Cancelled => "cancelled",
        /// 候补结束（当天已过）
        Closed => "closed",
    }
}

crate::closed_set! {
    /// Where a draw stands (摇号阶段).
    pub enum DrawPhase {
        /// 未开始报名
        Scheduled => "scheduled",
        /// 报名中
        Collecting => "collecting",
        /// 报名截止，待摇号
        Closed => "closed",
        /// 已摇号
        Drawn => "drawn",
    }
}

crate::closed_set! {
    /// What a calendar change does to a day already booked that it closes.
    pub enum OnBookings {
        /// 不作变更：拒绝整个请求，列出受影响的预约
        Refuse => "refuse",
        /// 取消这些预约并通知当事人，关闭当日
        Cancel => "cancel",
    }
}
