//! The closed sets of identity values, as stored (text columns) and on the wire: the
//! state of a real name, how it was verified, and a proxy's relation and services.
//! Sex is [`super::domain::Sex`].

crate::closed_set! {
    /// Whether a bound real name is verified (实名状态).
    pub enum RealNameStatus {
        /// 未核验
        Unverified => "unverified",
        /// 已核验
        Verified => "verified",
    }
}

crate::closed_set! {
    /// How a real name was verified (核验方式).
    pub enum RealNameVerifiedBy {
        /// 人脸核验
        Face => "face",
        /// 窗口当面核验
        InPerson => "in_person",
    }
}

crate::closed_set! {
    /// A proxy's family relation to the person they act for (与本人关系).
    pub enum ProxyRelation {
        /// 配偶
        Spouse => "spouse",
        /// 父母
        Parent => "parent",
        /// 子女
        Child => "child",
        /// 兄弟姐妹
        Sibling => "sibling",
        /// 祖父母、外祖父母
        Grandparent => "grandparent",
        /// 孙子女、外孙子女
        Grandchild => "grandchild",
        /// 其他亲属
        OtherRelative => "other_relative",
    }
}

crate::closed_set! {
    /// A service a proxy may act on (可代办的服务).
    pub enum ProxyService {
        /// 城乡最低生活保障（低保）
        Dibao => "dibao",
        /// 低收入家庭认定
        LowIncome => "low_income",
        /// 特困人员供养
        ExtremeHardship => "extreme_hardship",
        /// 临时救助
        TemporaryRelief => "temporary_relief",
        /// 高等教育新生入学救助
        EducationGrant => "education_grant",
        /// 采暖救助
        HeatingSubsidy => "heating_subsidy",
        /// 困难残疾人生活补贴
        DisabilityLivingAllowance => "disability_living_allowance",
        /// 重度残疾人护理补贴
        DisabilityCareAllowance => "disability_care_allowance",
        /// 征地超转人员生存认证
        SurvivalCertification => "survival_certification",
        /// 婚姻登记预约
        Marriage => "marriage",
        /// 殡葬服务
        Funeral => "funeral",
        /// 祭扫服务
        TombSweeping => "tomb_sweeping",
    }
}
