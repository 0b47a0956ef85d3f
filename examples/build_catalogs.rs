//! Regenerates the bundled catalogs in `datasets/catalogs/` from the price snapshots in
//! `datasets/prices/`: `cargo run --example build_catalogs [PRICES_DIR] [OUT_DIR]`.

use std::path::PathBuf;

fn main() -> std::process::ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut args = std::env::args().skip(1);
    let prices = args.next().map(PathBuf::from).unwrap_or_else(|| root.join("datasets/prices"));
    let out = args.next().map(PathBuf::from).unwrap_or_else(|| root.join("datasets/catalogs"));
    match capsim::pricing::build_bundled(&prices, &out) {
        Ok(built) => {
            for b in built {
                let r = &b.report;
                println!(
                    "{:<26} {:>5} rows, {:>3} flagged, skipped {} without specs, {} with incomplete specs, {} priced at zero",
                    b.name,
                    r.rows,
                    r.flagged,
                    r.skipped_no_specs.len(),
                    r.skipped_bad_specs.len(),
                    r.skipped_zero_price.len()
                );
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
