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
