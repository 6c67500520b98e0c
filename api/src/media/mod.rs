//! Media intake: uploads (photos of documents, scans, PDFs, proof photos) sniffed by
//! content, limited before decoding, re-encoded without metadata, thumbnailed, sealed at
//! rest and stored behind one trait. Owns `media_object`. Rooms keep media ids on their
//! own rows and decide who else may read them (`service::read_unchecked`).
mod dto;
pub mod error;
pub mod gate;
pub mod intake;
pub mod kinds;
pub(crate) mod routes;
pub mod service;
pub mod store;

pub use routes::routes;
