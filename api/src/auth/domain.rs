//! Staff roles and scopes.

/// What a staff member may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Clerk,
    Reviewer,
    Approver,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }
}

/// Where a staff member's role applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Office,
    FuneralHome,
    Cemetery,
    Street,
    District,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Office => "office",
            ScopeKind::FuneralHome => "funeral_home",
            ScopeKind::Cemetery => "cemetery",
            ScopeKind::Street => "street",
            ScopeKind::District => "district",
        }
    }
}
