//! The kubeconfig `taintsim serve` writes (cluster, user with the bearer token, context
//! `taintsim`), and the token itself.

use std::io::Read as _;
use std::path::Path;

/// The context's name.
pub const CONTEXT: &str = "taintsim";

/// A fresh bearer token: 32 hex digits from the operating system's randomness (the token is
/// no part of the simulation, which stays deterministic).
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        use std::hash::{BuildHasher as _, Hasher as _};
        for chunk in bytes.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(std::process::id().into());
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The kubeconfig text for `server` (`https://host:port`), the CA file `ca` and `token`.
pub fn text(server: &str, ca: &Path, token: &str) -> String {
    let ca = ca.display();
    format!(
        "apiVersion: v1\n\
         kind: Config\n\
         clusters:\n\
         - name: {CONTEXT}\n  cluster:\n    server: {server}\n    certificate-authority: {ca}\n\
         users:\n\
         - name: {CONTEXT}\n  user:\n    token: {token}\n\
         contexts:\n\
         - name: {CONTEXT}\n  context:\n    cluster: {CONTEXT}\n    user: {CONTEXT}\n    namespace: default\n\
         current-context: {CONTEXT}\n"
    )
}

/// Writes the kubeconfig to `path` and the CA certificate `ca_pem` beside it, as
/// `<path>.ca.crt` (creating the folder); the kubeconfig is readable by the owner only since it
/// holds the token.
pub fn write(path: &Path, server: &str, ca_pem: &str, token: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut ca_path = path.as_os_str().to_owned();
    ca_path.push(".ca.crt");
    let ca_path = std::path::PathBuf::from(ca_path);
    std::fs::write(&ca_path, ca_pem)?;
    // The kubeconfig names the CA file by an absolute path, so that it works from anywhere.
    let ca_path = std::fs::canonicalize(&ca_path)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    use std::io::Write as _;
    let mut file = options.open(path)?;
    file.write_all(text(server, &ca_path, token).as_bytes())
}
