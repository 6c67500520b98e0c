//! The closed set of stored content types (sniffed from the bytes, never taken from the
//! client).

crate::closed_set! {
    /// What a stored file is (文件类型).
    pub enum MediaContentType {
        /// JPEG 图片
        Jpeg => "image/jpeg",
        /// PNG 图片
        Png => "image/png",
        /// PDF 文档
        Pdf => "application/pdf",
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
