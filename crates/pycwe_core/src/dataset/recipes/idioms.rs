//! Short idioms (wide set only): the one- and two-line forms in which these weaknesses most often
//! appear in real packages, next to the longer bodies of the core recipes. A 135M model trained
//! only on the core bodies learned their surroundings rather than the sink (near chance on unseen
//! shapes, docs/RESULTS.md §2); bodies this short leave the sink itself as the signal.
//!
//! They were written from the common forms of the weaknesses (Bandit's tests and the CWE entries'
//! examples), not from the example project or the real-code set, which stay measurements.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

/// Where the short idioms fit: everywhere a value arrives from outside, including plain functions.
const ANYWHERE: &[&str] =
    &["flask", "django", "fastapi", "aiohttp", "http.server", "socket", "celery", "worker", "library"];

const WHY_ARGV: &str = "The command is an argument list run without a shell, so `$v` stays one argument.";
const WHY_PARAM: &str = "The value is bound as a query parameter, so the driver never parses it as SQL.";
const WHY_LITERAL: &str = "`ast.literal_eval` only accepts Python literals (numbers, strings, lists, dicts), so no \
                           code in `$v` runs.";
const WHY_JSON: &str = "JSON only yields plain data, so loading it cannot build objects or call code.";
const WHY_BASE: &str = "The resolved path must stay inside the base directory, so `..` or an absolute name is refused.";
const WHY_HOSTS: &str = "The URL's host must be one of a fixed set, so no other address can be requested.";
const WHY_ESCAPE: &str = "`$v` is HTML-escaped before it is placed in the markup.";

pub const RECIPES: &[Recipe] = &[
    Recipe::Taint {
        name: "os-command-idioms",
        version: 1,
        cwe: CweId(78),
        sinks: &[
            Sink {
                name: "system-fstring",
                input: Input::Text,
                imports: &["import os"],
                setup: "",
                vulnerable: "$out = os.system(f\"$tool {$v}\")  #@\n",
                fixed: &[Fix {
                    imports: &["import subprocess"],
                    body: "$out = subprocess.call([\"$tool\", $v])  #@\n",
                    why: WHY_ARGV,
                }],
                why: "`os.system` hands the string to a shell, so `;` or `$(...)` in `$v` runs another command.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
            Sink {
                name: "check-output-shell",
                input: Input::Text,
                imports: &["import subprocess"],
                setup: "",
                vulnerable: "cmd = \"$tool --name \" + $v\n$out = subprocess.check_output(cmd, shell=True, text=True)  #@\n",
                fixed: &[
                    Fix {
                        imports: &[],
                        body: "cmd = [\"$tool\", \"--name\", $v]\n$out = subprocess.check_output(cmd, text=True)  #@\n",
                        why: WHY_ARGV,
                    },
                    Fix {
                        imports: &["import shlex"],
                        body: "cmd = \"$tool --name \" + shlex.quote($v)\n$out = subprocess.check_output(cmd, shell=True, text=True)  #@\n",
                        why: "`shlex.quote` makes `$v` a single shell word, so the shell cannot read it as syntax.",
                    },
                ],
                why: "The command line is built from `$v` and run with `shell=True`.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
            Sink {
                name: "popen-read",
                input: Input::Path,
                imports: &["import os"],
                setup: "",
                vulnerable: "$out = os.popen(\"wc -l \" + $v).read()  #@\n",
                fixed: &[Fix {
                    imports: &["import subprocess"],
                    body: "$out = subprocess.run([\"wc\", \"-l\", \"--\", $v], capture_output=True, text=True).stdout  #@\n",
                    why: WHY_ARGV,
                }],
                why: "`os.popen` runs its string in a shell, and `$v` is part of that string.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
        ],
    },
    Recipe::Taint {
        name: "sqli-idioms",
        version: 1,
        cwe: CweId(89),
        sinks: &[
            Sink {
                name: "execute-percent",
                input: Input::Text,
                imports: &["import sqlite3"],
                setup: "DB_PATH = \"$table.db\"",
                vulnerable: "$conn = sqlite3.connect(DB_PATH)\n$out = $conn.execute(\"SELECT * FROM $table WHERE $col = '%s'\" % $v).fetchall()  #@\n",
                fixed: &[Fix {
                    imports: &[],
                    body: "$conn = sqlite3.connect(DB_PATH)\n$out = $conn.execute(\"SELECT * FROM $table WHERE $col = ?\", ($v,)).fetchall()  #@\n",
                    why: WHY_PARAM,
                }],
                why: "`$v` is %-formatted into the SQL text, so a quote in it rewrites the query.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
            Sink {
                name: "cursor-like-fstring",
                input: Input::Text,
                imports: &["import sqlite3"],
                setup: "DB_PATH = \"$table.db\"",
                vulnerable: "$cur = sqlite3.connect(DB_PATH).cursor()\n$cur.execute(f\"SELECT id FROM $table WHERE $col LIKE '%{$v}%'\")  #@\n$out = $cur.fetchall()\n",
                fixed: &[Fix {
                    imports: &[],
                    body: "$cur = sqlite3.connect(DB_PATH).cursor()\n$cur.execute(\"SELECT id FROM $table WHERE $col LIKE ?\", (f\"%{$v}%\",))  #@\n$out = $cur.fetchall()\n",
                    why: WHY_PARAM,
                }],
                why: "The LIKE pattern is built into the SQL text with an f-string, so `$v` can close the quote.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
            Sink {
                name: "order-by",
                input: Input::Text,
                imports: &["import sqlite3"],
                setup: "DB_PATH = \"$table.db\"",
                vulnerable: "$conn = sqlite3.connect(DB_PATH)\n$out = $conn.execute(\"SELECT * FROM $table ORDER BY \" + $v).fetchall()  #@\n",
                fixed: &[Fix {
                    imports: &[],
                    body: "$conn = sqlite3.connect(DB_PATH)\ncolumn = {\"$col\": \"$col\", \"id\": \"id\"}.get($v, \"id\")  #@\n$out = $conn.execute(\"SELECT * FROM $table ORDER BY \" + column).fetchall()\n",
                    why: "Only a column name from a fixed mapping reaches the SQL text.",
                }],
                why: "`$v` is appended to the SQL after ORDER BY, where a bound parameter cannot go, and it is not checked.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
        ],
    },
    Recipe::Taint {
        name: "code-eval-idioms",
        version: 1,
        cwe: CweId(94),
        sinks: &[
            Sink {
                name: "eval-bare",
                input: Input::Text,
                imports: &[],
                setup: "",
                vulnerable: "$out = eval($v)  #@\n",
                fixed: &[Fix { imports: &["import ast"], body: "$out = ast.literal_eval($v)  #@\n", why: WHY_LITERAL }],
                why: "`eval` runs `$v` as Python.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
            Sink {
                name: "eval-empty-globals",
                input: Input::Text,
                imports: &[],
                setup: "",
                vulnerable: "$out = bool(eval($v, {\"__builtins__\": {}}, {\"$entity\": {}}))  #@\n",
                fixed: &[Fix {
                    imports: &["import ast"],
                    body: "$out = bool(ast.literal_eval($v))  #@\n",
                    why: WHY_LITERAL,
                }],
                why: "Emptying `__builtins__` does not contain `eval`: attribute walks such as `().__class__` still reach any object.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
            Sink {
                name: "exec-snippet",
                input: Input::Text,
                imports: &[],
                setup: "",
                vulnerable: "scope = {}\nexec($v, scope)  #@\n$out = scope.get(\"result\")\n",
                fixed: &[Fix {
                    imports: &["import json"],
                    body: "scope = json.loads($v)  #@\n$out = scope.get(\"result\")\n",
                    why: WHY_JSON,
                }],
                why: "`exec` runs the text of `$v` as a Python program.",
                frameworks: ANYWHERE,
                constant_is_safe: false,
            },
        ],
    },
    Recipe::Taint {
        name: "deserialization-idioms",
        version: 1,
        cwe: CweId(502),
        sinks: &[
            Sink {
                name: "pickle-bare",
                input: Input::Payload,
                imports: &["import pickle"],
                setup: "",
                vulnerable: "$out = pickle.loads($v)  #@\n",
                fixed: &[Fix { imports: &["import json"], body: "$out = json.loads($v)  #@\n", why: WHY_JSON }],
                why: "`pickle.loads` on outside bytes can call any function while it loads.",
                frameworks: ANYWHERE,
                constant_is_safe: false,
            },
            Sink {
                name: "yaml-load-loader",
                input: Input::Payload,
                imports: &["import yaml"],
                setup: "",
                vulnerable: "$out = yaml.load($v, Loader=yaml.Loader)  #@\n",
                fixed: &[Fix {
                    imports: &[],
                    body: "$out = yaml.load($v, Loader=yaml.SafeLoader)  #@\n",
                    why: "`SafeLoader` only builds standard YAML types and rejects `!!python/` tags.",
                }],
                why: "`yaml.Loader` honours `!!python/object` tags, so the document can construct objects and call code.",
                frameworks: ANYWHERE,
                constant_is_safe: false,
            },
            Sink {
                name: "pickle-file",
                input: Input::Path,
                imports: &["import pickle"],
                setup: "",
                vulnerable: "with open($v, \"rb\") as fh:\n    $out = pickle.load(fh)  #@\n",
                fixed: &[Fix {
                    imports: &["import json"],
                    body: "with open($v, \"rb\") as fh:\n    $out = json.load(fh)  #@\n",
                    why: WHY_JSON,
                }],
                why: "The pickle is read from a file the caller names, so its content decides what code runs while loading.",
                frameworks: ANYWHERE,
                constant_is_safe: false,
            },
        ],
    },
    Recipe::Taint {
        name: "path-traversal-idioms",
        version: 1,
        cwe: CweId(22),
        sinks: &[
            Sink {
                name: "open-join-read",
                input: Input::Path,
                imports: &["import os"],
                setup: "$dir = \"$dirpath\"",
                vulnerable: "with open(os.path.join($dir, $v), \"rb\") as fh:  #@\n    $out = fh.read()\n",
                fixed: &[Fix {
                    imports: &[],
                    body: "path = os.path.realpath(os.path.join($dir, $v))\nif os.path.commonpath([path, os.path.realpath($dir)]) != os.path.realpath($dir):  #@\n    raise ValueError(\"outside the base directory\")\nwith open(path, \"rb\") as fh:\n    $out = fh.read()\n",
                    why: WHY_BASE,
                }],
                why: "`os.path.join` keeps `..` parts and drops the base for an absolute `$v`, so any readable file can be opened.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
            Sink {
                name: "pathlib-slash",
                input: Input::Path,
                imports: &["from pathlib import Path"],
                setup: "$dir = Path(\"$dirpath\")",
                vulnerable: "$out = ($dir / $v).read_bytes()  #@\n",
                fixed: &[Fix {
                    imports: &[],
                    body: "target = ($dir / $v).resolve()\nif not target.is_relative_to($dir.resolve()):  #@\n    raise ValueError(\"outside the base directory\")\n$out = target.read_bytes()\n",
                    why: WHY_BASE,
                }],
                why: "`Path / $v` accepts `..` and absolute paths, so the read can leave the base directory.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
            Sink {
                name: "basename-missing",
                input: Input::Path,
                imports: &["import os"],
                setup: "$dir = \"$dirpath\"",
                vulnerable: "dest = os.path.join($dir, $v)  #@\nwith open(dest, \"w\", encoding=\"utf-8\") as fh:\n    fh.write(\"\")\n$out = dest\n",
                fixed: &[Fix {
                    imports: &[],
                    body: "dest = os.path.join($dir, os.path.basename($v))  #@\nwith open(dest, \"w\", encoding=\"utf-8\") as fh:\n    fh.write(\"\")\n$out = dest\n",
                    why: "`os.path.basename` keeps only the last path component, so the file stays in the base directory.",
                }],
                why: "The file name `$v` is joined to the base directory unchecked, so `../` writes elsewhere.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
        ],
    },
    Recipe::Taint {
        name: "ssrf-idioms",
        version: 1,
        cwe: CweId(918),
        sinks: &[
            Sink {
                name: "requests-bare",
                input: Input::Url,
                imports: &["import requests"],
                setup: "",
                vulnerable: "$out = requests.get($v, timeout=10).text  #@\n",
                fixed: &[Fix {
                    imports: &["from urllib.parse import urlparse"],
                    body: "if urlparse($v).hostname not in {\"$host\", \"api.$host\"}:  #@\n    raise ValueError(\"host not allowed\")\n$out = requests.get($v, timeout=10).text\n",
                    why: WHY_HOSTS,
                }],
                why: "The server requests whatever URL `$v` names, including internal addresses.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
            Sink {
                name: "urlopen-bare",
                input: Input::Url,
                imports: &["from urllib.request import urlopen"],
                setup: "",
                vulnerable: "with urlopen($v, timeout=10) as resp:  #@\n    $out = resp.read()\n",
                fixed: &[Fix {
                    imports: &["from urllib.parse import urlparse"],
                    body: "if urlparse($v).hostname not in {\"$host\", \"api.$host\"}:  #@\n    raise ValueError(\"host not allowed\")\nwith urlopen($v, timeout=10) as resp:\n    $out = resp.read()\n",
                    why: WHY_HOSTS,
                }],
                why: "`urlopen` fetches any URL `$v` names, and also reads `file://` URLs.",
                frameworks: ANYWHERE,
                constant_is_safe: true,
            },
        ],
    },
    Recipe::Taint {
        name: "xss-idioms",
        version: 1,
        cwe: CweId(79),
        sinks: &[
            Sink {
                name: "fstring-heading",
                input: Input::Text,
                imports: &[],
                setup: "",
                vulnerable: "$out = f\"<h1>{$v}</h1>\"  #@\n",
                fixed: &[Fix {
                    imports: &["import html"],
                    body: "$out = f\"<h1>{html.escape($v)}</h1>\"  #@\n",
                    why: WHY_ESCAPE,
                }],
                why: "`$v` is put into HTML unescaped, so tags and scripts in it reach the page.",
                frameworks: &["flask", "django", "aiohttp", "library"],
                constant_is_safe: true,
            },
            Sink {
                name: "concat-link",
                input: Input::Url,
                imports: &[],
                setup: "",
                vulnerable: "$out = '<a href=\"' + $v + '\">open</a>'  #@\n",
                fixed: &[Fix {
                    imports: &["import html"],
                    body: "$out = '<a href=\"' + html.escape($v, quote=True) + '\">open</a>'  #@\n",
                    why: WHY_ESCAPE,
                }],
                why: "`$v` is concatenated into an HTML attribute unescaped, so a quote in it adds attributes or tags.",
                frameworks: &["flask", "django", "aiohttp", "library"],
                constant_is_safe: true,
            },
        ],
    },
];
