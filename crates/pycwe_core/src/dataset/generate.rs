//! The generator: turns recipes into vulnerable/fixed twin records.
//!
//! For each pair it draws one plan (framework, source, flow, names, style, unrelated code) and
//! renders it twice, once with the vulnerable body and once with the fix, so the twins differ only
//! around the fix. Every pair has its own random stream (`seed`, pair index): changing one recipe
//! does not reshuffle the others.

use std::collections::{BTreeMap, BTreeSet};

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::filler::FILLERS;
use super::names::{Names, capitalize};
use super::recipe::{Fix, Input, ModulePair, Recipe, Sink};
use super::recipes::{RecipeSet, all_recipes, recipes};
use super::scaffold::{self, FRAMEWORKS, HandlerNames, InputVar};
use super::string_shape::{StringShape, alias_expr};
use crate::cwe::CweId;

/// A generated twin before review: the code of both sides and what the generator knows about them.
#[derive(Debug, Clone)]
pub struct Pair {
    pub index: usize,
    pub recipe: String,
    pub version: u32,
    /// One per sink, in sink order (`Rendered::marked_by_sink`'s order), not sorted.
    pub cwes: Vec<CweId>,
    pub family: String,
    pub framework: String,
    pub vulnerable: Rendered,
    pub fixed: Rendered,
    pub why_vulnerable: String,
    pub why_fixed: String,
}

/// A rendered module: code without markers, and the 1-based lines that carried a marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub code: String,
    /// Every marked line, in order.
    pub marked: Vec<usize>,
    /// Marked lines per sink (`#@` is sink 0, `#@1` sink 1 in a multi-CWE pair).
    pub marked_by_sink: Vec<Vec<usize>>,
}

/// How the untrusted value travels from the source to the sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Direct,
    Alias,
    Helper,
    Class,
    Dict,
    WeakCheck,
}

impl Flow {
    const ALL: [Flow; 6] = [Flow::Direct, Flow::Alias, Flow::Helper, Flow::Class, Flow::Dict, Flow::WeakCheck];

    fn name(self) -> &'static str {
        match self {
            Flow::Direct => "direct",
            Flow::Alias => "alias",
            Flow::Helper => "helper",
            Flow::Class => "class",
            Flow::Dict => "dict",
            Flow::WeakCheck => "weak-check",
        }
    }
}

/// Share of the wide set's taint pairs written as a plain library function (when the sink fits one).
const LIBRARY_SHARE: f64 = 0.3;

/// Share of the varied set's single-sink pairs (where it fits) whose handler returns the sink's
/// value directly.
const DIRECT_RETURN_SHARE: f64 = 0.7;

/// Where `return <sink expression>` is what real code writes: plain functions and tasks return
/// anything; a web handler returns its HTML or its redirect as is, but wraps other results in JSON.
fn returns_directly_fits(framework: &str, cwe: CweId) -> bool {
    match framework {
        "library" | "celery" | "worker" => true,
        "flask" | "fastapi" => cwe == CweId(79) || cwe == CweId(601),
        _ => false,
    }
}

/// Share of pairs that combine two taint recipes in one handler (multi-CWE examples).
const MULTI_SHARE: f64 = 0.15;

/// Generates `pairs` twin pairs, balanced over the catalog's CWEs.
pub fn generate_pairs(pairs: usize, seed: u64, set: RecipeSet) -> Vec<Pair> {
    allocate(pairs, seed, set).iter().enumerate().map(|(index, job)| generate_job(job, seed, index, 0, set)).collect()
}

/// Renders pair `index` of a plan; `attempt` > 0 draws a different variant of the same job (used
/// when a pair is rejected or duplicates an earlier one, so the CWE balance stays as planned).
pub fn generate_job(job: &Job, seed: u64, index: usize, attempt: u64, set: RecipeSet) -> Pair {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64 + 1 + attempt * (1 << 32));
    let mut pair = match job {
        Job::Single(recipe) => single(&mut rng, index, recipe, set),
        Job::Multi(a, b) => multi(&mut rng, index, a, b, set.is_wide()),
    };
    // Drawn last, so every pair renders as in the varied set before its annotations change.
    if set.redraws_annotations() {
        super::annotations::redraw(&mut rng, &mut pair.vulnerable, &mut pair.fixed);
    }
    // After the annotations, so a layouts pair is its typed pair laid out another way.
    if set.rewrites_layouts() {
        super::layouts::rewrite(&mut rng, &mut pair.vulnerable, &mut pair.fixed);
    }
    // Last again, so a returns pair is its layouts pair with one return folded.
    if set.inlines_returns() {
        super::inline_return::rewrite(&mut rng, &mut pair.vulnerable, &mut pair.fixed);
    }
    pair
}

/// What one pair is made of: one recipe, or two taint recipes sharing a handler.
#[derive(Debug, Clone, Copy)]
pub enum Job {
    Single(&'static Recipe),
    Multi(&'static Recipe, &'static Recipe),
}

/// Decides which recipe(s) each pair uses: always the least-covered CWE so far (ties at random),
/// every `1 / MULTI_SHARE`-th pair a combination of the two least-covered taint recipes.
pub fn allocate(pairs: usize, seed: u64, set: RecipeSet) -> Vec<Job> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let recipes = recipes(set);
    let mut counts: BTreeMap<&'static str, usize> = recipes.iter().map(|r| (r.name(), 0)).collect();
    let every = (1.0 / MULTI_SHARE).round() as usize;
    let mut jobs = Vec::with_capacity(pairs);
    for i in 0..pairs {
        let mut order: Vec<&'static Recipe> = recipes.clone();
        order.shuffle(&mut rng);
        order.sort_by_key(|r| counts[r.name()]); // stable: ties stay shuffled
        let taint: Vec<&'static Recipe> = order.iter().copied().filter(|r| matches!(r, Recipe::Taint { .. })).collect();
        if i % every == every - 1 && taint.len() >= 2 {
            let (a, b) = (taint[0], taint.iter().copied().find(|r| r.cwe() != taint[0].cwe()).unwrap_or(taint[1]));
            *counts.get_mut(a.name()).expect("known") += 1;
            *counts.get_mut(b.name()).expect("known") += 1;
            jobs.push(Job::Multi(a, b));
        } else {
            *counts.get_mut(order[0].name()).expect("known") += 1;
            jobs.push(Job::Single(order[0]));
        }
    }
    jobs
}

fn single(rng: &mut ChaCha8Rng, index: usize, recipe: &Recipe, set: RecipeSet) -> Pair {
    match *recipe {
        Recipe::Taint { name, version, cwe, sinks } => {
            let sink = sinks.choose(rng).expect("recipes have sinks");
            let mut taint = TaintPlan::draw(rng, &[sink], None, set.is_wide());
            let flow = *Flow::ALL.choose(rng).expect("flows");
            let fix = FixChoice::draw(rng, sink);
            // Drawn only in the sets that return directly, so every other set renders as before.
            taint.direct_return = set.returns_directly()
                && returns_directly_fits(taint.framework, cwe)
                && rng.random_bool(DIRECT_RETURN_SHARE);
            let (vulnerable, fixed) = taint.render_twins(rng, &[(sink, fix)], flow);
            let names = &taint.names[0];
            Pair {
                index,
                recipe: name.to_string(),
                version,
                cwes: vec![cwe],
                family: format!("{name}/{}/{}", sink.name, flow.name()),
                framework: taint.framework.to_string(),
                vulnerable,
                fixed,
                why_vulnerable: names.fill(sink.why),
                why_fixed: fix.why(names),
            }
        }
        Recipe::Module { pairs, .. } => {
            let pick = rng.random_range(0..pairs.len());
            module_variant(rng, index, recipe, pick)
        }
    }
}

/// Renders module pair `pick` of a [`Recipe::Module`].
fn module_variant(rng: &mut ChaCha8Rng, index: usize, recipe: &Recipe, pick: usize) -> Pair {
    match *recipe {
        Recipe::Taint { .. } => unreachable!("module_variant takes module recipes"),
        Recipe::Module { name, version, cwe, pairs } => {
            let pair: &ModulePair = &pairs[pick];
            let names = Names::draw(rng, Input::Text);
            let style = Style::draw(rng);
            let vulnerable = render_module_pair(rng.clone(), &names, pair.vulnerable, &style);
            let fixed = render_module_pair(rng.clone(), &names, pair.fixed, &style);
            Pair {
                index,
                recipe: name.to_string(),
                version,
                cwes: vec![cwe],
                family: format!("{name}/{}/module", pair.name),
                framework: pair.framework.to_string(),
                vulnerable,
                fixed,
                why_vulnerable: names.fill(pair.why_vulnerable),
                why_fixed: names.fill(pair.why_fixed),
            }
        }
    }
}

fn multi(rng: &mut ChaCha8Rng, index: usize, a: &Recipe, b: &Recipe, wide: bool) -> Pair {
    let (Recipe::Taint { sinks: sinks_a, .. }, Recipe::Taint { sinks: sinks_b, .. }) = (a, b) else {
        unreachable!("multi pairs combine taint recipes")
    };
    // Two sinks that can live in the same framework.
    let mut candidates = Vec::new();
    for sa in sinks_a.iter() {
        for sb in sinks_b.iter() {
            if !common_frameworks(&[sa, sb], wide).is_empty() && setup_names(sa).is_disjoint(&setup_names(sb)) {
                candidates.push((sa, sb));
            }
        }
    }
    // Some sink pairs can never share a handler (each body assigns the other's input name): such a
    // pair is dropped from the candidates and another drawn.
    let (sa, sb, taint) = loop {
        let pick =
            (0..candidates.len()).collect::<Vec<_>>().choose(rng).copied().expect("taint sinks share web frameworks");
        let (sa, sb) = candidates[pick];
        match TaintPlan::try_draw(rng, &[sa, sb], None, wide) {
            Some(taint) => break (sa, sb, taint),
            None => {
                candidates.swap_remove(pick);
            }
        }
    };
    let (fa, fb) = (FixChoice::draw(rng, sa), FixChoice::draw(rng, sb));
    let (vulnerable, fixed) = taint.render_twins(rng, &[(sa, fa), (sb, fb)], Flow::Direct);
    let (na, nb) = (&taint.names[0], &taint.names[1]);
    // In sink order, as `marked_by_sink` is: the record's labels pair them up by position (sorting
    // here once swapped the two CWEs' lines whenever `a`'s id was the larger).
    let cwes = vec![a.cwe(), b.cwe()];
    Pair {
        index,
        recipe: format!("multi:{}+{}", a.name(), b.name()),
        version: a.version().max(b.version()),
        cwes,
        family: format!("multi/{}.{}+{}.{}/direct", a.name(), sa.name, b.name(), sb.name),
        framework: taint.framework.to_string(),
        vulnerable,
        fixed,
        why_vulnerable: format!("{} {}", na.fill(sa.why), nb.fill(sb.why)),
        why_fixed: format!("{} {}", fa.why(na), fb.why(nb)),
    }
}

/// Names a sink's setup assigns at module level: two sinks sharing a handler must not redefine
/// each other's constants.
fn setup_names(sink: &Sink) -> BTreeSet<&'static str> {
    sink.setup
        .lines()
        .filter_map(|l| l.split_once('=').map(|(name, _)| name.trim()))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .chain(
            sink.setup
                .lines()
                .filter_map(|l| l.strip_prefix("class ").map(|r| r.split(['(', ':']).next().unwrap_or("").trim())),
        )
        .collect()
}

fn common_frameworks(sinks: &[&Sink], wide: bool) -> Vec<&'static str> {
    FRAMEWORKS
        .iter()
        .filter(|fw| wide || !fw.wide_only)
        .filter(|fw| {
            sinks.iter().all(|s| {
                if s.frameworks.is_empty() { fw.untrusted_by_default } else { s.frameworks.contains(&fw.name) }
            })
        })
        .map(|fw| fw.name)
        .collect()
}

/// Which fix a pair's safe twin gets.
#[derive(Debug, Clone, Copy)]
enum FixChoice {
    /// One of the sink's own fixes.
    Recipe(&'static Fix),
    /// The vulnerable body unchanged, behind a check that only lets a fixed set of literals through.
    Allowlist,
}

impl FixChoice {
    fn draw(rng: &mut impl Rng, sink: &'static Sink) -> Self {
        if sink.constant_is_safe && sink.input != Input::Payload && rng.random_bool(0.3) {
            FixChoice::Allowlist
        } else {
            FixChoice::Recipe(sink.fixed.choose(rng).expect("sinks have fixes"))
        }
    }

    fn why(&self, names: &Names) -> String {
        match self {
            FixChoice::Recipe(fix) => names.fill(fix.why),
            FixChoice::Allowlist => names.fill(
                "`$v` must be one of a fixed set of literal values before it is used, so no value an attacker \
                 chooses reaches the sensitive call.",
            ),
        }
    }
}

/// Literal values an allowlist admits, by input kind.
fn allowlist_values(input: Input, names: &Names) -> Vec<String> {
    let raw: &[&str] = match input {
        Input::Text => &["active", "archived", "pending"],
        Input::Path => &["summary.csv", "daily.csv", "totals.csv"],
        Input::Url => &["https://$host/v1/status", "https://$host/v1/metrics"],
        Input::Number => &["10", "25", "50"],
        Input::Pattern => &[r"^[a-z]+$", r"^[0-9]{4}$"],
        Input::Payload => &[],
    };
    raw.iter().map(|v| names.fill(v)).collect()
}

/// Lines that look like validation but do not stop the weakness, by input kind.
fn weak_check(input: Input, var: &str, rng: &mut impl Rng) -> Vec<String> {
    let options: &[&str] = match input {
        Input::Text => &["{v} = {v}.strip()[:200]", "if len({v}) > 256:\n    raise ValueError(\"too long\")"],
        Input::Path => {
            &["{v} = {v}.replace(\"../\", \"\")", "if {v}.startswith(\"/\"):\n    raise ValueError(\"absolute path\")"]
        }
        Input::Url => {
            &["if not {v}.startswith((\"http://\", \"https://\")):\n    raise ValueError(\"unsupported scheme\")"]
        }
        Input::Number => &["{v} = {v}.strip()"],
        Input::Pattern => &["{v} = {v}[:500]", "if not {v}:\n    raise ValueError(\"empty\")"],
        Input::Payload => &["if not {v}:\n    raise ValueError(\"empty body\")"],
    };
    options.choose(rng).expect("not empty").replace("{v}", var).lines().map(String::from).collect()
}

/// Style choices shared by both twins.
#[derive(Debug, Clone)]
struct Style {
    module_docstring: bool,
    handler_docstring: bool,
    comment: bool,
    fillers_before: usize,
    fillers_after: usize,
}

impl Style {
    fn draw(rng: &mut impl Rng) -> Self {
        Style {
            module_docstring: rng.random_bool(0.3),
            handler_docstring: rng.random_bool(0.3),
            comment: rng.random_bool(0.3),
            fillers_before: rng.random_range(0..=2),
            fillers_after: rng.random_range(0..=1),
        }
    }
}

/// Everything drawn for a taint pair before rendering.
struct TaintPlan {
    framework: &'static str,
    names: Vec<Names>,
    handler_names: HandlerNames,
    style: Style,
    fillers: Vec<usize>,
    /// Wide sets vary how strings are built and how an input is tidied; the core set keeps the
    /// shapes `data/top25-500` was generated with.
    wide: bool,
    /// The handler returns the sink's value itself (`return redirect(target)`), not a result
    /// variable through the framework's usual wrapper.
    direct_return: bool,
}

impl TaintPlan {
    fn draw(rng: &mut ChaCha8Rng, sinks: &[&Sink], framework: Option<&'static str>, wide: bool) -> Self {
        Self::try_draw(rng, sinks, framework, wide).expect("a single sink never clashes with itself")
    }

    /// `None` when the sinks' names still clash after many redraws (some sink pairs always do).
    fn try_draw(rng: &mut ChaCha8Rng, sinks: &[&Sink], framework: Option<&'static str>, wide: bool) -> Option<Self> {
        const MAX_REDRAWS: usize = 1_000;
        let frameworks = common_frameworks(sinks, wide);
        // Real packages are mostly plain functions: the wide set draws one for about a third of its pairs.
        let framework = framework.unwrap_or_else(|| {
            if wide && frameworks.contains(&"library") && rng.random_bool(LIBRARY_SHARE) {
                "library"
            } else {
                *frameworks.choose(rng).expect("every sink fits some framework")
            }
        });
        let mut names: Vec<Names> = Vec::new();
        for (j, sink) in sinks.iter().enumerate() {
            // When two sinks share a handler: distinct input and result variables, and no body may
            // assign a name that holds another sink's input.
            let mut drawn = Names::draw(rng, sink.input);
            let clashes = |drawn: &Names, names: &[Names]| {
                names.iter().enumerate().any(|(i, n)| {
                    n.get("v") == drawn.get("v")
                        || n.get("out") == drawn.get("out")
                        || assigns(sinks[i], n, drawn.get("v"))
                        || assigns(sinks[j], drawn, n.get("v"))
                })
            };
            let mut redraws = 0;
            while clashes(&drawn, &names) {
                redraws += 1;
                if redraws > MAX_REDRAWS {
                    return None;
                }
                drawn = Names::draw(rng, sink.input);
            }
            names.push(drawn);
        }
        let entity = names[0].get("entity").to_string();
        let verb = ["get", "search", "export", "show", "fetch", "handle", "process", "load", "update", "sync"]
            .choose(rng)
            .expect("not empty");
        let handler_names =
            HandlerNames { func: format!("{verb}_{entity}"), route: names[0].get("route").into(), entity };
        let style = Style::draw(rng);
        let mut fillers: Vec<usize> = (0..FILLERS.len()).collect();
        fillers.shuffle(rng);
        fillers.truncate(style.fillers_before + style.fillers_after);
        Some(TaintPlan { framework, names, handler_names, style, fillers, wide, direct_return: false })
    }

    /// A helper's or method's body ending by returning `out`: its last assignment returned
    /// directly when the plan says so and the body allows it.
    fn returning(&self, body: String, out: &str) -> String {
        let mut lines: Vec<String> = body.lines().map(String::from).collect();
        if !(self.direct_return && return_last_assignment(&mut lines, out)) {
            lines.push(format!("return {out}"));
        }
        lines.join("\n")
    }

    /// Renders the vulnerable and the fixed module from one plan.
    fn render_twins(&self, rng: &mut ChaCha8Rng, sinks: &[(&Sink, FixChoice)], flow: Flow) -> (Rendered, Rendered) {
        let inputs: Vec<InputVar> = sinks
            .iter()
            .zip(&self.names)
            .map(|((sink, _), names)| InputVar { var: names.get("v").to_string(), kind: sink.input })
            .collect();
        let handler = scaffold::handler(rng, self.framework, &inputs, &self.handler_names);
        let weak: Vec<Vec<String>> = inputs
            .iter()
            .map(|i| if flow == Flow::WeakCheck { weak_check(i.kind, &i.var, rng) } else { vec![] })
            .collect();
        let allow_pick: Vec<usize> = sinks.iter().map(|_| rng.random_range(0..2)).collect();
        // Drawn once for both twins, so they still differ only by the fix.
        let shapes: Vec<StringShape> =
            sinks.iter().map(|_| if self.wide { StringShape::draw(rng) } else { StringShape::FString }).collect();
        let aliases: Vec<String> = inputs
            .iter()
            .map(|i| if self.wide { alias_expr(rng, i.kind, &i.var) } else { format!("{}.strip()", i.var) })
            .collect();
        let render = |fixed: bool| {
            let mut imports: BTreeSet<String> = handler.imports.iter().cloned().collect();
            let mut setup: Vec<String> = handler.setup.clone();
            let mut defs: Vec<String> = Vec::new();
            let mut body: Vec<String> = Vec::new();
            let mut outs: Vec<String> = Vec::new();
            for (i, ((sink, fix), names)) in sinks.iter().zip(&self.names).enumerate() {
                imports.extend(sink.imports.iter().map(|s| names.fill(s)));
                if !sink.setup.is_empty() {
                    setup.push(names.fill(sink.setup));
                }
                let var = names.get("v").to_string();
                let out = names.get("out").to_string();
                let mut guard: Vec<String> = Vec::new();
                let unmarked;
                let template = match (fixed, fix) {
                    (false, _) => sink.vulnerable,
                    (true, FixChoice::Recipe(f)) => {
                        imports.extend(f.imports.iter().map(|s| names.fill(s)));
                        f.body
                    }
                    (true, FixChoice::Allowlist) => {
                        // The fix is the guard: it carries the marker, the unchanged sink does not.
                        guard = allowlist_guard(sink.input, &var, names, allow_pick[i], self.framework);
                        guard[0].push_str("  #@");
                        unmarked = sink.vulnerable.replace("#@", "");
                        unmarked.as_str()
                    }
                };
                // Number the markers by sink so a multi-CWE pair knows which line is whose.
                let numbered = template.replace("#@", &format!("#@{i}"));
                let template = numbered.as_str();
                for line in guard.iter_mut() {
                    if line.ends_with("#@") {
                        line.push_str(&i.to_string());
                    }
                }
                body.extend(weak[i].iter().cloned());
                body.extend(guard);
                let shaped = |n: &Names| shapes[i].apply(&n.fill(template), &[n.get("v")]);
                match flow {
                    Flow::Direct | Flow::WeakCheck => body.extend(shaped(names).lines().map(String::from)),
                    Flow::Alias => {
                        let alias = format!("{var}_value");
                        body.push(format!("{alias} = {}", aliases[i]));
                        body.extend(shaped(&names.with_input_expr(&alias)).lines().map(String::from));
                    }
                    Flow::Dict => {
                        // Read back into a local: a subscript inside an f-string needs Python 3.12.
                        body.push(format!("params = {{\"{var}\": {var}, \"origin\": \"api\"}}"));
                        body.push(format!("selected = params[\"{var}\"]"));
                        body.extend(shaped(&names.with_input_expr("selected")).lines().map(String::from));
                    }
                    Flow::Helper => {
                        let helper =
                            format!("_{}_{}", ["query", "run", "build", "do", "apply"][i % 5], names.get("entity"));
                        let mut def = vec![format!("def {helper}({var}):")];
                        def.extend(indent(&self.returning(shaped(names), &out), 1));
                        defs.push(def.join("\n"));
                        body.push(format!("{out} = {helper}({var})"));
                    }
                    Flow::Class => {
                        let class = format!("{}Service", capitalize(names.get("entity")));
                        let expr = format!("self.{var}");
                        let mut def = vec![
                            format!("class {class}:"),
                            format!("    def __init__(self, {var}):"),
                            format!("        self.{var} = {var}"),
                            String::new(),
                            "    def run(self):".to_string(),
                        ];
                        def.extend(indent(&self.returning(shaped(&names.with_input_expr(&expr)), &out), 2));
                        defs.push(def.join("\n"));
                        body.push(format!("{out} = {class}({var}).run()"));
                    }
                }
                outs.push(out);
            }
            let result = if outs.len() == 1 { outs[0].clone() } else { format!("[{}]", outs.join(", ")) };
            let mut handler = handler.clone();
            if self.direct_return && outs.len() == 1 && return_last_assignment(&mut body, &outs[0]) {
                handler.ret.clear();
            }
            assemble(
                &self.style,
                &self.names[0],
                &self.handler_names,
                imports,
                setup,
                defs,
                &handler,
                body,
                &result,
                &self.fillers,
            )
        };
        (render(false), render(true))
    }
}

/// Turns the body's last statement `out = EXPR` into `return EXPR`, when the body ends with a
/// one-line assignment to `out` at its top level; says whether it did.
fn return_last_assignment(body: &mut [String], out: &str) -> bool {
    let Some(last) = body.iter().rposition(|l| !l.is_empty() && !l.starts_with(' ')) else { return false };
    let continued = body[last + 1..].iter().any(|l| !l.trim().is_empty());
    let assignment = format!("{out} = ");
    match body[last].strip_prefix(&assignment) {
        Some(expr) if !continued => {
            body[last] = format!("return {expr}");
            true
        }
        _ => false,
    }
}

/// Whether any form of `sink`'s body (filled with `names`) assigns to `var`.
fn assigns(sink: &Sink, names: &Names, var: &str) -> bool {
    let bodies = std::iter::once(sink.vulnerable).chain(sink.fixed.iter().map(|f| f.body));
    bodies.map(|b| names.fill(b)).any(|body| {
        body.lines().any(|l| {
            let l = l.trim_start();
            l.strip_prefix(var).is_some_and(|rest| {
                let rest = rest.trim_start();
                rest.starts_with('=') && !rest.starts_with("==") || rest.starts_with(", ") || rest.starts_with(':')
            }) || l.starts_with(&format!("for {var} "))
                || l.contains(&format!(" as {var}:"))
        })
    })
}

/// A check that admits only literal values: membership with an error, or a lookup with a default.
fn allowlist_guard(input: Input, var: &str, names: &Names, pick: usize, framework: &str) -> Vec<String> {
    let values = allowlist_values(input, names);
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    let raise = match framework {
        "flask" => "abort(400)",
        _ => "raise ValueError(\"unsupported value\")",
    };
    if pick == 0 {
        vec![format!("if {var} not in ({}):", quoted.join(", ")), format!("    {raise}")]
    } else {
        vec![format!("{var} = {var} if {var} in {{{}}} else {}", quoted.join(", "), quoted[0])]
    }
}

fn indent(code: &str, levels: usize) -> Vec<String> {
    let pad = "    ".repeat(levels);
    code.lines().map(|l| if l.is_empty() { String::new() } else { format!("{pad}{l}") }).collect()
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    style: &Style,
    names: &Names,
    handler_names: &HandlerNames,
    mut imports: BTreeSet<String>,
    setup: Vec<String>,
    defs: Vec<String>,
    handler: &scaffold::Handler,
    body: Vec<String>,
    result: &str,
    fillers: &[usize],
) -> Rendered {
    let filler_code: Vec<String> = fillers
        .iter()
        .map(|&i| {
            imports.extend(FILLERS[i].imports.iter().map(|s| s.to_string()));
            names.fill(FILLERS[i].code).trim_end().to_string()
        })
        .collect();
    if handler.ret.contains("abort") || body.iter().any(|l| l.contains("abort(400)")) {
        imports.insert("from flask import abort".into());
    }
    let mut blocks: Vec<String> = setup_blocks(&setup);
    let (before, after) = filler_code.split_at(style.fillers_before.min(filler_code.len()));
    blocks.extend(before.iter().cloned());
    blocks.extend(defs);
    let level = if handler.method { 2 } else { 1 };
    let mut h: Vec<String> = handler.header.clone();
    if style.handler_docstring {
        h.push(format!("{}\"\"\"Handle the {} request.\"\"\"", "    ".repeat(level), handler_names.entity));
    }
    let mut inner: Vec<String> = handler.bind.clone();
    if style.comment {
        inner.push(format!("# look up the {} for the caller", handler_names.entity));
    }
    inner.extend(body);
    inner.extend(handler.ret.replace("$ret", result).lines().map(String::from));
    h.extend(indent(&inner.join("\n"), level));
    let mut handler_block = h.join("\n");
    if !handler.trailer.is_empty() {
        handler_block.push('\n');
        handler_block.push_str(&handler.trailer.join("\n"));
    }
    blocks.push(handler_block);
    blocks.extend(after.iter().cloned());
    // Only what the code uses is imported: a fix that swaps one module for another must not leave
    // the old import behind as a clue.
    let used = used_imports(&imports, &blocks.join("\n"));
    let docstring = format!("\"\"\"{} endpoints and helpers.\"\"\"\n\n", capitalize(names.get("entity")));
    blocks
        .insert(0, format!("{}{}", if style.module_docstring { docstring.as_str() } else { "" }, import_block(&used)));
    finish(&(blocks.join("\n\n\n") + "\n"))
}

/// The import lines (and names of `from` imports) whose bound names `code` mentions.
pub(crate) fn used_imports(imports: &BTreeSet<String>, code: &str) -> BTreeSet<String> {
    let words = crate::python::chunk::identifier_words(code);
    let mut kept = BTreeSet::new();
    for line in imports {
        if let Some(rest) = line.strip_prefix("from ") {
            let Some((module, names)) = rest.split_once(" import ") else { continue };
            let used: Vec<&str> = names
                .split(',')
                .map(str::trim)
                .filter(|n| words.contains(n.rsplit(" as ").next().unwrap_or(n).trim()))
                .collect();
            if !used.is_empty() {
                kept.insert(format!("from {module} import {}", used.join(", ")));
            }
        } else if let Some(module) = line.strip_prefix("import ") {
            let bound = match module.split_once(" as ") {
                Some((_, alias)) => alias.trim(),
                None => module.split('.').next().unwrap_or(module).trim(),
            };
            if words.contains(bound) {
                kept.insert(line.clone());
            }
        }
    }
    kept
}

/// Module-level setup: one-line assignments stay together; classes and functions get blank lines.
fn setup_blocks(setup: &[String]) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    let mut simple: Vec<String> = Vec::new();
    for block in setup.iter().map(|b| b.trim()).filter(|b| !b.is_empty()) {
        if block.starts_with("class ") || block.starts_with("def ") || block.starts_with('@') {
            if !simple.is_empty() {
                blocks.push(simple.join("\n"));
                simple.clear();
            }
            blocks.push(block.to_string());
        } else {
            simple.push(block.to_string());
        }
    }
    if !simple.is_empty() {
        blocks.push(simple.join("\n"));
    }
    blocks
}

/// Groups imports the way isort would: standard library first, then third-party; plain `import`
/// lines before `from` lines; `from` imports of one module merged.
pub fn import_block(imports: &BTreeSet<String>) -> String {
    const STDLIB: &[&str] = &[
        "argparse",
        "array",
        "ast",
        "asyncio",
        "base64",
        "binascii",
        "bisect",
        "bz2",
        "calendar",
        "codecs",
        "collections",
        "concurrent",
        "configparser",
        "contextlib",
        "copy",
        "csv",
        "ctypes",
        "dataclasses",
        "datetime",
        "decimal",
        "email",
        "enum",
        "errno",
        "fnmatch",
        "ftplib",
        "functools",
        "getpass",
        "gettext",
        "glob",
        "grp",
        "gzip",
        "hashlib",
        "heapq",
        "hmac",
        "html",
        "http",
        "importlib",
        "inspect",
        "io",
        "ipaddress",
        "itertools",
        "json",
        "locale",
        "logging",
        "lzma",
        "marshal",
        "math",
        "mimetypes",
        "multiprocessing",
        "netrc",
        "ntpath",
        "operator",
        "os",
        "pathlib",
        "pickle",
        "platform",
        "plistlib",
        "posixpath",
        "pprint",
        "pwd",
        "queue",
        "random",
        "re",
        "secrets",
        "select",
        "selectors",
        "shelve",
        "shlex",
        "shutil",
        "signal",
        "smtplib",
        "socket",
        "socketserver",
        "sqlite3",
        "ssl",
        "stat",
        "statistics",
        "string",
        "struct",
        "subprocess",
        "sys",
        "tarfile",
        "tempfile",
        "textwrap",
        "threading",
        "time",
        "traceback",
        "types",
        "typing",
        "unicodedata",
        "urllib",
        "uuid",
        "warnings",
        "weakref",
        "wsgiref",
        "xml",
        "xmlrpc",
        "zipfile",
        "zlib",
    ];
    // Groups: standard library, third-party, then the project's own relative imports.
    let mut plain: [BTreeSet<String>; 3] = Default::default();
    let mut from: [BTreeMap<String, BTreeSet<String>>; 3] = Default::default();
    for line in imports {
        let module = line.split_whitespace().nth(1).unwrap_or("");
        let group = if module.starts_with('.') {
            2
        } else {
            usize::from(!STDLIB.contains(&module.split('.').next().unwrap_or("")))
        };
        if let Some(rest) = line.strip_prefix("from ") {
            let (module, names) = rest.split_once(" import ").unwrap_or((rest, ""));
            from[group].entry(module.to_string()).or_default().extend(names.split(',').map(|n| n.trim().to_string()));
        } else {
            plain[group].insert(line.clone());
        }
    }
    let mut groups = Vec::new();
    for g in 0..3 {
        let mut lines: Vec<String> = plain[g].iter().cloned().collect();
        for (module, names) in &from[g] {
            lines.push(format!("from {module} import {}", names.iter().cloned().collect::<Vec<_>>().join(", ")));
        }
        if !lines.is_empty() {
            groups.push(lines.join("\n"));
        }
    }
    groups.join("\n\n")
}

/// Renders a module template of a [`Recipe::Module`] with the shared names and style: the
/// template's leading imports are merged with the fillers' into one sorted block.
fn render_module_pair(mut rng: ChaCha8Rng, names: &Names, template: &str, style: &Style) -> Rendered {
    let filled = names.fill(template);
    let lines: Vec<&str> = filled.trim_end().lines().collect();
    let head =
        lines.iter().take_while(|l| l.trim().is_empty() || l.starts_with("import ") || l.starts_with("from ")).count();
    // A marker on an import line (rare) keeps the template's own layout.
    let keep_layout = lines[..head].iter().any(|l| l.trim_end().ends_with("#@"));
    let (mut imports, mut code) = if keep_layout {
        (BTreeSet::new(), lines.join("\n"))
    } else {
        let imports: BTreeSet<String> =
            lines[..head].iter().filter(|l| !l.trim().is_empty()).map(|l| l.to_string()).collect();
        (imports, lines[head..].join("\n"))
    };
    let mut fillers: Vec<usize> = (0..FILLERS.len()).collect();
    fillers.shuffle(&mut rng);
    for &i in fillers.iter().take(style.fillers_after) {
        imports.extend(FILLERS[i].imports.iter().map(|s| s.to_string()));
        code.push_str("\n\n\n");
        code.push_str(names.fill(FILLERS[i].code).trim_end());
    }
    if !imports.is_empty() {
        code = format!("{}\n\n\n{code}", import_block(&imports));
    }
    finish(&(code + "\n"))
}

/// Removes `#@` / `#@<n>` markers, remembering their lines, and trailing whitespace.
pub fn finish(code: &str) -> Rendered {
    let mut marked = Vec::new();
    let mut marked_by_sink: Vec<Vec<usize>> = Vec::new();
    let mut out = String::with_capacity(code.len());
    for (i, line) in code.lines().enumerate() {
        let trimmed = line.trim_end();
        let digits = trimmed.len() - trimmed.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (head, sink) = trimmed.split_at(trimmed.len() - digits);
        let clean = match head.strip_suffix("#@") {
            Some(rest) => {
                let sink: usize = sink.parse().unwrap_or(0);
                if marked_by_sink.len() <= sink {
                    marked_by_sink.resize(sink + 1, Vec::new());
                }
                marked_by_sink[sink].push(i + 1);
                marked.push(i + 1);
                rest.trim_end()
            }
            None => trimmed,
        };
        out.push_str(clean);
        out.push('\n');
    }
    Rendered { code: out, marked, marked_by_sink }
}

/// Every variant of every recipe, rendered once per (fix, flow, framework), plus a batch of
/// multi-CWE pairs: what the tests review, parse with CPython, and check for label leaks.
pub fn render_all_variants(seed: u64) -> Vec<Pair> {
    let mut out = Vec::new();
    for recipe in all_recipes() {
        match *recipe {
            Recipe::Taint { name, version, cwe, sinks } => {
                for sink in sinks {
                    let mut fixes: Vec<FixChoice> = sink.fixed.iter().map(FixChoice::Recipe).collect();
                    if sink.constant_is_safe && sink.input != Input::Payload {
                        fixes.push(FixChoice::Allowlist);
                    }
                    for fix in &fixes {
                        for flow in Flow::ALL {
                            let frameworks = common_frameworks(&[sink], true);
                            let direct =
                                frameworks.iter().filter(|f| returns_directly_fits(f, cwe)).map(|f| (*f, true));
                            for (framework, direct_return) in frameworks.iter().map(|f| (*f, false)).chain(direct) {
                                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                                rng.set_stream(out.len() as u64);
                                let mut taint = TaintPlan::draw(&mut rng, &[sink], Some(framework), true);
                                taint.direct_return = direct_return;
                                let (vulnerable, fixed) = taint.render_twins(&mut rng, &[(sink, *fix)], flow);
                                let shape = if direct_return { "/return" } else { "" };
                                out.push(Pair {
                                    index: out.len(),
                                    recipe: name.to_string(),
                                    version,
                                    cwes: vec![cwe],
                                    family: format!("{name}/{}/{}{shape}", sink.name, flow.name()),
                                    framework: framework.to_string(),
                                    vulnerable,
                                    fixed,
                                    why_vulnerable: taint.names[0].fill(sink.why),
                                    why_fixed: fix.why(&taint.names[0]),
                                });
                            }
                        }
                    }
                }
            }
            Recipe::Module { pairs, .. } => {
                for pick in 0..pairs.len() {
                    for draw in 0..6u64 {
                        let mut rng = ChaCha8Rng::seed_from_u64(seed + draw);
                        rng.set_stream(out.len() as u64);
                        out.push(module_variant(&mut rng, out.len(), recipe, pick));
                    }
                }
            }
        }
    }
    let taint: Vec<&Recipe> = all_recipes().into_iter().filter(|r| matches!(r, Recipe::Taint { .. })).collect();
    for (i, a) in taint.iter().enumerate() {
        for b in taint.iter().skip(i + 1).filter(|b| b.cwe() != a.cwe()) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(out.len() as u64);
            out.push(multi(&mut rng, out.len(), a, b, true));
        }
    }
    out
}
