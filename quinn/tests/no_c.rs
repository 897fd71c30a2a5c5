//! The point of this crate: quinn without C. `cargo tree` of this
//! package's normal dependencies (and their build scripts'
//! dependencies) names no crate that binds or compiles C — ring,
//! aws-lc, a `cc` or `cmake` build — even though the workspace's
//! `compare/` member uses quinn with rustls on aws-lc-rs.

use std::process::Command;

/// Crates that mean C in the build.
const C_CRATES: [&str; 6] = [
    "ring",
    "aws-lc-rs",
    "aws-lc-sys",
    "cc",
    "cmake",
    "openssl-sys",
];

fn tree(edges: &str) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = Command::new(cargo)
        .args(["tree", "--offline", "--prefix", "none", "-e", edges])
        .args(["--manifest-path", manifest, "-p", "tls13-quinn"])
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The crate names of `cargo tree --prefix none` lines ("name vX.Y.Z ...").
fn names(tree: &str) -> Vec<&str> {
    tree.lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect()
}

#[test]
fn no_c_in_the_dependency_tree() {
    for edges in ["normal", "normal,build"] {
        let tree = tree(edges);
        let names = names(&tree);
        // The tree is the real one: quinn-proto and tls13 are in it.
        assert!(names.contains(&"quinn-proto"), "{tree}");
        assert!(names.contains(&"tls13"), "{tree}");
        for c in C_CRATES {
            assert!(
                !names.contains(&c),
                "`{c}` in `cargo tree -e {edges}`:\n{tree}"
            );
        }
    }
}

/// The check itself can fail: the same tree with dev-dependencies holds
/// quinn, and `names` finds crates by exact name.
#[test]
fn the_check_sees_crates() {
    let tree = tree("normal,dev");
    let names = names(&tree);
    assert!(names.contains(&"quinn"), "{tree}");
    assert!(!names.contains(&"quin"));
}
