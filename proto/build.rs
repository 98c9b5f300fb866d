//! Compiles every `.proto` under this crate with protox, a pure-Rust protobuf compiler,
//! so building faceattend never needs a system `protoc`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let files = [
        "faceattend/persons/v1/persons.proto",
        "faceattend/faces/v1/faces.proto",
        "faceattend/attendance/v1/attendance.proto",
    ];
    for file in files {
        println!("cargo:rerun-if-changed={}", root.join(file).display());
    }
    let descriptors = protox::compile(files, [&root])?;
    prost_build::Config::new()
        // `prost::Name`: each message knows its full protobuf name (Content-Type headers).
        .enable_type_names()
        .compile_fds(descriptors)?;
    Ok(())
}
