//! Hostile uploads, built at run time: PNGs whose colour profile, compressed text, EXIF
//! block or picture data inflate to hundreds of megabytes from a few hundred kilobytes,
//! a pixel bomb, truncated files and polyglots. The media tests and the media bench
//! upload them.
use std::io::Write;

use flate2::{Compression, write::ZlibEncoder};
use image::{DynamicImage, ImageFormat};

/// How far each bomb inflates.
pub const BOMB_BYTES: usize = 300 * 1024 * 1024;

/// `n` zero bytes, zlib-compressed (about 1,000 : 1).
pub fn zeros_deflated(n: usize) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    let block = vec![0u8; 1024 * 1024];
    let mut left = n;
    while left > 0 {
        let take = left.min(block.len());
        z.write_all(&block[..take]).unwrap();
        left -= take;
    }
    z.finish().unwrap()
}

/// One PNG chunk with its CRC.
pub fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend(crc.finalize().to_be_bytes());
    out
}

/// A small, valid PNG.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::new_rgb8(width, height)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// A valid PNG with `extra` chunks after its header.
pub fn png_with(extra: &[Vec<u8>]) -> Vec<u8> {
    let base = png(50, 50);
    let header_end = 8 + 25; // signature + IHDR
    let mut out = base[..header_end].to_vec();
    for c in extra {
        out.extend(c);
    }
    out.extend(&base[header_end..]);
    out
}

/// A 50 × 50 PNG whose colour profile inflates to [`BOMB_BYTES`].
pub fn iccp_bomb() -> Vec<u8> {
    let mut data = b"icc\0\0".to_vec();
    data.extend(zeros_deflated(BOMB_BYTES));
    png_with(&[chunk(b"iCCP", &data)])
}

/// Compressed text (zTXt) inflating to [`BOMB_BYTES`].
pub fn ztxt_bomb() -> Vec<u8> {
    let mut data = b"Comment\0\0".to_vec();
    data.extend(zeros_deflated(BOMB_BYTES));
    png_with(&[chunk(b"zTXt", &data)])
}

/// International text (iTXt, compressed) inflating to [`BOMB_BYTES`].
pub fn itxt_bomb() -> Vec<u8> {
    let mut data = b"Comment\0\x01\x00\0\0".to_vec();
    data.extend(zeros_deflated(BOMB_BYTES));
    png_with(&[chunk(b"iTXt", &data)])
}

/// An EXIF block (eXIf) of 4 MB of junk.
pub fn exif_block() -> Vec<u8> {
    let mut data = b"MM\0\x2a\0\0\0\x08".to_vec();
    data.resize(4 * 1024 * 1024, 0xAB);
    png_with(&[chunk(b"eXIf", &data)])
}

/// A 50 × 50 PNG whose picture data inflates to [`BOMB_BYTES`] (far more than 50 × 50
/// pixels need).
pub fn idat_bomb() -> Vec<u8> {
    let base = png(50, 50);
    let mut out = base[..33].to_vec();
    out.extend(chunk(b"IDAT", &zeros_deflated(BOMB_BYTES)));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// A 7000 × 7000 grey PNG (49 megapixels, under the limit) of a few hundred kilobytes.
pub fn pixel_bomb() -> Vec<u8> {
    let (width, height) = (7000u32, 7000u32);
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]); // 8-bit greyscale
    let row = width as usize + 1; // a filter byte, then the pixels
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &zeros_deflated(row * height as usize)));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// Every hostile file, by name.
pub fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let whole = png(64, 48);
    let mut jpeg = Vec::new();
    DynamicImage::new_rgb8(64, 48)
        .write_to(&mut std::io::Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .unwrap();
    let mut png_zip = whole.clone();
    png_zip.extend(b"PK\x03\x04 a zip archive follows the picture");
    let mut jpeg_pdf = jpeg.clone();
    jpeg_pdf.extend(b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF");
    let mut png_html = whole.clone();
    png_html.extend(b"<script>alert(1)</script>");
    vec![
        ("iccp-bomb.png", iccp_bomb()),
        ("ztxt-bomb.png", ztxt_bomb()),
        ("itxt-bomb.png", itxt_bomb()),
        ("exif-block.png", exif_block()),
        ("idat-bomb.png", idat_bomb()),
        ("pixel-bomb.png", pixel_bomb()),
        ("truncated.png", whole[..whole.len() / 2].to_vec()),
        ("truncated.jpg", jpeg[..jpeg.len() / 2].to_vec()),
        ("png-then-zip.png", png_zip),
        ("jpeg-then-pdf.jpg", jpeg_pdf),
        ("png-then-html.png", png_html),
    ]
}
