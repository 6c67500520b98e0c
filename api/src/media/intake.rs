//! What an upload must pass before it is kept, free of storage and HTTP: the kind is
//! sniffed from the content (never from the name or the declared type), the size and the
//! pixel count are checked before decoding (a 100-byte PNG may claim 100,000² pixels),
//! the decoder runs under an allocation limit, and images are re-encoded, turned upright
//! and shrunk to a readable size, so no EXIF block (GPS position, camera, time) survives.
//!
//! Nothing compressed is inflated unless it is the picture itself: a PNG is rebuilt from
//! its critical chunks before decoding, so a colour profile (iCCP), compressed text
//! (zTXt, iTXt) or EXIF block that inflates to gigabytes is dropped unread. The picture
//! data inflates to at most what the header's pixels need, and the decoder runs under
//! `max_alloc`. [`decode_cost`] estimates from the header what a decode will hold, so
//! the service's decode budget (`Media`) bounds all decodes together.
use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, metadata::Orientation};

/// Limits of the intake.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest upload accepted (RULES.md: 5 MB).
    pub max_bytes: usize,
    /// Largest width × height decoded: a 48-megapixel phone photo (8000 × 6000) is scaled
    /// down, not refused; most phones save 12 MP.
    pub max_pixels: u64,
    /// Longest side decoded: a 40,000,000 × 1 strip is not a photo.
    pub max_side: u32,
    /// Longest side of a stored image; larger ones are scaled down (a scan stays readable).
    pub stored_side: u32,
    /// Longest side of a thumbnail.
    pub thumbnail_side: u32,
    /// Most memory one decoder may take.
    pub max_alloc: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 5 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_side: 12_000,
            stored_side: 4096,
            thumbnail_side: 320,
            max_alloc: 256 * 1024 * 1024,
        }
    }
}

/// Why an upload was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLarge,
    /// Not a JPEG, PNG or PDF by its content.
    UnsupportedType,
    TooManyPixels,
    /// Claims to be a JPEG, PNG or PDF but does not decode: broken or truncated.
    Broken,
}

/// An upload that passed, ready to store.
pub struct Accepted {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub thumbnail: Option<Vec<u8>>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

enum Kind {
    Jpeg,
    Png,
    Pdf,
}

fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        None
    }
}

/// Checks and cleans one upload. CPU-bound: call it off the async runtime.
pub fn accept(bytes: &[u8], limits: &Limits) -> Result<Accepted, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(Refusal::TooLarge);
    }
    match sniff(bytes).ok_or(Refusal::UnsupportedType)? {
        Kind::Pdf => accept_pdf(bytes),
        Kind::Jpeg => {
            // The decoder would paint a cut-off picture's missing part grey and say nothing.
            if !jpeg_is_whole(bytes) {
                return Err(Refusal::Broken);
            }
            accept_image(bytes, ImageFormat::Jpeg, limits)
        }
        Kind::Png => accept_image(&critical_chunks(bytes)?, ImageFormat::Png, limits),
    }
}

/// The PNG chunks a decoder needs to draw the picture: the header, the palette and its
/// transparency, the picture data and the end. Every ancillary chunk (colour profiles,
/// text, EXIF, animation) goes unread, compressed or not. A chunk that runs past the end
/// of the file, or a file without its end chunk, is broken.
fn critical_chunks(bytes: &[u8]) -> Result<Vec<u8>, Refusal> {
    const KEEP: [&[u8; 4]; 5] = [b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"];
    let mut out = bytes[..8].to_vec();
    let mut at = 8;
    loop {
        let header = bytes.get(at..at + 8).ok_or(Refusal::Broken)?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        // Length, type, data, CRC (checked by the decoder).
        let end = at.checked_add(12 + length).ok_or(Refusal::Broken)?;
        let chunk = bytes.get(at..end).ok_or(Refusal::Broken)?;
        if KEEP.iter().any(|k| k.as_slice() == kind) {
            out.extend_from_slice(chunk);
        }
        if kind == b"IEND" {
            return Ok(out);
        }
        at = end;
    }
}

/// Width, height and decoded bytes per pixel from a PNG's header (IHDR comes first),
/// read by hand: the PNG decoder would read, and inflate, every chunk before the
/// picture data. A palette expands to RGBA.
fn png_header(bytes: &[u8]) -> Option<(u32, u32, u64)> {
    let ihdr = bytes.get(8..33)?;
    if &ihdr[4..8] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(ihdr[8..12].try_into().ok()?);
    let height = u32::from_be_bytes(ihdr[12..16].try_into().ok()?);
    let depth = if ihdr[16] == 16 { 2 } else { 1 };
    let channels = match ihdr[17] {
        0 => 1,
        2 => 3,
        3 => return Some((width, height, 4)),
        4 => 2,
        _ => 4,
    };
    Some((width, height, channels * depth))
}

/// What decoding the image will hold at its peak, in bytes, from its header alone: the
/// decoded pixels, plus the scaled copy and the encoder's copy of a stored image (a
/// 12 MP photo about 108 MB, so two fit the budget; a 48 MP one about 220 MB, alone). A
/// file whose header does not read costs nothing (it is refused before decoding).
pub fn decode_cost(bytes: &[u8], limits: &Limits) -> u64 {
    let (width, height, per_pixel) = match sniff(bytes) {
        Some(Kind::Png) => match png_header(bytes) {
            Some(header) => header,
            None => return 0,
        },
        Some(Kind::Jpeg) => {
            // The JPEG decoder reads the segments before the frame header only: bounded
            // by the file's size, nothing inflated.
            let Ok(decoder) = reader(bytes, ImageFormat::Jpeg, limits).into_decoder() else {
                return 0;
            };
            let (width, height) = decoder.dimensions();
            (
                width,
                height,
                u64::from(decoder.color_type().bytes_per_pixel()),
            )
        }
        _ => return 0,
    };
    let pixels = u64::from(width) * u64::from(height);
    let decoded = pixels * per_pixel;
    let side = u64::from(width.max(height)).max(1);
    let kept = u64::from(limits.stored_side).min(side);
    // The scaled copy and the encoder's copy of it, in the decoded pixel format.
    let stored = pixels * kept * kept / (side * side) * per_pixel;
    decoded + 2 * stored
}

/// Whether a JPEG's picture data ends with its end marker (FF D9). The segments before
/// the picture are skipped by their lengths, so the end marker of a thumbnail inside the
/// EXIF block (most camera photos carry one) does not count; entropy-coded data cannot
/// contain FF D9, so one found after the first scan header is the picture's own end.
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    let mut at = 2; // after FF D8
    loop {
        // A marker: FF, maybe fill bytes FF, then its code.
        if bytes.get(at) != Some(&0xFF) {
            return false;
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let Some(&code) = bytes.get(at) else {
            return false;
        };
        at += 1;
        match code {
            0x01 | 0xD0..=0xD7 => continue, // no length
            0xD9 => return false,           // ended before any picture
            _ => {}
        }
        let Some(length) = bytes.get(at..at + 2) else {
            return false;
        };
        let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
        if length < 2 {
            return false;
        }
        if code == 0xDA {
            let scan = bytes.get(at + length..).unwrap_or_default();
            return scan.windows(2).any(|w| w == [0xFF, 0xD9]);
        }
        at += length;
    }
}

/// A PDF is kept as sent (there is no safe way here to rewrite one), if it is whole.
fn accept_pdf(bytes: &[u8]) -> Result<Accepted, Refusal> {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(Refusal::Broken);
    }
    Ok(Accepted {
        content_type: "application/pdf",
        bytes: bytes.to_vec(),
        thumbnail: None,
        width: None,
        height: None,
    })
}

fn reader<'a>(
    bytes: &'a [u8],
    format: ImageFormat,
    limits: &Limits,
) -> ImageReader<Cursor<&'a [u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(decoder_limits);
    reader
}

/// Checks and decodes a photo that is compared and then dropped, never stored (a face
/// at the desk): the same checks as [`accept`], JPEG or PNG only, turned upright.
pub fn decode_photo(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(Refusal::TooLarge);
    }
    match sniff(bytes) {
        Some(Kind::Jpeg) if jpeg_is_whole(bytes) => decode(bytes, ImageFormat::Jpeg, limits),
        Some(Kind::Jpeg) => Err(Refusal::Broken),
        Some(Kind::Png) => decode(&critical_chunks(bytes)?, ImageFormat::Png, limits),
        _ => Err(Refusal::UnsupportedType),
    }
}

fn accept_image(bytes: &[u8], format: ImageFormat, limits: &Limits) -> Result<Accepted, Refusal> {
    let mut image = decode(bytes, format, limits)?;
    if image.width().max(image.height()) > limits.stored_side {
        // `thumbnail` works in 8-bit integers; `resize` would add a float copy of the
        // whole image (hundreds of MB for a large photo) that the decoder limit misses.
        image = image.thumbnail(limits.stored_side, limits.stored_side);
    }
    let (content_type, stored) = match format {
        ImageFormat::Png => ("image/png", encode_png(&image)?),
        _ => ("image/jpeg", encode_jpeg(&image)?),
    };
    let thumbnail = encode_jpeg(&image.thumbnail(limits.thumbnail_side, limits.thumbnail_side))?;
    Ok(Accepted {
        content_type,
        bytes: stored,
        thumbnail: Some(thumbnail),
        width: Some(image.width()),
        height: Some(image.height()),
    })
}

/// Decodes within the limits and turns the image upright.
fn decode(bytes: &[u8], format: ImageFormat, limits: &Limits) -> Result<DynamicImage, Refusal> {
    // The header alone: the pixel count is known before a single pixel is decoded.
    let (width, height) = reader(bytes, format, limits)
        .into_dimensions()
        .map_err(|_| Refusal::Broken)?;
    if u64::from(width) * u64::from(height) > limits.max_pixels
        || width.max(height) > limits.max_side
    {
        return Err(Refusal::TooManyPixels);
    }
    let mut decoder = reader(bytes, format, limits)
        .into_decoder()
        .map_err(|_| Refusal::Broken)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => Refusal::TooManyPixels,
        _ => Refusal::Broken,
    })?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn encode_jpeg(image: &DynamicImage) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&image.to_rgb8())
        .map_err(|_| Refusal::Broken)?;
    Ok(out)
}

fn encode_png(image: &DynamicImage) -> Result<Vec<u8>, Refusal> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|_| Refusal::Broken)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        encode_png(&DynamicImage::new_rgb8(width, height)).unwrap()
    }

    #[test]
    fn a_jpeg_cut_after_its_exif_thumbnail_is_not_whole() {
        let mut jpeg = Vec::new();
        DynamicImage::new_rgb8(64, 48)
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .unwrap();
        let mut thumbnail = Vec::new();
        DynamicImage::new_rgb8(8, 6)
            .write_to(&mut Cursor::new(&mut thumbnail), ImageFormat::Jpeg)
            .unwrap();
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(&thumbnail);
        let mut camera = jpeg[..2].to_vec();
        camera.extend([0xFF, 0xE1]);
        camera.extend(((app1.len() + 2) as u16).to_be_bytes());
        camera.extend(app1);
        camera.extend(&jpeg[2..]);
        assert!(jpeg_is_whole(&jpeg) && jpeg_is_whole(&camera));
        let cut = &camera[..camera.len() - 10];
        assert!(
            cut.windows(2).any(|w| w == [0xFF, 0xD9]),
            "the thumbnail's end marker is there"
        );
        assert!(!jpeg_is_whole(cut));
        assert!(!jpeg_is_whole(&camera[..thumbnail.len() + 12]));
        assert_eq!(accept(cut, &Limits::default()).err(), Some(Refusal::Broken));
        // Trailing bytes after the end (some phones append data) are fine.
        let mut padded = camera.clone();
        padded.extend([0u8; 64]);
        assert!(jpeg_is_whole(&padded));
    }

    #[test]
    fn the_kind_comes_from_the_content() {
        assert!(
            accept(b"hello, I am a JPEG", &Limits::default())
                .is_err_and(|e| e == Refusal::UnsupportedType)
        );
        assert_eq!(
            accept(&png(4, 3), &Limits::default()).unwrap().content_type,
            "image/png"
        );
        assert_eq!(accept(b"", &Limits::default()).err(), Some(Refusal::Empty));
    }

    #[test]
    fn large_images_are_scaled_down_and_get_a_thumbnail() {
        let limits = Limits {
            stored_side: 100,
            thumbnail_side: 20,
            ..Limits::default()
        };
        let accepted = accept(&png(400, 200), &limits).unwrap();
        assert_eq!((accepted.width, accepted.height), (Some(100), Some(50)));
        let thumb = image::load_from_memory(&accepted.thumbnail.unwrap()).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (20, 10));
    }

    #[test]
    fn the_pixel_count_is_checked_before_decoding() {
        let limits = Limits {
            max_pixels: 100,
            ..Limits::default()
        };
        assert_eq!(
            accept(&png(20, 20), &limits).err(),
            Some(Refusal::TooManyPixels)
        );
    }

    #[test]
    fn a_jpeg_cut_short_is_broken() {
        let whole = encode_jpeg(&DynamicImage::new_rgb8(64, 64)).unwrap();
        assert!(accept(&whole, &Limits::default()).is_ok());
        assert_eq!(
            accept(&whole[..whole.len() / 2], &Limits::default()).err(),
            Some(Refusal::Broken)
        );
    }
}
