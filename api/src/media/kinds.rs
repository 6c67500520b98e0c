//! The closed set of stored content types (sniffed from the bytes, never taken from the
//! client).

/// What a stored file is (文件类型).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub enum MediaContentType {
    /// JPEG 图片
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// PNG 图片
    #[serde(rename = "image/png")]
    Png,
    /// PDF 文档
    #[serde(rename = "application/pdf")]
    Pdf,
}

impl MediaContentType {
    /// Every value, in the order above.
    pub const ALL: [MediaContentType; 3] = [
        MediaContentType::Jpeg,
        MediaContentType::Png,
        MediaContentType::Pdf,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaContentType::Jpeg => "image/jpeg",
            MediaContentType::Png => "image/png",
            MediaContentType::Pdf => "application/pdf",
        }
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
        round_trip!(MediaContentType);
    }
}
