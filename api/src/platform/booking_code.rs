//! Booking codes read out at a desk and the QR codes that carry them: one format for
//! every room that books (marriage appointments, tomb visits), so one desk scanner reads
//! them all.
use crate::error::ApiError;

/// Characters of booking codes: no 0/O, 1/I/L, easy to read out at a desk.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A random 8-character booking code (31^8 ≈ 8.5e11 codes).
pub fn booking_code() -> String {
    let bytes = crate::platform::crypto::random_bytes::<8>();
    bytes
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect()
}

/// What the QR code carries: the booking code with a prefix the desk scanner recognises.
pub fn qr_content(code: &str) -> String {
    format!("MZ-{code}")
}

/// A booking code from what a clerk typed or a scanner sent (`MZ-ABCD2345` or `abcd2345`).
pub fn code_from_input(input: &str) -> Option<String> {
    let text = super::text::identifier(input);
    let code = text.strip_prefix("MZ-").unwrap_or(&text);
    (code.len() == 8 && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then(|| code.to_owned())
}

/// A PNG of the QR code carrying `qr_content(code)`, rendered off the async workers.
pub async fn qr_png(code: &str) -> Result<Vec<u8>, ApiError> {
    let content = qr_content(code);
    actix_web::web::block(move || -> Result<Vec<u8>, String> {
        let code = qrcode::QrCode::new(content.as_bytes()).map_err(|e| e.to_string())?;
        let image = code
            .render::<image::Luma<u8>>()
            .min_dimensions(256, 256)
            .build();
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageLuma8(image)
            .write_to(&mut out, image::ImageFormat::Png)
            .map_err(|e| e.to_string())?;
        Ok(out.into_inner())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}
