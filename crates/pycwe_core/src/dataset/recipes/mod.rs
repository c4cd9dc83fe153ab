//! One recipe file per CWE family (a file may hold the recipes of closely related CWEs); `GROUPS`
//! lists every file's recipes for the generator.

mod access_control;
mod authentication;
mod code_injection;
mod command;
mod credentials;
mod crypto;
mod csrf;
mod deserialization;
mod exposure;
mod headers_logs;
mod idioms;
mod ldap_xpath;
mod near_miss;
mod open_redirect;
mod os_command;
mod partial_guard;
mod path_traversal;
mod redos;
mod resources;
mod sqli;
mod ssrf;
mod template_injection;
mod tls_tempfiles;
mod upload;
mod xss;
mod xxe;

use super::recipe::Recipe;

const GROUPS: &[&[Recipe]] = &[
    sqli::RECIPES,
    xss::RECIPES,
    path_traversal::RECIPES,
    os_command::RECIPES,
    command::RECIPES,
    code_injection::RECIPES,
    ssrf::RECIPES,
    deserialization::RECIPES,
    upload::RECIPES,
    resources::RECIPES,
    redos::RECIPES,
    template_injection::RECIPES,
    open_redirect::RECIPES,
    ldap_xpath::RECIPES,
    headers_logs::RECIPES,
    xxe::RECIPES,
    access_control::RECIPES,
    authentication::RECIPES,
    csrf::RECIPES,
    credentials::RECIPES,
    exposure::RECIPES,
    crypto::RECIPES,
    tls_tempfiles::RECIPES,
];

/// Which recipes a dataset is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecipeSet {
    /// The recipes `data/top25-500` was built from: handlers of web frameworks, queues and sockets.
    /// Kept as it was so that set (and every figure measured on it) stays reproducible.
    #[default]
    Core,
    /// Core plus the short idioms of `idioms.rs`, and every sink also rendered as a plain library
    /// function or method whose parameters carry the input.
    Wide,
    /// Wide plus the near-miss pairs of `near_miss.rs`: a flawed guard, escape or check against a
    /// correct one, twins that differ by a token or two.
    NearMiss,
    /// Near-miss plus the partial guards of `partial_guard.rs` (one input guarded, another not),
    /// and handlers that return the sink's value directly (`return redirect(target)`) rather than
    /// through a result variable.
    Varied,
    /// Varied, with every function's type annotations redrawn independently of its label
    /// ([`crate::dataset::annotations`]): in the earlier sets `-> bool` or `-> str` meant "safe".
    Typed,
    /// Typed, with each pair's layout rewritten in both twins alike where the meaning allows
    /// ([`crate::dataset::layouts`]): adapters had learned where the recipes put a query or an allowlist.
    Layouts,
    /// Layouts, with a value folded into the `return` right after it
    /// ([`crate::dataset::inline_return`]): every sink ended in an assignment, real handlers return
    /// what they build.
    Returns,
}

impl RecipeSet {
    /// Whether the set holds the wide recipes (and so draws plain library functions too).
    pub fn is_wide(&self) -> bool {
        matches!(
            self,
            RecipeSet::Wide
                | RecipeSet::NearMiss
                | RecipeSet::Varied
                | RecipeSet::Typed
                | RecipeSet::Layouts
                | RecipeSet::Returns
        )
    }

    /// The set's name on the command line and in a dataset card.
    pub fn name(&self) -> &'static str {
        match self {
            RecipeSet::Core => "core",
            RecipeSet::Wide => "wide",
            RecipeSet::NearMiss => "near-miss",
            RecipeSet::Varied => "varied",
            RecipeSet::Typed => "typed",
            RecipeSet::Layouts => "layouts",
            RecipeSet::Returns => "returns",
        }
    }

    /// Whether a single-sink handler may return the sink's value directly.
    pub fn returns_directly(&self) -> bool {
        matches!(self, RecipeSet::Varied | RecipeSet::Typed | RecipeSet::Layouts | RecipeSet::Returns)
    }

    /// Whether function annotations are redrawn independently of the label.
    pub fn redraws_annotations(&self) -> bool {
        matches!(self, RecipeSet::Typed | RecipeSet::Layouts | RecipeSet::Returns)
    }

    /// Whether each pair's layout is rewritten (a statement hoisted out of a `with`, a constant made local).
    pub fn rewrites_layouts(&self) -> bool {
        matches!(self, RecipeSet::Layouts | RecipeSet::Returns)
    }

    /// Whether a value is folded into the `return` that follows it.
    pub fn inlines_returns(&self) -> bool {
        *self == RecipeSet::Returns
    }

    /// By reference, as serde's `skip_serializing_if` calls it.
    pub fn is_core(&self) -> bool {
        *self == RecipeSet::Core
    }
}

/// The recipes of one set, in a stable order.
pub fn recipes(set: RecipeSet) -> Vec<&'static Recipe> {
    let core = GROUPS.iter().flat_map(|g| g.iter());
    match set {
        RecipeSet::Core => core.collect(),
        RecipeSet::Wide => core.chain(idioms::RECIPES.iter()).collect(),
        RecipeSet::NearMiss => core.chain(idioms::RECIPES.iter()).chain(near_miss::RECIPES.iter()).collect(),
        RecipeSet::Varied | RecipeSet::Typed | RecipeSet::Layouts | RecipeSet::Returns => core
            .chain(idioms::RECIPES.iter())
            .chain(near_miss::RECIPES.iter())
            .chain(partial_guard::RECIPES.iter())
            .collect(),
    }
}

/// Every recipe the generator knows (the varied set, the largest), in a stable order.
pub fn all_recipes() -> Vec<&'static Recipe> {
    recipes(RecipeSet::Varied)
}
