//! A database of its own for every test, on the real PostgreSQL named by `TEST_DATABASE_URL`
//! (`make test` sets it; the default is the local standard port) or in an SQLite file.
//!
//! PostgreSQL: `CREATE DATABASE <prefix>_<uuid>`, dropped `WITH (FORCE)` when the
//! [`TestDatabase`] drops, which also closes the connections the test and its app still hold.
//! SQLite: a file in a temporary directory, removed with it.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// The PostgreSQL server tests create their databases on.
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub struct TestDatabase {
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Postgres { admin_url: String, name: String },
    Sqlite { _dir: tempfile::TempDir },
}

impl TestDatabase {
    /// A fresh, empty database; `prefix` names it on PostgreSQL (e.g. `test_person_api`).
    pub async fn create(backend: Backend, prefix: &str) -> Self {
        let suffix = Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Postgres => {
                let admin_url = admin_url();
                let name = format!("{prefix}_{suffix}");
                run_admin_sql(&admin_url, &format!("CREATE DATABASE \"{name}\"")).await;
                let (base, _) = admin_url.rsplit_once('/').expect("database url has a path");
                Self {
                    url: format!("{base}/{name}"),
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                Self {
                    url: format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
                    cleanup: Cleanup::Sqlite { _dir: dir },
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

async fn run_admin_sql(admin_url: &str, sql: &str) {
    let db = sea_orm::Database::connect(admin_url)
        .await
        .expect("test PostgreSQL reachable");
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    db.close().await.ok();
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop cannot await, and the test's runtime may be shutting down: clean up on a
        // runtime of our own.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(run_admin_sql(
                &admin_url,
                &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            ));
        })
        .join()
        .ok();
    }
}
