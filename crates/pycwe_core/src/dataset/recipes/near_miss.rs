//! Near-miss pairs (the `near-miss` set only): the vulnerable twin already has a guard, an escape
//! or a check, but a flawed one (a character-wise prefix test, a denylist, hand-written quotes, a
//! check that an empty value skips), and the fixed twin corrects that one expression, often keeping
//! the dangerous call behind a guard that holds. Weaknesses in mature packages mostly look like
//! this rather than like a sink with no guard at all, and the twins differ by a token or two, so a
//! model must read the guard, not only spot the sink.
//!
//! The label sits on the flawed line (where the fix goes), not on the sink below it.
//!
//! Written from the textbook bypasses of each kind of guard (the CWE entries' demonstrative
//! examples, OWASP's cheat sheets), not from any code this project measures on.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, ModulePair, Recipe, Sink};

const WHY_CONTAINED: &str = "The resolved path must lie inside `$dir` as a whole path component, so neither `../` \
                             segments nor a sibling folder that shares its prefix get through.";
const SERVERS: &[&str] = &["flask", "library"];

pub const RECIPES: &[Recipe] = &[
    Recipe::Taint {
        name: "path-traversal-near-miss",
        version: 1,
        cwe: CweId(22),
        sinks: &[
            Sink {
                name: "commonprefix-guard",
                input: Input::Path,
                imports: &["import os"],
                setup: "$dir = \"$dirpath\"",
                vulnerable: r#"full_path = os.path.realpath(os.path.join($dir, $v))
if os.path.commonprefix([full_path, $dir]) != $dir:  #@
    raise PermissionError("path outside the $entity folder")
with open(full_path, "rb") as fh:
    $out = fh.read()
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"full_path = os.path.realpath(os.path.join($dir, $v))
if os.path.commonpath([full_path, $dir]) != $dir:  #@
    raise PermissionError("path outside the $entity folder")
with open(full_path, "rb") as fh:
    $out = fh.read()
"#,
                    why: WHY_CONTAINED,
                }],
                why: "`os.path.commonprefix` compares characters, not path components, so `$v` can name a sibling \
                      folder whose name starts with `$dir`'s (`$dirpath` followed by `-old/...`).",
                frameworks: &[],
                constant_is_safe: false,
            },
            Sink {
                name: "startswith-without-separator",
                input: Input::Path,
                imports: &["import os"],
                setup: "$dir = \"$dirpath\"",
                vulnerable: r#"full_path = os.path.abspath(os.path.join($dir, $v))
if not full_path.startswith($dir):  #@
    raise PermissionError("path outside the $entity folder")
with open(full_path, encoding="utf-8") as fh:
    $out = fh.read()
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"full_path = os.path.abspath(os.path.join($dir, $v))
if not full_path.startswith(os.path.join($dir, "")):  #@
    raise PermissionError("path outside the $entity folder")
with open(full_path, encoding="utf-8") as fh:
    $out = fh.read()
"#,
                    why: WHY_CONTAINED,
                }],
                why: "The prefix test has no trailing separator, so `../` in `$v` can reach a sibling folder whose \
                      name starts with `$dir`'s.",
                frameworks: &[],
                constant_is_safe: false,
            },
            Sink {
                name: "dotdot-stripped-once",
                input: Input::Path,
                imports: &["import os"],
                setup: "$dir = \"$dirpath\"",
                vulnerable: r#"rel_name = $v.replace("../", "")  #@
with open(os.path.join($dir, rel_name), "rb") as fh:
    $out = fh.read()
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"rel_name = os.path.basename($v)  #@
with open(os.path.join($dir, rel_name), "rb") as fh:
    $out = fh.read()
"#,
                    why: "Only the last component of `$v` is kept, so it names a file in `$dir` and nothing elsewhere.",
                }],
                why: "Removing `../` once turns `....//` back into `../`, and an absolute `$v` replaces `$dir` in \
                      the join, so the file read can be anywhere.",
                frameworks: &[],
                constant_is_safe: false,
            },
        ],
    },
    Recipe::Taint {
        name: "open-redirect-near-miss",
        version: 1,
        cwe: CweId(601),
        sinks: &[
            Sink {
                name: "leading-slash-only",
                input: Input::Url,
                imports: &["from flask import redirect"],
                setup: "",
                vulnerable: r#"target = $v if $v.startswith("/") else "/"  #@
$out = redirect(target)
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"target = $v if $v.startswith("/") and not $v.startswith("//") and "\\" not in $v else "/"  #@
$out = redirect(target)
"#,
                    why: "Only a path on this site is accepted: `//host` and backslashes, which browsers read as \
                          another host, fall back to `/`.",
                }],
                why: "A value starting with `//` also starts with `/`, and browsers read `//host/...` as a link to \
                      another site.",
                frameworks: SERVERS,
                constant_is_safe: false,
            },
            Sink {
                name: "host-suffix",
                input: Input::Url,
                imports: &["from urllib.parse import urlparse", "from flask import redirect"],
                setup: "",
                vulnerable: r#"parts = urlparse($v)
target = $v if parts.scheme in ("http", "https") and parts.netloc.endswith("$host") else "/"  #@
$out = redirect(target)
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"parts = urlparse($v)
target = $v if parts.scheme in ("http", "https") and parts.netloc == "$host" else "/"  #@
$out = redirect(target)
"#,
                    why: "The host must equal `$host` exactly, so no other site can be the target.",
                }],
                why: "`endswith` also accepts any host whose name merely ends in `$host` (`other$host`), which \
                      anyone can register.",
                frameworks: SERVERS,
                constant_is_safe: false,
            },
        ],
    },
    Recipe::Taint {
        name: "code-injection-near-miss",
        version: 1,
        cwe: CweId(94),
        sinks: &[Sink {
            name: "eval-denylist",
            input: Input::Text,
            imports: &["import re"],
            setup: "",
            vulnerable: r#"if re.search(r"__|import|exec|open", $v):  #@
    raise ValueError("expression not allowed")
$out = eval($v, {"__builtins__": {}}, {})
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"if len($v) > 64 or "**" in $v or not re.fullmatch(r"[0-9+\-*/(). ]+", $v):  #@
    raise ValueError("expression not allowed")
$out = eval($v, {"__builtins__": {}}, {})
"#,
                why: "Only short arithmetic on numbers passes the allowlist, so `eval` sees no names and no powers.",
            }],
            why: "A denylist of words leaves `eval` open: identifiers are NFKC-normalised, so full-width \
                  underscores spell `__class__` past the pattern, and attribute chains reach builtins again.",
            frameworks: &[],
            constant_is_safe: false,
        }],
    },
    Recipe::Taint {
        name: "os-command-near-miss",
        version: 1,
        cwe: CweId(78),
        sinks: &[
            Sink {
                name: "hand-quoted-shell",
                input: Input::Text,
                imports: &["import subprocess"],
                setup: "",
                vulnerable: r#"$out = subprocess.run(f"$tool '{$v}'", shell=True, capture_output=True, text=True).stdout  #@
"#,
                fixed: &[Fix {
                    imports: &["import shlex"],
                    body: r#"$out = subprocess.run(f"$tool {shlex.quote($v)}", shell=True, capture_output=True, text=True).stdout  #@
"#,
                    why: "`shlex.quote` quotes `$v` so the shell reads it as one word, quotes inside it included.",
                }],
                why: "Hand-written single quotes end at the first `'` in `$v`, after which the shell runs whatever \
                      follows.",
                frameworks: &[],
                constant_is_safe: false,
            },
            Sink {
                name: "metacharacter-denylist",
                input: Input::Text,
                imports: &["import re", "import subprocess"],
                setup: "",
                vulnerable: r#"if any(ch in $v for ch in ";&|"):  #@
    raise ValueError("character not allowed")
$out = subprocess.check_output("$tool " + $v, shell=True, text=True)
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"if not re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*", $v):  #@
    raise ValueError("character not allowed")
$out = subprocess.check_output("$tool " + $v, shell=True, text=True)
"#,
                    why: "Only letters, digits, dots, dashes and underscores pass, none of which the shell treats \
                          specially, and no leading dash.",
                }],
                why: "The denylist misses `$(...)`, backticks and newlines, each of which makes the shell run \
                      another command.",
                frameworks: &[],
                constant_is_safe: false,
            },
        ],
    },
    Recipe::Taint {
        name: "sqli-near-miss",
        version: 1,
        cwe: CweId(89),
        sinks: &[
            Sink {
                name: "quotes-stripped-order-by",
                input: Input::Text,
                imports: &["import sqlite3"],
                setup: "DB_PATH = \"$table.db\"",
                vulnerable: r#"column = $v.replace("'", "").replace(";", "")  #@
with sqlite3.connect(DB_PATH) as $conn:
    $out = $conn.execute(f"SELECT id, $col FROM $table ORDER BY {column}").fetchall()
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"column = $v if $v in ("id", "$col", "created_at") else "id"  #@
with sqlite3.connect(DB_PATH) as $conn:
    $out = $conn.execute(f"SELECT id, $col FROM $table ORDER BY {column}").fetchall()
"#,
                    why: "The sort column comes from a fixed list, so only a known column name reaches the SQL text.",
                }],
                why: "Removing quotes and semicolons is not escaping: an `ORDER BY` expression needs neither, so \
                      `$v` can still add a subquery.",
                frameworks: &[],
                constant_is_safe: false,
            },
            Sink {
                name: "fragment-with-params",
                input: Input::Text,
                imports: &[],
                setup: "",
                vulnerable: r#"clause = "%s = '%s'" % ("$col", $v)  #@
$out = ("SELECT id FROM $table WHERE " + clause, [])
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"clause = "%s = %%s" % "$col"  #@
$out = ("SELECT id FROM $table WHERE " + clause, [$v])
"#,
                    why: "The value goes into the parameter list and the fragment only holds a placeholder.",
                }],
                why: "The fragment returned to the query builder already holds `$v` between hand-written quotes, so \
                      a quote in it changes the query.",
                frameworks: &["library"],
                constant_is_safe: false,
            },
        ],
    },
    Recipe::Taint {
        name: "ssrf-near-miss",
        version: 1,
        cwe: CweId(918),
        sinks: &[Sink {
            name: "url-prefix-check",
            input: Input::Url,
            imports: &["import requests"],
            setup: "",
            vulnerable: r#"if not $v.startswith("https://$host"):  #@
    raise ValueError("unknown host")
$out = requests.get($v, timeout=5).content
"#,
            fixed: &[Fix {
                imports: &["from urllib.parse import urlparse"],
                body: r#"if urlparse($v).scheme != "https" or urlparse($v).hostname != "$host":  #@
    raise ValueError("unknown host")
$out = requests.get($v, timeout=5).content
"#,
                why: "The parsed host must equal `$host`, so no other address is requested.",
            }],
            why: "A string prefix also accepts `https://$host.other.example/` and `https://$host@other.example/`, \
                  which reach hosts other than `$host`.",
            frameworks: &[],
            constant_is_safe: false,
        }],
    },
    Recipe::Taint {
        name: "deserialization-near-miss",
        version: 1,
        cwe: CweId(502),
        sinks: &[Sink {
            name: "optional-signature",
            input: Input::Payload,
            imports: &["import hashlib", "import hmac", "import os", "import pickle"],
            setup: "$secret_name = os.environ[\"$secret_name\"].encode()",
            vulnerable: r#"sig, _, blob = $v.partition(b".")
if sig and not hmac.compare_digest(sig, hmac.new($secret_name, blob, hashlib.sha256).hexdigest().encode()):  #@
    raise PermissionError("signature mismatch")
$out = pickle.loads(blob)
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"sig, _, blob = $v.partition(b".")
if not hmac.compare_digest(sig, hmac.new($secret_name, blob, hashlib.sha256).hexdigest().encode()):  #@
    raise PermissionError("signature mismatch")
$out = pickle.loads(blob)
"#,
                why: "Every payload must carry a valid signature made with the server's key before it is unpickled.",
            }],
            why: "A payload with an empty signature skips the check, so any pickle reaches `pickle.loads`, which \
                  can run code.",
            frameworks: &[],
            constant_is_safe: false,
        }],
    },
    Recipe::Taint {
        name: "xss-near-miss",
        version: 1,
        cwe: CweId(79),
        sinks: &[
            Sink {
                name: "markup-around-join",
                input: Input::Text,
                imports: &["from markupsafe import Markup, escape"],
                setup: "",
                vulnerable: r#"$out = Markup("<br>".join($v.split(",")))  #@
"#,
                fixed: &[
                    Fix {
                        imports: &[],
                        body: r#"$out = Markup("<br>").join($v.split(","))  #@
"#,
                        why: "`Markup.join` escapes every part it joins, so only the `<br>` separators stay markup.",
                    },
                    Fix {
                        imports: &[],
                        body: r#"$out = Markup("<br>".join(escape(part) for part in $v.split(",")))  #@
"#,
                        why: "Every part is HTML-escaped before the parts are joined and marked as markup.",
                    },
                ],
                why: "The joined text is marked as markup without escaping its parts, so tags in `$v` reach the page.",
                frameworks: &[],
                constant_is_safe: false,
            },
            Sink {
                name: "unquoted-attribute",
                input: Input::Text,
                imports: &["from markupsafe import Markup, escape"],
                setup: "",
                vulnerable: r#"$out = Markup(f"<span title={escape($v)}>{escape($v)}</span>")  #@
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"$out = Markup(f'<span title="{escape($v)}">{escape($v)}</span>')  #@
"#,
                    why: "The attribute is quoted and `escape` encodes quotes, so `$v` stays inside the attribute value.",
                }],
                why: "`escape` leaves spaces and `=` alone, so in an unquoted attribute `$v` can add its own \
                      attributes such as an event handler.",
                frameworks: &[],
                constant_is_safe: false,
            },
        ],
    },
    Recipe::Module { name: "improper-authn-near-miss", version: 1, cwe: CweId(287), pairs: ISSUER_CHECKS },
];

const ISSUER_CHECKS: &[ModulePair] = &[ModulePair {
    name: "issuer-in-string",
    framework: "library",
    vulnerable: r#"import jwt

ACCEPTED_ISSUERS = "https://$host/"


def verify_token(token, public_key):
    claims = jwt.decode(token, public_key, algorithms=["RS256"], options={"verify_aud": False})
    if claims.get("iss", "") not in ACCEPTED_ISSUERS:  #@
        raise PermissionError("token from an unknown issuer")
    return claims
"#,
    fixed: r#"import jwt

ACCEPTED_ISSUERS = ("https://$host/",)  #@


def verify_token(token, public_key):
    claims = jwt.decode(token, public_key, algorithms=["RS256"], options={"verify_aud": False})
    if claims.get("iss", "") not in ACCEPTED_ISSUERS:
        raise PermissionError("token from an unknown issuer")
    return claims
"#,
    why_vulnerable: "`ACCEPTED_ISSUERS` is a string, so `in` tests for a substring: an empty issuer, or any piece of \
                     the accepted URL such as `https://`, is accepted.",
    why_fixed: "`ACCEPTED_ISSUERS` is a tuple, so `in` compares whole issuer names.",
}];
