//! The web app as the browser loads it: files typed and cached right, the app's routes
//! answered with index.html, a strict CSP on everything.
//!
//! Needs the app built (`make test` builds it first: `npm ci && npm run build` in
//! services/console/web).

use crate::helpers::{Backend, spawn_app};

fn built_assets() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/dist/assets");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build the web app first (cd services/console/web && npm ci && npm run build)",
            dir.display()
        )
    });
    entries
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_is_served_with_its_headers() {
    let assets = built_assets();
    let app = spawn_app(Backend::Sqlite).await;

    let index = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(index.status(), 200);
    let headers = index.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(headers["cache-control"], "no-cache");
    let csp = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let html = index.text().await.unwrap();
    // No inline script: every <script> loads a file, as the CSP requires.
    for script in html.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains("src="),
            "inline script in index.html: <script{tag}>"
        );
    }

    // The app's own routes are index.html too (the SPA fallback).
    let route = app
        .client
        .get(app.url("/people/3f1c"))
        .send()
        .await
        .unwrap();
    assert_eq!(route.status(), 200);
    assert_eq!(route.text().await.unwrap(), html);

    // Unchanged since last time: 304.
    let again = app
        .client
        .get(app.url("/"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // Hashed assets are kept a year; each has its type.
    let script = assets
        .iter()
        .find(|a| a.ends_with(".js"))
        .expect("a built script");
    let response = app
        .client
        .get(app.url(&format!("/assets/{script}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    if let Some(style) = assets.iter().find(|a| a.ends_with(".css")) {
        let response = app
            .client
            .get(app.url(&format!("/assets/{style}")))
            .send()
            .await
            .unwrap();
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/css")
        );
    }

    // A missing asset is a 404, not the app; API paths never fall back to the app.
    for path in [
        "/assets/gone-1234.js",
        "/api/v1/nothing",
        "/console/api/v1/nothing",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("json"),
            "{path}"
        );
    }
    let post = app.client.post(app.url("/")).send().await.unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET, HEAD");
}
