//! A certificate authority made for one test with the `openssl` command,
//! and a relay certificate it signed for 127.0.0.1: what a council's
//! internal CA and its relay look like to slawatch.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files of a test CA and the relay certificate it issued.
pub struct TestCa {
    /// The CA's certificate (PEM): what `[email] ca_file` names.
    pub ca_cert: PathBuf,
    /// The relay's certificate (PEM), for 127.0.0.1 and localhost.
    pub relay_cert: PathBuf,
    /// The relay's private key (PEM).
    pub relay_key: PathBuf,
}

/// Makes a CA and a relay certificate in `dir`.
pub fn make(dir: &Path) -> TestCa {
    let ca = TestCa {
        ca_cert: dir.join("council-ca.pem"),
        relay_cert: dir.join("relay.pem"),
        relay_key: dir.join("relay.key"),
    };
    let ca_key = dir.join("council-ca.key");
    let csr = dir.join("relay.csr");
    let ext = dir.join("relay.ext");
    std::fs::write(
        &ext,
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .expect("write the extensions file");
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &["-days", "2", "-subj", "/CN=Council Test Root CA"],
            &["-addext", "basicConstraints=critical,CA:TRUE"],
            &["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ]
        .concat(),
        &[("-keyout", &ca_key), ("-out", &ca.ca_cert)],
    );
    openssl(
        &[&["req"][..], &ec, &["-subj", "/CN=relay.council.internal"]].concat(),
        &[("-keyout", &ca.relay_key), ("-out", &csr)],
    );
    openssl(
        &["x509", "-req", "-days", "2", "-set_serial", "2"],
        &[
            ("-in", &csr),
            ("-CA", &ca.ca_cert),
            ("-CAkey", &ca_key),
            ("-extfile", &ext),
            ("-out", &ca.relay_cert),
        ],
    );
    ca
}

fn openssl(args: &[&str], files: &[(&str, &Path)]) {
    let mut command = Command::new("openssl");
    command.args(args);
    for (flag, path) in files {
        command.arg(flag).arg(path);
    }
    let output = command.output().expect("run openssl");
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
