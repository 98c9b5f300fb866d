//! Compiles every `.proto` under this crate with protox, a pure-Rust protobuf compiler,
//! so building faceattend never needs a system `protoc`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let files = [
        "faceattend/persons/v1/persons.proto",
        "faceattend/faces/v1/faces.proto",
        "faceattend/attendance/v1/attendance.proto",
        "faceattend/cameras/v1/cameras.proto",
    ];
    for file in files {
        println!("cargo:rerun-if-changed={}", root.join(file).display());
    }
    let mut compiler = protox::Compiler::new([&root])?;
    compiler
        .include_source_info(true)
        .include_imports(true)
        .open_files(files)?;
    // Kept for reflection: `FILE_DESCRIPTOR_SET` lists every message (the AsyncAPI test).
    std::fs::write(
        out.join("file_descriptor_set.bin"),
        compiler.encode_file_descriptor_set(),
    )?;
    prost_build::Config::new()
        // `prost::Name`: each message knows its full protobuf name (Content-Type headers).
        .enable_type_names()
        .compile_fds(compiler.file_descriptor_set())?;
    Ok(())
}
