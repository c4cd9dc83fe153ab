//! What a recipe is: the data that one CWE family contributes to the generator.
//!
//! Two shapes cover every weakness in the catalog:
//!
//! - [`Recipe::Taint`]: untrusted input reaches a sink. The recipe lists its sinks, each a small body
//!   of statements with a vulnerable form and one or more fixed forms. The generator supplies
//!   everything around it (framework, source of the input, data flow, names, style, unrelated code),
//!   so one sink yields many different-looking modules.
//! - [`Recipe::Module`]: the weakness is the shape of a whole handler or module (a route missing
//!   its authorization check, a hard-coded key). The recipe gives complete module templates, one
//!   vulnerable/fixed pair each; the generator fills names and adds unrelated code.
//!
//! # Template language
//! Templates are Python source with **slots** written `$name` (lower-case letters and `_`), filled
//! from the pools in `names.rs` (`$v` is the variable holding the untrusted input; see
//! [`SLOTS`](super::names::SLOTS) for the full list). A template must only *read* `$v`, never assign it.
//! A line that ends with `#@` marks where the weakness is: the generator removes the marker and
//! records that line as the label (on the vulnerable form; on the fixed form, the marker shows the
//! line the fix touched, used by the review check "the twins differ only around the fix"). Body
//! templates start at column 0 and end by assigning `$out`, the value the handler returns.

use crate::cwe::CweId;

/// The kind of value a sink consumes, so the generator picks a fitting source and variable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// Free text: a search term, a name, a comment.
    Text,
    /// A file name or relative path.
    Path,
    /// A URL or host.
    Url,
    /// Raw bytes from a request body, socket or file (serialized data, XML, archives).
    Payload,
    /// A number given as text (page size, count, id).
    Number,
    /// A regular expression or a template given by a user.
    Pattern,
}

/// One way a weakness happens at a sink, and how a reviewer would fix it.
#[derive(Debug, Clone, Copy)]
pub struct Sink {
    /// Stable and unique within the recipe, e.g. `sqlite3-fstring`; part of the family id.
    pub name: &'static str,
    pub input: Input,
    /// Import lines both forms need, e.g. `import sqlite3`.
    pub imports: &'static [&'static str],
    /// Module-level lines both forms need (constants, a connection factory); may use slots.
    pub setup: &'static str,
    /// The vulnerable body (statements at column 0, ending by assigning `$out`, sink line marked `#@`).
    pub vulnerable: &'static str,
    /// Fixed bodies; the generator picks one per example.
    pub fixed: &'static [Fix],
    /// One sentence on why the vulnerable form is vulnerable (slots allowed).
    pub why: &'static str,
    /// Frameworks the sink fits (see `scaffold::FRAMEWORKS` for names); empty = all.
    pub frameworks: &'static [&'static str],
    /// Whether the vulnerable body is also safe when `$v` holds a constant instead of input
    /// (e.g. `subprocess.run(f"ls {d}", shell=True)` with `d = "/var/log"`). Such constants make
    /// hard negatives: code that looks dangerous and is not.
    pub constant_is_safe: bool,
}

/// A fixed form of a sink.
#[derive(Debug, Clone, Copy)]
pub struct Fix {
    /// Extra imports the fix needs, e.g. `import shlex`.
    pub imports: &'static [&'static str],
    /// The fixed body (same conventions as [`Sink::vulnerable`]).
    pub body: &'static str,
    /// One sentence on why the fixed form is safe.
    pub why: &'static str,
}

/// A complete module pair for weaknesses that are a handler's or a module's shape.
#[derive(Debug, Clone, Copy)]
pub struct ModulePair {
    /// Stable and unique within the recipe; part of the family id.
    pub name: &'static str,
    /// The framework the template is written for (for the card's counts).
    pub framework: &'static str,
    /// The vulnerable module (slots allowed, weakness line marked `#@`).
    pub vulnerable: &'static str,
    /// The same module, fixed (marker on the line the fix touched).
    pub fixed: &'static str,
    pub why_vulnerable: &'static str,
    pub why_fixed: &'static str,
}

/// One CWE family's contribution.
#[derive(Debug, Clone, Copy)]
pub enum Recipe {
    Taint { name: &'static str, version: u32, cwe: CweId, sinks: &'static [Sink] },
    Module { name: &'static str, version: u32, cwe: CweId, pairs: &'static [ModulePair] },
}

impl Recipe {
    pub fn name(&self) -> &'static str {
        match self {
            Recipe::Taint { name, .. } | Recipe::Module { name, .. } => name,
        }
    }

    pub fn version(&self) -> u32 {
        match self {
            Recipe::Taint { version, .. } | Recipe::Module { version, .. } => *version,
        }
    }

    pub fn cwe(&self) -> CweId {
        match self {
            Recipe::Taint { cwe, .. } | Recipe::Module { cwe, .. } => *cwe,
        }
    }

    /// Number of variants (sinks or module pairs).
    pub fn variant_count(&self) -> usize {
        match self {
            Recipe::Taint { sinks, .. } => sinks.len(),
            Recipe::Module { pairs, .. } => pairs.len(),
        }
    }
}
