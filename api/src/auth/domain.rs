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

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        [Role::Clerk, Role::Reviewer, Role::Approver, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == text)
    }

    /// Admins and approvers must use a second factor.
    pub fn requires_totp(self) -> bool {
        matches!(self, Role::Admin | Role::Approver)
    }
}

impl ScopeKind {
    pub fn parse(text: &str) -> Option<ScopeKind> {
        [
            ScopeKind::Office,
            ScopeKind::FuneralHome,
            ScopeKind::Cemetery,
            ScopeKind::Street,
            ScopeKind::District,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// Where a staff member's role applies: a kind and, below the district, which one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub kind: ScopeKind,
    pub id: Option<String>,
}

impl Scope {
    /// Whether this scope covers the place `(kind, id)`: the district covers everything.
    pub fn covers(&self, kind: ScopeKind, id: &str) -> bool {
        self.kind == ScopeKind::District || (self.kind == kind && self.id.as_deref() == Some(id))
    }
}
