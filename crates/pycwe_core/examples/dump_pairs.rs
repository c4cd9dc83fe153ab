//! Prints generated pairs for eyeballing: `cargo run -p pycwe_core --example dump_pairs -- N SEED [core|wide|near-miss|varied|typed|layouts|returns]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(4);
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    use pycwe_core::dataset::recipes::RecipeSet;
    let set = match args.get(3).map(String::as_str) {
        Some("wide") => RecipeSet::Wide,
        Some("near-miss") => RecipeSet::NearMiss,
        Some("varied") => RecipeSet::Varied,
        Some("typed") => RecipeSet::Typed,
        Some("layouts") => RecipeSet::Layouts,
        Some("returns") => RecipeSet::Returns,
        _ => RecipeSet::Core,
    };
    for pair in pycwe_core::dataset::generate::generate_pairs(n, seed, set) {
        println!(
            "===== {} {} {:?} [{}] marked v{:?} f{:?}",
            pair.index, pair.family, pair.cwes, pair.framework, pair.vulnerable.marked, pair.fixed.marked
        );
        println!("{}", pair.vulnerable.code);
        println!("----- fixed: {}", pair.why_fixed);
        println!("{}", pair.fixed.code);
    }
}
