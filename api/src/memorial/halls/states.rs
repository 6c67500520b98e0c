//! The closed sets of memorial hall values, as stored (text columns) and on the wire:
//! visibility, page and message states, why a message is held, tribute kinds, and the
//! roles of viewers and family members.

crate::closed_set! {
    /// Who may see a memorial hall (可见范围).
    pub enum MemorialVisibility {
        /// 公开
        Public => "public",
        /// 凭分享链接访问
        Link => "link",
        /// 仅家人可见
        Family => "family",
    }
}

crate::closed_set! {
    /// Whether a memorial hall is shown (纪念馆状态).
    pub enum MemorialStatus {
        /// 正常
        Active => "active",
        /// 已下架
        TakenDown => "taken_down",
    }
}

crate::closed_set! {
    /// The caller's relation to a memorial hall (访问身份).
    pub enum MemorialViewerRole {
        /// 创建者
        Owner => "owner",
        /// 家人
        Family => "family",
        /// 工作人员
        Staff => "staff",
        /// 访客
        Visitor => "visitor",
    }
}

crate::closed_set! {
    /// Whether a message on a memorial hall shows (留言状态).
    pub enum MemorialMessageStatus {
        /// 已展示
        Published => "published",
        /// 待审核
        Held => "held",
        /// 已隐藏
        Hidden => "hidden",
    }
}

crate::closed_set! {
    /// Why a message is held (待审核原因).
    pub enum MemorialHoldReason {
        /// 家属先审后展示
        PreReview => "pre_review",
        /// 含敏感词，待工作人员审核
        SensitiveWord => "sensitive_word",
    }
}

crate::closed_set! {
    /// A tribute left on a memorial hall (祭奠方式).
    pub enum MemorialTributeKind {
        /// 献花
        Flower => "flower",
        /// 点烛
        Candle => "candle",
        /// 上香
        Incense => "incense",
    }
}

crate::closed_set! {
    /// A family member's place in a memorial hall (家人身份).
    pub enum MemorialMemberRole {
        /// 创建者
        Owner => "owner",
        /// 家人
        Family => "family",
    }
}
