//! The in-memory gallery follows the FACE_GALLERY bucket: late replicas catch up, deletions
//! reach every replica within a second.

use std::time::Duration;

use faceattend_proto::faces::v1 as wire;
use uuid::Uuid;

use crate::helpers::{cleanup, eventually, faces_dir, new_namespace, photo, spawn_embedder};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_replica_catches_up_and_deletions_reach_every_replica() {
    let Some(faces) = faces_dir() else { return };
    let namespace = new_namespace();
    let mut first = spawn_embedder(&namespace).await;
    let person = Uuid::new_v4();
    first
        .enrol(
            person,
            &[
                photo(&faces, "person02/img3.jpg"),
                photo(&faces, "person02/img53.jpg"),
            ],
        )
        .await;

    // A replica started after the enrolment builds its gallery from the bucket before it
    // reports ready; the first one is then stopped, so every request reaches the late one.
    let second = spawn_embedder(&namespace).await;
    assert!(first.stop().await, "the first replica stops cleanly");
    let probe = photo(&faces, "person02/img54.jpg");
    let reply = second.identify(probe.clone()).await.expect("identified");
    assert_eq!(reply.gallery_size, 2);
    let best = reply.faces[0].best.as_ref().expect("matched");
    assert_eq!(best.person_id, person.to_string());

    // A third replica runs beside the second; a purge must empty both within a second.
    let third = spawn_embedder(&namespace).await;
    second
        .gallery()
        .await
        .purge(person.to_string())
        .await
        .expect("purge");
    let purged_everywhere = eventually(Duration::from_secs(1), || async {
        let gauge = "face_gallery_encodings{service=\"face-embedder\"} 0";
        second.metrics().await.contains(gauge) && third.metrics().await.contains(gauge)
    })
    .await;
    assert!(
        purged_everywhere,
        "the deletion reached both replicas within a second"
    );
    for _ in 0..4 {
        let reply = third.identify(probe.clone()).await.expect("identified");
        assert_eq!(reply.faces[0].decision, wire::Decision::Unknown as i32);
    }

    cleanup(&namespace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_replaces_the_person_and_bad_entries_are_skipped() {
    let Some(faces) = faces_dir() else { return };
    let namespace = new_namespace();
    let embedder = spawn_embedder(&namespace).await;
    let person = Uuid::new_v4();
    embedder
        .enrol(
            person,
            &[
                photo(&faces, "person04/img13.jpg"),
                photo(&faces, "person04/img14.jpg"),
            ],
        )
        .await;
    let gauge = |n: usize| format!("face_gallery_encodings{{service=\"face-embedder\"}} {n}");
    assert!(
        eventually(Duration::from_secs(5), || async {
            embedder.metrics().await.contains(&gauge(2))
        })
        .await
    );
    // Re-enrolling with one photo replaces both encodings rather than adding to them.
    embedder
        .enrol(person, &[photo(&faces, "person04/img15.jpg")])
        .await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            embedder.metrics().await.contains(&gauge(1))
        })
        .await
    );
    // Garbage under a key, and a key that is not a person id, change nothing else.
    let store = embedder.gallery().await;
    store
        .put("not-a-person", bytes::Bytes::from_static(b"x"))
        .await
        .unwrap();
    store
        .put(
            Uuid::new_v4().to_string(),
            bytes::Bytes::from_static(b"\xff\xff"),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(embedder.metrics().await.contains(&gauge(1)));

    cleanup(&namespace).await;
}
