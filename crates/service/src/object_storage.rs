//! Where services keep files (enrolment photos, camera snapshots): an object store (the
//! `object_store` crate) named by a URL, opened the same way everywhere.
//!
//! `file:///var/lib/faceattend/images` (or a plain path) is a local directory;
//! `s3://bucket/prefix` is S3 or any S3-compatible service, configured by the usual `AWS_*`
//! variables (`AWS_ENDPOINT` for MinIO or SeaweedFS, `AWS_ALLOW_HTTP=true` for a plain-HTTP
//! endpoint). Keys are relative to the URL's prefix.

use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

#[derive(Debug, thiserror::Error)]
pub enum ObjectStorageError {
    #[error("invalid object store URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
}

#[derive(Clone)]
pub struct ObjectStorage {
    store: Arc<dyn ObjectStore>,
    /// Where the keys start inside the store (the URL's path for S3).
    prefix: ObjectPath,
    description: String,
}

impl ObjectStorage {
    pub fn from_url(url: &str) -> Result<Self, ObjectStorageError> {
        let invalid = |reason: String| ObjectStorageError::InvalidUrl {
            url: url.to_owned(),
            reason,
        };
        if let Some(bucket_and_prefix) = url.strip_prefix("s3://") {
            let (bucket, prefix) = bucket_and_prefix
                .split_once('/')
                .unwrap_or((bucket_and_prefix, ""));
            if bucket.is_empty() {
                return Err(invalid("the bucket name is missing".to_owned()));
            }
            let store = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| invalid(e.to_string()))?;
            return Ok(Self {
                store: Arc::new(store),
                prefix: ObjectPath::from(prefix),
                description: format!("s3://{bucket_and_prefix}"),
            });
        }
        let directory = url.strip_prefix("file://").unwrap_or(url);
        if directory.is_empty() {
            return Err(invalid("the directory is missing".to_owned()));
        }
        std::fs::create_dir_all(directory).map_err(|e| invalid(e.to_string()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(directory)
            .map_err(|e| invalid(e.to_string()))?
            // A half-written file is never visible under its final name.
            .with_automatic_cleanup(true);
        Ok(Self {
            store: Arc::new(store),
            prefix: ObjectPath::from(""),
            description: format!("file://{directory}"),
        })
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    fn path(&self, key: &str) -> ObjectPath {
        if self.prefix.as_ref().is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), ObjectStorageError> {
        self.store
            .put(&self.path(key), PutPayload::from_bytes(bytes))
            .await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, ObjectStorageError> {
        Ok(self.store.get(&self.path(key)).await?.bytes().await?)
    }

    /// Reads an object; one that is not there is `None`, so a caller can tell a missing object
    /// (its own data is inconsistent) from a store that cannot be reached (retry later).
    pub async fn get_if_exists(&self, key: &str) -> Result<Option<Bytes>, ObjectStorageError> {
        let read = async { self.store.get(&self.path(key)).await?.bytes().await };
        match read.await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Deletes an object; one that is already gone counts as deleted.
    pub async fn delete(&self, key: &str) -> Result<(), ObjectStorageError> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Whether the store answers (readiness).
    pub async fn check(&self) -> Result<(), ObjectStorageError> {
        match self.store.head(&self.path("readiness-probe")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}
