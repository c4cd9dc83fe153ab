//! Evidence: whether an anchored answer may keep a finding the model decoded, from what the unit
//! itself shows (a sink call given data, a regex that can backtrack, a request handled). Findings
//! without it are guesses; on mature code (Django) such guesses were most of the findings
//! (docs/RESULTS.md, "Scan speed").

use crate::anchor::{anchorable, decorators, imports_name, may_be_handler, sites, touches_request};
use crate::cwe::{Applicability, CweId, lookup};
use crate::detect::UnitRequest;
use crate::python::UnitKind;
use crate::python::calls::{DataArguments, UnitCalls};

/// Method names frameworks route requests to (Django and Flask class-based views, DRF viewsets).
const HANDLER_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "dispatch",
    "list",
    "create",
    "retrieve",
    "update",
    "partial_update",
    "destroy",
];

/// Decorator text that routes a request to a function or guards one.
const HANDLER_DECORATORS: &[&str] = &[
    "route",
    ".get(",
    ".post(",
    ".put(",
    ".patch(",
    ".delete(",
    ".websocket(",
    "api_view",
    "action(",
    "login",
    "permission",
    "csrf",
    "require",
    "auth",
];

/// Class-name words of views and handlers.
const HANDLER_CLASSES: &[&str] = &["View", "Handler", "Resource", "Endpoint", "Consumer", "Controller", "Admin"];

/// Whether a unit [`may_be_handler`] lets decode an access-control weakness also shows that it
/// handles a request, which such a finding needs to be kept: it reads `request`, carries a route or
/// auth decorator, is a method named for what frameworks route to (`get`, `post`, `list`, ...), or
/// is a view or handler class. Any method may be a handler while decoding; on Django most methods
/// are not, and access-control guesses on them (`DatabaseCache.get_many`, `HashedFilesMixin.__init__`,
/// a private `_key_to_file`) were most of its findings (docs/RESULTS.md, "Scan speed").
fn handles_request(request: &UnitRequest) -> bool {
    let first = request.text.lines().map(str::trim_start).find(|l| !l.starts_with('@')).unwrap_or("");
    let method = request.name.rsplit('.').next().unwrap_or(&request.name);
    touches_request(request)
        || decorators(request).any(|l| HANDLER_DECORATORS.iter().any(|d| l.to_lowercase().contains(d)))
        || (request.kind == UnitKind::Method && HANDLER_METHODS.contains(&method))
        || (request.kind == UnitKind::Class
            && first.starts_with("class ")
            && HANDLER_CLASSES.iter().any(|w| first.contains(w)))
}

/// Local weaknesses that exist only where one of a few well-known calls runs (a command, a query, a
/// directory search, a parser, a fetch, a template engine, a random or hash or TLS call, a log or
/// header write), so that naming one in a unit making none of those calls is a guess. Not here:
/// weaknesses spread over ordinary code (path traversal in any file access, XSS in any HTML string,
/// exposure, hard-coded secrets, resource limits, redirects, uploads), which real fixes often label
/// on lines the catalog's sinks do not cover; regexes have their own rule ([`regex_can_backtrack`]).
const SINK_BOUND: &[u32] = &[77, 78, 89, 90, 94, 113, 117, 295, 327, 328, 338, 377, 502, 611, 643, 918, 1336];

/// The sink-bound weaknesses that are injections, and which arguments of their sinks inject: a
/// call given only constants ([`UnitCalls`]) cannot be one. The others (a weak hash, an unverified
/// TLS context, a parser resolving entities, a predictable random) are weak whatever they are given.
const INJECTED: &[(u32, DataArguments)] = &[
    (77, DataArguments::All),
    (78, DataArguments::All),
    (89, DataArguments::Query),
    (90, DataArguments::All),
    (94, DataArguments::All),
    (113, DataArguments::All),
    (117, DataArguments::All),
    (502, DataArguments::All),
    (643, DataArguments::All),
    (918, DataArguments::All),
    (1336, DataArguments::All),
];

/// Weak hashes and broken cryptography: a hash call that declares it is not for security
/// (`md5(data, usedforsecurity=False)`, Python 3.9+: a cache key, an ETag, a file name) is not one,
/// as Bandit's B324 reads it too. Django's `HashedFilesMixin.file_hash` is one
/// (docs/RESULTS.md §6, "Session 22").
const HASH_WEAKNESSES: &[u32] = &[327, 328];

/// Inefficient regular expression complexity (ReDoS).
const REDOS: CweId = CweId(1333);

/// Cross-site scripting.
const XSS: CweId = CweId(79);

/// URL redirection to an untrusted site (open redirect).
const OPEN_REDIRECT: CweId = CweId(601);

/// Unrestricted upload of a file with a dangerous type.
const UNRESTRICTED_UPLOAD: CweId = CweId(434);

/// Words of names and strings that deal in uploaded files (case-insensitive parts of an identifier
/// or string): `upload` (Flask's `UPLOAD_FOLDER`, FastAPI's `UploadFile`, Django's `upload_to` and
/// `UploadedFile`), werkzeug's `FileStorage`, multipart bodies, attachments.
const UPLOAD_WORDS: &[&str] = &["upload", "filestorage", "multipart", "attachment"];

/// Words of names and strings that deal in redirects or their targets (case-insensitive parts of an
/// identifier or string): the redirect calls and responses of every framework (`redirect`,
/// `HttpResponseRedirect`, `RedirectResponse`), a `Location` header, the URL checks that real
/// fixes change (`_is_safe_url`, `urlparse`), and the parameters a target comes in (`next`,
/// `return_to`, `goto`).
const REDIRECT_WORDS: &[&str] = &["redirect", "url", "location", "next", "return_to", "goto", "httpfound"];

/// Words of names that deal in markup (case-insensitive parts of an identifier): HTML builders and
/// escapers (`format_html`, `mark_safe`, `Markup`, `conditional_escape`), links, script, template
/// engines and their `render` calls.
const MARKUP_WORDS: &[&str] = &["html", "markup", "mark_safe", "escape", "javascript", "href", "template", "render"];

/// Whether an anchored answer may keep a finding of `cwe` in `request`:
/// - a contextual weakness in a unit that can be a handler and shows it handles a request;
/// - a sink-bound local one ([`SINK_BOUND`]) only in a unit that uses one of its sinks (the grammar
///   then put the finding on such a line), and for an injection ([`INJECTED`]) only where one of
///   those calls is given something that is not a constant;
/// - ReDoS only in a unit with a regex call whose pattern can backtrack ([`regex_can_backtrack`]);
/// - cross-site scripting only in a unit that shows markup ([`shows_markup`]);
/// - an open redirect only in a unit that shows a redirect or its target ([`shows_redirect`]);
/// - an unrestricted upload only in a unit that shows an uploaded file ([`UPLOAD_WORDS`]);
/// - any other local one.
///
/// A filter on what was decoded, not a narrower grammar, on purpose: the grammar renormalises the
/// model's belief over what it allows, so forbidding an id moves its mass onto the ids left. Holding
/// private methods to no access-control ids while decoding turned three Django helpers' guesses into
/// path-traversal findings on their `os.path.join` lines (docs/RESULTS.md, "Scan speed"). Only
/// when the filter drops every finding does a second decoding run, and only over the few ids of
/// [`second_choices`].
pub fn evidenced(request: &UnitRequest, cwe: CweId) -> bool {
    match lookup(cwe).map(|e| e.applicability) {
        Ok(Applicability::Contextual) => may_be_handler(request) && handles_request(request),
        Ok(Applicability::Local) if cwe == REDOS => regex_can_backtrack(request),
        Ok(Applicability::Local) if cwe == XSS => shows_markup(request),
        Ok(Applicability::Local) if cwe == OPEN_REDIRECT => shows_redirect(request),
        Ok(Applicability::Local) if cwe == UNRESTRICTED_UPLOAD => shows_upload(request),
        Ok(Applicability::Local) if SINK_BOUND.contains(&cwe.0) && anchorable(cwe) => {
            let mut sites: Vec<(usize, &str)> =
                sites(request).into_iter().filter(|(id, ..)| *id == cwe).map(|(_, line, name)| (line, name)).collect();
            if HASH_WEAKNESSES.contains(&cwe.0) {
                let (text, before) = whole_unit(request);
                if let Some(calls) = UnitCalls::parse(text) {
                    sites.retain(|(line, name)| !calls.passes_false(before + line, name, "usedforsecurity"));
                }
            }
            if sites.is_empty() {
                return false;
            }
            let Some((_, which)) = INJECTED.iter().find(|(id, _)| *id == cwe.0) else { return true };
            let (text, before) = whole_unit(request);
            UnitCalls::parse(text)
                .is_none_or(|calls| sites.iter().any(|(line, name)| calls.carries_data(before + line, name, *which)))
        }
        Ok(Applicability::Local) => true,
        _ => false,
    }
}

/// The weaknesses an anchored answer may fall back on when evidence dropped every finding the model
/// decoded (decode v10): those whose own shape the unit shows, more than [`evidenced`] asks for:
/// - an injection whose sink is given data ([`INJECTED`]), a weak hash or cipher called by name
///   ([`HASH_WEAKNESSES`]): what [`evidenced`] reads;
/// - cross-site scripting only where a string holds a tag, not a markup word alone (Django's
///   `template = "..."` SQL constraints were named CWE-79 at second choice);
/// - an open redirect only where a name or string says `redirect` (or `HttpFound`), not only a URL
///   (a sitemap's `location` and `get_urls` were named CWE-601).
///
/// Never one kept on ordinary code (path traversal, exposure, secrets: [`evidenced`] keeps those
/// anywhere), nor an access-control one, nor ReDoS (most patterns have an unbounded repetition),
/// nor a weak choice whose sink is any call of its kind (a file `open` for temp files, any fetch
/// for TLS, any `random` call, any XML parse): these show where the weakness would be, not that it
/// is there. The model said the unit is vulnerable and named a weakness it cannot have; its
/// likeliest one among those the unit shows is a better answer than none, and unlike a narrower
/// grammar from the start (see [`evidenced`]), it cannot move a guess onto a free-anywhere id. The
/// example project's `greet` (an f-string of `<h1>` and a query parameter, named CWE-601) is the
/// case (docs/RESULTS.md §6, "Session 26").
pub fn second_choices(request: &UnitRequest) -> Vec<CweId> {
    let calls = UnitCalls::parse(whole_unit(request).0);
    crate::cwe::reportable()
        .filter(|e| e.applicability == Applicability::Local)
        .map(|e| e.id)
        .filter(|&cwe| match cwe {
            XSS => calls.as_ref().is_some_and(strings_hold_a_tag),
            OPEN_REDIRECT => calls.as_ref().is_some_and(|calls| names_or_strings_hold(calls, REDIRECT_CALL_WORDS)),
            _ if INJECTED.iter().any(|(id, _)| *id == cwe.0) || HASH_WEAKNESSES.contains(&cwe.0) => {
                evidenced(request, cwe)
            }
            _ => false,
        })
        .collect()
}

/// Words of names and strings that are a redirect itself (`redirect`, `HttpResponseRedirect`,
/// `RedirectResponse`, webob's `HTTPFound`), not only a URL.
const REDIRECT_CALL_WORDS: &[&str] = &["redirect", "httpfound"];

/// The `re` (and `regex`) module's functions that take a pattern first.
const REGEX_FUNCTIONS: &[&str] =
    &["compile", "match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"];

/// A compiled pattern's methods that run it (not `split`: every string has one).
const PATTERN_METHODS: &[&str] = &["match", "search", "fullmatch", "findall", "finditer", "sub", "subn"];

/// Whether `request` runs a regex that can take more than linear time: a call of the `re` module or
/// a pattern's method whose pattern is not a literal the unit shows (built from input, compiled
/// elsewhere), or a literal with an unbounded repetition (`*`, `+`, `{n,}`). Searching with one
/// unbounded repetition is already quadratic on a long non-matching input (scrapy's `<!--.*?-->`,
/// sqlparse's `((\r\n|\r|\n)+) *$` in the real pairs); a pattern of bounded length (`[a-z]{2}`,
/// Django's `makemessages`) is not. Patterns the `regex-syntax` parser rejects (look-arounds,
/// back-references) count as backtracking.
fn regex_can_backtrack(request: &UnitRequest) -> bool {
    let (text, before) = whole_unit(request);
    let Some(calls) = UnitCalls::parse(text) else { return true };
    let shown = before + 1..=before + request.line_count();
    calls.call_sites(REGEX_FUNCTIONS).into_iter().filter(|site| shown.contains(&site.line)).any(|site| {
        let pattern = match site.receiver_text {
            Some("re" | "regex") => site.first.and_then(|arg| calls.string_value(arg)),
            // A bare `match(...)` is the `re` module's only when the unit imports that very name.
            None if ["re", "regex"].iter().any(|m| imports_name(&request.imports, m, site.name)) => {
                site.first.and_then(|arg| calls.string_value(arg))
            }
            None => return false,
            Some(_) if !PATTERN_METHODS.contains(&site.name) => return false,
            // `PATTERN.match(text)` runs `PATTERN`; a wrapper such as mako's `self.match(r"...")`
            // takes its pattern first (but `.sub`'s first argument is the replacement).
            Some(_) => site
                .receiver
                .and_then(|r| calls.compiled_pattern(r))
                .or_else(|| site.first.filter(|_| !site.name.starts_with("sub")).and_then(|a| calls.string_value(a))),
        };
        pattern.is_none_or(|p| pattern_backtracks(&p))
    })
}

/// Whether `request` shows that it builds or hands on markup: a string with a tag in it (`<h1>`,
/// `</a>`, `<!--`), or a name or string with one of [`MARKUP_WORDS`] in it (`context["href"]`,
/// `"text/html"`, `template_name = "..."`). XSS has no sink the catalog can
/// anchor (any string can become HTML), so the model may name it on any line, and on Django it named
/// it on lines that hold no HTML at all (`i = index`, a `try:`); every CWE-79 label of the real-code
/// pairs sits in a unit that shows markup (tests/prefilter_recall.rs). Docstrings do not count: since
/// prompt version 4 the unit is read as the model is shown it, without them. A unit that does not
/// parse keeps the finding.
fn shows_markup(request: &UnitRequest) -> bool {
    let (text, _) = whole_unit(request);
    let Some(calls) = UnitCalls::parse(text) else { return true };
    names_or_strings_hold(&calls, MARKUP_WORDS) || strings_hold_a_tag(&calls)
}

/// Whether a string of the unit holds a tag (`<h1>`, `</a>`, `<!--`).
fn strings_hold_a_tag(calls: &UnitCalls) -> bool {
    let has_tag = |text: &&str| {
        text.as_bytes().windows(2).any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!')))
    };
    calls.texts_of(&["string_content"]).iter().any(has_tag)
}

/// Whether a name or string of the unit has one of `words` in it (case-insensitive).
fn names_or_strings_hold(calls: &UnitCalls, words: &[&str]) -> bool {
    calls.texts_of(&["identifier", "string_content"]).iter().any(|text| {
        let lower = text.to_ascii_lowercase();
        words.iter().any(|word| lower.contains(word))
    })
}

/// Whether `request` shows a redirect or a redirect's target: a name or string with one of
/// [`REDIRECT_WORDS`] in it. An open redirect is a redirect, but not only at a sink the catalog
/// lists (real fixes label URL checks such as Django's `_is_safe_url`), so this reads words, like
/// [`shows_markup`]. The example project's `greet`, a handler returning an f-string of `<h1>` and a
/// query parameter, was named CWE-601 by the `mature` adapter (docs/RESULTS.md §6, "Session 24");
/// every CWE-601 label of the real-code pairs sits in a unit that shows one
/// (tests/prefilter_recall.rs). A unit that does not parse keeps the finding.
fn shows_redirect(request: &UnitRequest) -> bool {
    let (text, _) = whole_unit(request);
    UnitCalls::parse(text).is_none_or(|calls| names_or_strings_hold(&calls, REDIRECT_WORDS))
}

/// Whether `request` shows that it handles an uploaded file: a name or string with one of
/// [`UPLOAD_WORDS`] in it. A file saved is an upload's sink, but on Django the model named CWE-434 on
/// an ORM `obj.save()` (`RelatedManager.add`) and on `get_image_dimensions`' `open` of a path, where
/// nothing was uploaded (docs/RESULTS.md §6, "Session 26"). Every upload recipe shows one; the
/// real-code pairs hold no CWE-434 label. A unit that does not parse keeps the finding.
fn shows_upload(request: &UnitRequest) -> bool {
    let (text, _) = whole_unit(request);
    UnitCalls::parse(text).is_none_or(|calls| names_or_strings_hold(&calls, UPLOAD_WORDS))
}

/// The text evidence reads, the whole unit when `request` is a window of one, and how many of its
/// lines come before the request's first: a name bound above a window, or a call a window cuts off
/// (a query's closing lines), is read where it is.
fn whole_unit(request: &UnitRequest) -> (&str, usize) {
    match &request.whole {
        Some(whole) => (&whole.text, whole.lines_before),
        None => (&request.text, 0),
    }
}

/// Whether a regex can match unboundedly long text (or `regex-syntax` cannot read it).
fn pattern_backtracks(pattern: &str) -> bool {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map_or(true, |hir| hir.properties().maximum_len().is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cwe::reportable;

    fn request(text: &str, imports: &[&str]) -> UnitRequest {
        UnitRequest::function_for_tests(text, imports)
    }

    #[test]
    fn a_local_weakness_the_catalog_can_anchor_needs_its_sink_in_the_unit() {
        let sql = request("def f(db, name):\n    return db.execute(\"SELECT \" + name)\n", &[]);
        let plain = request("def f(name):\n    return \"nonexistent field '%s'\" % name\n", &[]);
        let (sqli, ldap) = (CweId(89), CweId(90));
        assert!(anchorable(sqli) && anchorable(ldap));
        assert!(evidenced(&sql, sqli));
        assert!(!evidenced(&plain, sqli) && !evidenced(&sql, ldap));
        // Every local weakness in the catalog has a sink to look for, so an anchor-free unit reports
        // none (a weakness added without one would stay reportable anywhere: revisit this then).
        let unanchorable: Vec<CweId> = reportable()
            .filter(|e| e.applicability == Applicability::Local && !anchorable(e.id))
            .map(|e| e.id)
            .collect();
        assert!(unanchorable.is_empty(), "{unanchorable:?}");
        // Access control is the handler's, and a unit must show that it handles a request.
        let idor = CweId(639);
        assert!(!evidenced(&plain, idor));
        assert!(evidenced(&request("@app.get(\"/x\")\ndef f(name):\n    return name\n", &[]), idor));
        assert!(evidenced(&request("@login_required\ndef f(name):\n    return name\n", &[]), idor));
        assert!(!evidenced(&request("@register.filter\ndef title(value):\n    return value\n", &[]), idor));
        let mut method = request("def get_many(self, keys):\n    return keys\n", &[]);
        (method.kind, method.name) = (UnitKind::Method, "DatabaseCache.get_many".into());
        assert!(may_be_handler(&method) && !evidenced(&method, idor));
        method.text = "def get_many(self, keys):\n    return self.request.GET.getlist(keys)\n".into();
        assert!(evidenced(&method, idor));
        (method.name, method.text) = ("OrderView.get".into(), "def get(self, pk):\n    return pk\n".into());
        assert!(evidenced(&method, idor));
        let mut class = request("class DatabaseFeatures(BaseDatabaseFeatures):\n    x = 1\n", &[]);
        class.kind = UnitKind::Class;
        assert!(!evidenced(&class, CweId(862)));
        class.text = "class OrderViewSet(ModelViewSet):\n    permission_classes = []\n".into();
        assert!(evidenced(&class, CweId(862)));
    }

    #[test]
    fn an_injection_needs_a_sink_given_something_other_than_constants() {
        let (sqli, command, code) = (CweId(89), CweId(78), CweId(94));
        // Django's database cache: identifiers quoted, values bound as parameters.
        let cache = request(
            "def clear(self):\n    table = connection.ops.quote_name(self._table)\n    \
             with connection.cursor() as cursor:\n        cursor.execute(\"DELETE FROM %s\" % table)\n",
            &["from django.db import connection"],
        );
        assert!(!evidenced(&cache, sqli));
        let literal =
            request("def f(cursor, name):\n    cursor.execute(\"SELECT * FROM t WHERE n = %s\", [name])\n", &[]);
        assert!(!evidenced(&literal, sqli));
        let built =
            request("def f(cursor, name):\n    cursor.execute(\"SELECT * FROM t WHERE n = '%s'\" % name)\n", &[]);
        assert!(evidenced(&built, sqli));
        let fixed = request(
            "def f():\n    subprocess.run([\"tar\", \"-czf\", \"out.tgz\", \".\"], check=True)\n",
            &["import subprocess"],
        );
        assert!(!evidenced(&fixed, command));
        let configured = request(
            "def f(s):\n    subprocess.run([\"tar\", \"-C\", s.exports_dir], check=True)\n",
            &["import subprocess"],
        );
        assert!(evidenced(&configured, command));
        assert!(evidenced(&request("def f(e):\n    return eval(e, {}, {})\n", &[]), code));
        assert!(!evidenced(&request("def f():\n    return eval(\"1 + 1\")\n", &[]), code));
        // A weak hash is weak whatever it hashes, unless it says it is not for security.
        assert!(evidenced(
            &request("def f():\n    return hashlib.md5(b\"x\").hexdigest()\n", &["import hashlib"]),
            CweId(328)
        ));
        let declared = "def f(d):\n    h = md5(usedforsecurity=False)\n    h.update(d)\n    return h.hexdigest()\n";
        assert!(!evidenced(&request(declared, &["from hashlib import md5"]), CweId(328)));
        let declared = "def f(d):\n    return hashlib.md5(d, usedforsecurity=False).hexdigest()\n";
        assert!(!evidenced(&request(declared, &["import hashlib"]), CweId(328)));
        // `True`, or a second call without it, is still a weak hash.
        let stated = "def f(d):\n    return hashlib.md5(d, usedforsecurity=True).hexdigest()\n";
        assert!(evidenced(&request(stated, &["import hashlib"]), CweId(328)));
        let second =
            "def f(d):\n    a = hashlib.md5(d, usedforsecurity=False)\n    return hashlib.md5(d).hexdigest(), a\n";
        assert!(evidenced(&request(second, &["import hashlib"]), CweId(328)));
    }

    #[test]
    fn a_window_is_judged_with_the_bindings_and_calls_of_its_whole_unit() {
        let whole = "def f(self, key):\n    table = quote_name(self._table)\n    x = 1\n    \
                     cursor.execute(\n        \"DELETE FROM %s\" % table\n    )\n    y = 2\n";
        let mut window = request("    x = 1\n    cursor.execute(\n", &[]);
        assert!(evidenced(&window, CweId(89)), "alone, the window's call is cut off: assume data");
        window.whole = Some(crate::detect::WholeUnit { text: whole.into(), lines_before: 2 });
        assert!(!evidenced(&window, CweId(89)));
        let tainted = whole.replace("quote_name(self._table)", "self._table");
        window.whole = Some(crate::detect::WholeUnit { text: tainted.into(), lines_before: 2 });
        assert!(evidenced(&window, CweId(89)));
    }

    #[test]
    fn second_choices_are_the_weaknesses_a_unit_shows_specific_evidence_of() {
        let ids = |text: &str| -> Vec<u32> { second_choices(&request(text, &[])).iter().map(|c| c.0).collect() };
        // `greet`: markup and nothing else, so XSS alone (an open redirect has no redirect here).
        assert_eq!(ids("def greet(name):\n    return f\"<h1>Welcome back, {name}!</h1>\"\n"), [79]);
        // A command given data; a command of constants is no evidence of injection.
        assert_eq!(ids("def run(cmd):\n    os.system(cmd)\n"), [78]);
        assert!(ids("def run():\n    os.system(\"ls -l\")\n").is_empty());
        // A redirect and a query given data, both.
        assert_eq!(ids("def go(db, q):\n    db.execute(\"SELECT \" + q)\n    return redirect(q)\n"), [89, 601]);
        // A markup or URL word alone is no second choice (Django's SQL `template` strings, a
        // sitemap's `location`), though `evidenced` keeps a finding the model named there.
        let template = "def f(self):\n    template = \"CONSTRAINT %(name)s\"\n    return template % self.params\n";
        assert!(evidenced(&request(template, &[]), XSS) && ids(template).is_empty());
        let location = "def location(self, obj):\n    return reverse(self.url_name, kwargs=obj)\n";
        assert!(evidenced(&request(location, &[]), OPEN_REDIRECT) && ids(location).is_empty());
        // A hash called by name is the weakness itself.
        assert_eq!(ids("def digest(v):\n    return hashlib.md5(v).hexdigest()\n"), [328]);
        // Ordinary code shows nothing specific: path traversal, exposure, secrets and access control
        // are kept anywhere by `evidenced`, so they are never a second choice. A file `open` is where
        // a temp-file weakness would be (`evidenced` keeps CWE-377 there), not a sign of one.
        let plain = "def read(request, name):\n    path = os.path.join(BASE, name)\n    return open(path).read()\n";
        assert!(evidenced(&request(plain, &[]), CweId(22)) && evidenced(&request(plain, &[]), CweId(377)));
        assert!(ids(plain).is_empty(), "{:?}", ids(plain));
    }

    #[test]
    fn cross_site_scripting_needs_markup_in_the_unit() {
        let kept = [
            "def greet(name):\n    return f\"<h1>Welcome back, {name}!</h1>\"\n",
            "def link(url):\n    return '<a href=\"%s\">x</a>' % url\n",
            "def f(v):\n    return mark_safe(v)\n",
            "def f(v):\n    return Markup(v)\n",
            "def f(self, v):\n    return self.render(v)\n",
            "def f(v):\n    return format_html(\"{}\", v)\n",
            "def f(v):\n    return jinja2.Template(v).render()\n",
            "def f(v):\n    body = '<!-- ' + v\n    return body\n",
            "def f(v):\n    return conditional_escape(v)\n",
            "def f(context, v):\n    context[\"widget\"][\"href\"] = v\n    return context\n",
        ];
        let dropped = [
            "def f(index):\n    i = index\n    return self._layer[i]\n",
            "def f(a, b):\n    return a < b\n",
            "def f(a):\n    return \"%s <%d\" % (a, 3)\n",
            "def f(request, reason):\n    try:\n        return self._accept(request)\n    finally:\n        log(reason)\n",
        ];
        // A window is judged with its whole unit: the tag may sit above it.
        let window =
            ("    out += name\n    return out\n", "def f(name):\n    out = \"<p>\"\n    out += name\n    return out\n");
        assert_word_rule(XSS, &kept, &dropped, window);
    }

    /// A unit-level evidence rule keeps `cwe` in each of `kept`, drops it in each of `dropped`, and
    /// reads a window (`window.0`) with its whole unit (`window.1`, two lines above it).
    fn assert_word_rule(cwe: CweId, kept: &[&str], dropped: &[&str], window: (&str, &str)) {
        for text in kept {
            assert!(evidenced(&request(text, &[]), cwe), "{text}");
        }
        for text in dropped {
            assert!(!evidenced(&request(text, &[]), cwe), "{text}");
        }
        let mut piece = request(window.0, &[]);
        assert!(!evidenced(&piece, cwe), "{}", window.0);
        piece.whole = Some(crate::detect::WholeUnit { text: window.1.into(), lines_before: 2 });
        assert!(evidenced(&piece, cwe), "{}", window.1);
    }

    #[test]
    fn an_open_redirect_needs_a_redirect_or_its_target_in_the_unit() {
        let kept = [
            "def login_done():\n    return redirect(request.args.get(\"next\", \"/\"))\n",
            "def f(request):\n    return HttpResponseRedirect(request.GET[\"to\"])\n",
            "async def f(q: str):\n    return RedirectResponse(q)\n",
            "def f(handler, target):\n    handler.set_header(\"Location\", target)\n",
            "def _is_safe_url(url, host):\n    return urlparse(url).netloc == host\n",
            "def f(req):\n    raise web.HTTPFound(req.query[\"return_to\"])\n",
        ];
        let dropped = [
            "def greet():\n    name = request.args.get(\"name\", \"reader\")\n    return f\"<h1>Welcome back, {name}!</h1>\"\n",
            "def f(context, value):\n    context[\"title\"] = value\n    return context\n",
        ];
        let window =
            ("    return response\n", "def f(target):\n    response = redirect(target)\n    return response\n");
        assert_word_rule(OPEN_REDIRECT, &kept, &dropped, window);
    }

    #[test]
    fn an_unrestricted_upload_needs_an_uploaded_file_in_the_unit() {
        let kept = [
            "def save_cover(upload):\n    upload.save(os.path.join(DIR, upload.filename))\n",
            "async def f(file: UploadFile):\n    open(file.filename, \"wb\").write(await file.read())\n",
            "def f(storage: FileStorage):\n    storage.save(storage.filename)\n",
            "def f(request):\n    form = request.post(\"multipart\")\n    return form\n",
        ];
        let dropped = [
            "def add(self, *objs):\n    for obj in objs:\n        obj.save()\n",
            "def dims(file_or_path):\n    file = open(file_or_path, \"rb\")\n    return parse(file)\n",
        ];
        let window = ("    f.save(path)\n", "def f(uploaded, path):\n    f = uploaded\n    f.save(path)\n");
        assert_word_rule(UNRESTRICTED_UPLOAD, &kept, &dropped, window);
    }

    #[test]
    fn redos_needs_a_regex_that_can_backtrack() {
        let redos = REDOS;
        let bounded = request(
            "def f(locale):\n    looks = re.compile(r\"[a-z]{2}\")\n    return looks.match(locale)\n",
            &["import re"],
        );
        assert!(!evidenced(&bounded, redos));
        assert!(!evidenced(&request("def f(x):\n    return x.split(\",\")\n", &[]), redos), "no regex at all");
        for unbounded in [
            "def f(body):\n    return re.sub(b\"<!--.*?-->\", b\"\", body)\n",
            "def f(v):\n    return re.search(r'((\\r\\n|\\r|\\n)+) *$', v)\n",
            "def f(self):\n    return self.match(r\"((?:\\s+\\w+|\\s*=\\s*)*)\")\n",
            "def f(pattern, text):\n    return re.match(pattern, text)\n",
            "def f(text):\n    return EMAIL.match(text)\n",
            "def f(text):\n    return WORDS.sub(\"-\", text)\n",
            "def f(text):\n    return re.match(r\"(?=a)b\", text)\n",
        ] {
            assert!(evidenced(&request(unbounded, &["import re"]), redos), "{unbounded}");
        }
        let imported = "def f(pattern, text):\n    return match(pattern, text)\n";
        assert!(evidenced(&request(imported, &["from re import match, sub"]), redos));
        assert!(!evidenced(&request(imported, &["from re import compile"]), redos), "a `match` of its own");
    }
}
