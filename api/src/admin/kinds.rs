//! The closed sets of the admin room's values, as stored and on the wire: street kinds
//! and the kinds of actors and targets in the audit trail.

crate::closed_set! {
    /// What kind of street a street is (街道乡镇类别).
    pub enum StreetKind {
        /// 街道
        Subdistrict => "subdistrict",
        /// 镇
        Township => "township",
        /// 民族乡
        EthnicTownship => "ethnic_township",
    }
}

crate::closed_set! {
    /// Who acted in an audit event (操作人类别).
    pub enum AuditActorKind {
        /// 群众
        Citizen => "citizen",
        /// 工作人员
        Staff => "staff",
        /// 系统
        System => "system",
    }
}

crate::closed_set! {
    /// What an audit event is about (审计对象类别): every `target_kind` the rooms
    /// record.
    pub enum AuditTargetKind {
        /// 网上申请
        Application => "application",
        /// 登录会话
        AuthSession => "auth_session",
        /// 群众账户
        CitizenAccount => "citizen_account",
        /// 离婚登记申请
        DivorceApplication => "divorce_application",
        /// 摇号
        Draw => "draw",
        /// 殡葬服务预约
        FuneralBooking => "funeral_booking",
        /// 婚姻登记预约
        MarriageAppointment => "marriage_appointment",
        /// 上传的文件
        MediaObject => "media_object",
        /// 网上纪念馆
        Memorial => "memorial",
        /// 预约场所
        Resource => "resource",
        /// 敏感词
        SensitiveWord => "sensitive_word",
        /// 服务事项
        Service => "service",
        /// 工作人员账户
        StaffAccount => "staff_account",
        /// 街道乡镇
        Street => "street",
        /// 代祭扫订单
        SweepOrder => "sweep_order",
        /// 祭扫预约
        TombVisit => "tomb_visit",
        /// 征地超转人员
        Transferee => "transferee",
        /// 超转人员名册文件
        TransfereeFile => "transferee_file",
        /// 候补
        WaitlistEntry => "waitlist_entry",
    }
}

crate::closed_set! {
    /// What a bulk job does (后台任务类别).
    pub enum JobKind {
        /// 生存认证每日检查（提醒与暂停发放）
        CertificationSweep => "certification_sweep",
        /// 集中认证期（统一截止日期）
        CertificationWindow => "certification_window",
    }
}

crate::closed_set! {
    /// Where a bulk job is (后台任务状态).
    pub enum JobStatus {
        /// 排队中
        Queued => "queued",
        /// 运行中
        Running => "running",
        /// 已完成
        Done => "done",
        /// 失败
        Failed => "failed",
    }
}
