//! The OpenAPI documents the web console's TypeScript types are generated from
//! (`services/console/web/openapi/*.json`) are those the services serve: a change of a
//! contract fails here until the files are regenerated (`make console-openapi`), and then
//! fails the console's type check wherever the app no longer fits the contract.

use std::path::PathBuf;

use serde_json::Value;
use utoipa::OpenApi;

fn documents() -> Vec<(&'static str, Value)> {
    vec![
        (
            "console",
            serde_json::to_value(console::openapi::ApiDoc::openapi()).unwrap(),
        ),
        (
            "person-api",
            serde_json::to_value(person_api::openapi::ApiDoc::openapi()).unwrap(),
        ),
        (
            "attendance-api",
            serde_json::to_value(attendance_api::openapi::ApiDoc::openapi()).unwrap(),
        ),
    ]
}

#[test]
fn the_web_apps_openapi_files_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web/openapi");
    let update = std::env::var_os("UPDATE_OPENAPI").is_some();
    let mut stale = Vec::new();
    for (service, document) in documents() {
        let path = dir.join(format!("{service}.json"));
        let committed: Option<Value> = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        if committed.as_ref() == Some(&document) {
            continue;
        }
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            let mut text = serde_json::to_string_pretty(&document).unwrap();
            text.push('\n');
            std::fs::write(&path, text).unwrap();
        } else {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date with the services (run `make console-openapi`, then the web app's type check): {stale:?}"
    );
}

/// OpenAPI requires every operationId to be unique (the generators key their functions on it).
#[test]
fn every_operation_id_is_unique() {
    for (service, document) in documents() {
        let mut seen = std::collections::BTreeMap::new();
        for (path, operations) in document["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                if let Some(id) = operation["operationId"].as_str()
                    && let Some(other) = seen.insert(id.to_owned(), format!("{method} {path}"))
                {
                    panic!("{service}: operationId {id:?} names both {other} and {method} {path}");
                }
            }
        }
    }
}
