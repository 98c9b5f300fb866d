//! `proto/asyncapi.yaml`, the bus contract for event consumers, checked against what the code
//! declares: it must be a valid AsyncAPI 3.0.0 document, describe every stream and key-value
//! bucket of the catalogue as configured, give every channel a subject its stream holds, and
//! name every protobuf message of `proto/` that travels on its own on some channel.
//!
//! The concrete subjects the services publish are checked where they are declared (each
//! publishing crate has a test that its subjects are channels of the document).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use faceattend_bus::{KvSpec, StreamSpec};
use prost::Message;
use serde_json::Value;

fn proto_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../proto")
}

fn document() -> Value {
    let text = std::fs::read_to_string(proto_dir().join("asyncapi.yaml"))
        .expect("proto/asyncapi.yaml is readable");
    serde_norway::from_str(&text).expect("proto/asyncapi.yaml is YAML")
}

fn object<'a>(value: &'a Value, what: &str) -> &'a serde_json::Map<String, Value> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("{what} is an object"))
}

/// Every `"$ref"` string anywhere in `value`, with the path where it was found.
fn refs(value: &Value, at: &str, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref"
                    && let Value::String(target) = child
                {
                    found.push((at.to_owned(), target.clone()));
                }
                refs(child, &format!("{at}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                refs(child, &format!("{at}/{index}"), found);
            }
        }
        _ => {}
    }
}

/// Whether a NATS subject pattern (`*` one token, `>` one or more) holds every subject of a
/// channel address, whose `{parameters}` stand for one or more tokens.
fn pattern_holds(pattern: &str, address: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let address: Vec<&str> = address.split('.').collect();
    for (index, token) in pattern.iter().enumerate() {
        match *token {
            ">" => return address.len() > index,
            _ if index >= address.len() => return false,
            "*" if !address[index].starts_with('{') => {}
            // A parameter may be several tokens (a dead letter's original subject): only a
            // `>` holds it for sure, unless it is the last token of both.
            "*" => return index == pattern.len() - 1 && index == address.len() - 1,
            literal if literal == address[index] => {}
            _ => return false,
        }
    }
    pattern.len() == address.len()
}

#[test]
fn the_subject_matcher_agrees_with_nats() {
    assert!(pattern_holds("persons.v1.>", "persons.v1.created"));
    assert!(pattern_holds("faces.v1.>", "faces.v1.{camera_id}"));
    assert!(pattern_holds("deadletter.v1.>", "deadletter.v1.{subject}"));
    assert!(!pattern_holds("persons.v1.>", "persons.v1"));
    assert!(!pattern_holds("persons.v1.>", "faces.v1.created"));
    assert!(!pattern_holds("persons.v1.*", "persons.v1.{many}.x"));
    assert!(pattern_holds("persons.v1.*", "persons.v1.created"));
}

#[test]
fn the_document_is_valid_asyncapi_3() {
    let schema_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/asyncapi/asyncapi-3.0.0.schema.json"),
    )
    .expect("the vendored AsyncAPI schema is readable");
    let schema: Value = serde_json::from_str(&schema_text).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the AsyncAPI schema compiles");
    let document = document();
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid AsyncAPI 3.0.0:\n{}",
        errors.join("\n")
    );

    // The schema leaves references unchecked: every one inside the document must point at
    // something, and every file one names must exist beside it.
    let mut found = Vec::new();
    refs(&document, "", &mut found);
    assert!(found.len() > 50, "the document is built from references");
    for (at, target) in found {
        if let Some(pointer) = target.strip_prefix('#') {
            assert!(
                document.pointer(pointer).is_some(),
                "{at}: $ref {target} points at nothing"
            );
        } else {
            assert!(
                proto_dir().join(&target).is_file(),
                "{at}: $ref {target} names no file under proto/"
            );
        }
    }
}

#[test]
fn every_stream_and_bucket_is_documented_as_configured() {
    let document = document();
    let jetstream = &document["x-jetstream"];
    let streams: BTreeMap<&str, &Value> = jetstream["streams"]
        .as_array()
        .expect("x-jetstream.streams is a list")
        .iter()
        .map(|s| (s["name"].as_str().expect("a stream has a name"), s))
        .collect();
    let declared: BTreeSet<&str> = StreamSpec::CATALOGUE.iter().map(|s| s.base_name).collect();
    assert_eq!(
        streams.keys().copied().collect::<BTreeSet<_>>(),
        declared,
        "x-jetstream.streams lists exactly the catalogue's streams"
    );
    for spec in StreamSpec::CATALOGUE {
        let stream = streams[spec.base_name];
        let subjects: Vec<&str> = stream["subjects"]
            .as_array()
            .expect("subjects")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(subjects, spec.subjects, "{}: subjects", spec.base_name);
        assert_eq!(
            stream["max_age_seconds"].as_u64(),
            Some(spec.max_age.as_secs()),
            "{}: max age",
            spec.base_name
        );
        assert_eq!(
            stream["duplicate_window_seconds"].as_u64(),
            Some(spec.duplicate_window.as_secs()),
            "{}: duplicate window",
            spec.base_name
        );
        // What `StreamSpec::to_config` sets for every stream.
        for (key, value) in [
            ("retention", "limits"),
            ("storage", "file"),
            ("discard", "old"),
        ] {
            assert_eq!(stream[key], value, "{}: {key}", spec.base_name);
        }
    }
    let buckets: BTreeMap<&str, &Value> = jetstream["key_value_buckets"]
        .as_array()
        .expect("x-jetstream.key_value_buckets is a list")
        .iter()
        .map(|b| (b["name"].as_str().expect("a bucket has a name"), b))
        .collect();
    assert_eq!(
        buckets.keys().copied().collect::<BTreeSet<_>>(),
        KvSpec::CATALOGUE.iter().map(|b| b.base_name).collect(),
        "x-jetstream.key_value_buckets lists exactly the catalogue's buckets"
    );
    for spec in KvSpec::CATALOGUE {
        assert_eq!(
            buckets[spec.base_name]["history"].as_i64(),
            Some(spec.history)
        );
    }

    // Every channel of a stream is a subject the stream holds, and every stream and bucket
    // has a channel.
    let channels = object(&document["channels"], "channels");
    let mut covered = BTreeSet::new();
    for (name, channel) in channels {
        if let Some(stream) = channel["x-jetstream-stream"].as_str() {
            let spec = StreamSpec::CATALOGUE
                .iter()
                .find(|s| s.base_name == stream)
                .unwrap_or_else(|| panic!("channel {name}: no stream {stream} in the catalogue"));
            let address = channel["address"]
                .as_str()
                .expect("a stream's channel has an address");
            assert!(
                spec.subjects.iter().any(|p| pattern_holds(p, address)),
                "channel {name}: {address} is not a subject of {stream} ({:?})",
                spec.subjects
            );
            covered.insert(stream.to_owned());
        }
        if let Some(bucket) = channel["x-jetstream-kv"].as_str() {
            assert!(
                KvSpec::CATALOGUE.iter().any(|b| b.base_name == bucket),
                "channel {name}: no bucket {bucket} in the catalogue"
            );
            assert!(
                channel["address"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("$KV.")),
                "channel {name}: a bucket's subjects are $KV.<bucket>.<key>"
            );
            covered.insert(bucket.to_owned());
        }
    }
    for name in StreamSpec::CATALOGUE
        .iter()
        .map(|s| s.base_name)
        .chain(KvSpec::CATALOGUE.iter().map(|b| b.base_name))
    {
        assert!(
            covered.contains(name),
            "{name} has no channel in the document"
        );
    }
}

/// The `proto=` names of every message a channel carries.
fn documented_protobufs(document: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (name, channel) in object(&document["channels"], "channels") {
        let Some(messages) = channel["messages"].as_object() else {
            continue;
        };
        for message in messages.values() {
            let message = match message["$ref"].as_str() {
                Some(target) => document
                    .pointer(target.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("channel {name}: {target} points at nothing")),
                None => message,
            };
            if let Some(proto) = message["contentType"]
                .as_str()
                .and_then(|c| c.strip_prefix("application/protobuf; proto="))
            {
                names.insert(proto.to_owned());
            }
        }
    }
    names
}

#[test]
fn every_protobuf_message_is_documented() {
    let set = prost_types::FileDescriptorSet::decode(faceattend_proto::FILE_DESCRIPTOR_SET)
        .expect("the compiled schemas decode");
    let mut all = BTreeSet::new();
    let mut used_as_field = BTreeSet::new();
    let mut files = BTreeSet::new();
    for file in &set.file {
        let package = file.package();
        if !package.starts_with("faceattend.") {
            continue;
        }
        files.insert(file.name().to_owned());
        for message in &file.message_type {
            all.insert(format!("{package}.{}", message.name()));
            for field in &message.field {
                if !field.type_name().is_empty() {
                    used_as_field.insert(field.type_name().trim_start_matches('.').to_owned());
                }
            }
        }
    }
    assert!(
        all.len() > 20,
        "the descriptor set holds the project's messages"
    );
    // A message that is no other message's field travels on its own: it is some subject's
    // payload, and the document must say which.
    let standalone: BTreeSet<String> = all.difference(&used_as_field).cloned().collect();
    let documented = documented_protobufs(&document());
    let missing: Vec<&String> = standalone.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "messages of proto/ no channel of proto/asyncapi.yaml carries: {missing:?}"
    );
    let unknown: Vec<&String> = documented.difference(&all).collect();
    assert!(
        unknown.is_empty(),
        "proto/asyncapi.yaml names messages proto/ does not define: {unknown:?}"
    );
    // And every schema file is the payload schema of some message, so a consumer finds the
    // field types (Person, Mark, Box, ...) from the document.
    let text = std::fs::read_to_string(proto_dir().join("asyncapi.yaml")).expect("readable");
    for file in files {
        assert!(
            text.contains(&format!("$ref: '{file}'")),
            "proto/asyncapi.yaml never refers to {file}"
        );
    }
}

#[test]
fn dead_letters_go_on_their_channel() {
    assert_eq!(
        faceattend_proto::asyncapi_channel_for(&faceattend_bus::dead_letter_subject(
            "detections.v1.door-1"
        )),
        Some("deadletter.v1.{original_subject}")
    );
}
