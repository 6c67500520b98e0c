//! Where file bytes live, behind one trait: a local folder by default; an S3-compatible
//! store for a cluster implements the same three calls. Everything stored here is sealed
//! already (see `service`), so a copied disk or bucket shows nothing.
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;

type Io<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// A key-value store of blobs. Keys are made by the service (`ab/<uuid>`), never by clients.
pub trait MediaStore: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> Io<'a, ()>;
    fn get<'a>(&'a self, key: &'a str) -> Io<'a, Vec<u8>>;
    fn delete<'a>(&'a self, key: &'a str) -> Io<'a, ()>;
}

/// Files under a folder (default `data_dir/media`).
pub struct LocalFolder {
    root: PathBuf,
}

impl LocalFolder {
    pub fn new(root: PathBuf) -> LocalFolder {
        LocalFolder { root }
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        let safe = !key.is_empty()
            && key
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        if safe {
            Ok(self.root.join(key))
        } else {
            Err(io::Error::new(io::ErrorKind::InvalidInput, "bad media key"))
        }
    }
}

impl MediaStore for LocalFolder {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> Io<'a, ()> {
        Box::pin(async move {
            let path = self.path(key)?;
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            // Written aside and renamed: a crash never leaves half a file under the key.
            let partial = path.with_extension("partial");
            tokio::fs::write(&partial, bytes).await?;
            tokio::fs::rename(&partial, &path).await
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> Io<'a, Vec<u8>> {
        Box::pin(async move { tokio::fs::read(self.path(key)?).await })
    }

    fn delete<'a>(&'a self, key: &'a str) -> Io<'a, ()> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)?).await {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        })
    }
}
