//! CWE-502 deserialization of untrusted data: pickle, dill, marshal, jsonpickle, PyYAML's full
//! loaders, `torch.load` and shelve files applied to request data or request-chosen files.

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_JSON: &str = "JSON only yields plain data (dicts, lists, strings, numbers), so loading it cannot build \
                        objects or call code.";
const WHY_HMAC: &str = "The blob is unpickled only after its HMAC, keyed with a server-side secret, matches, so \
                        only data the server itself signed is ever loaded.";
const WHY_YAML: &str = "`yaml.safe_load` only builds standard YAML types and rejects the `!!python/` tags that \
                        construct objects.";

pub const RECIPES: &[Recipe] = &[Recipe::Taint {
    name: "deserialization",
    version: 1,
    cwe: CweId(502),
    sinks: &[
        Sink {
            name: "pickle-loads",
            input: Input::Payload,
            imports: &["import pickle"],
            setup: "",
            vulnerable: r#"state = pickle.loads($v)  #@
$out = {"$entity": state.get("id"), "fields": sorted(state)}
"#,
            fixed: &[
                Fix {
                    imports: &["import json"],
                    body: r#"state = json.loads($v)  #@
$out = {"$entity": state.get("id"), "fields": sorted(state)}
"#,
                    why: WHY_JSON,
                },
                Fix {
                    imports: &["import hashlib", "import hmac", "import os"],
                    body: r#"signature, packed = $v[:32], $v[32:]
expected = hmac.new(os.environ["STATE_SIGNING_KEY"].encode(), packed, hashlib.sha256).digest()
if not hmac.compare_digest(signature, expected):  #@
    raise ValueError("signature mismatch")
state = pickle.loads(packed)
$out = {"$entity": state.get("id"), "fields": sorted(state)}
"#,
                    why: WHY_HMAC,
                },
            ],
            why: "`pickle.loads` runs on bytes from the request, and a pickle can name any callable to invoke \
                  while it is loaded.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "pickle-base64-token",
            input: Input::Text,
            imports: &["import base64", "import pickle"],
            setup: "",
            vulnerable: r#"token = base64.urlsafe_b64decode($v)
prefs = pickle.loads(token)  #@
$out = {"theme": prefs.get("theme", "light"), "page_size": prefs.get("page_size", $limit)}
"#,
            fixed: &[
                Fix {
                    imports: &["import json"],
                    body: r#"token = base64.urlsafe_b64decode($v)
prefs = json.loads(token)  #@
$out = {"theme": prefs.get("theme", "light"), "page_size": prefs.get("page_size", $limit)}
"#,
                    why: WHY_JSON,
                },
                Fix {
                    imports: &["import hashlib", "import hmac", "import os"],
                    body: r#"token = base64.urlsafe_b64decode($v)
signature, packed = token[:32], token[32:]
expected = hmac.new(os.environ["PREFS_SIGNING_KEY"].encode(), packed, hashlib.sha256).digest()
if not hmac.compare_digest(signature, expected):  #@
    raise ValueError("signature mismatch")
prefs = pickle.loads(packed)
$out = {"theme": prefs.get("theme", "light"), "page_size": prefs.get("page_size", $limit)}
"#,
                    why: WHY_HMAC,
                },
            ],
            why: "The client-supplied token `$v` is base64-decoded and unpickled, so the client chooses the \
                  objects, and the calls, that loading creates.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "yaml-full-loader",
            input: Input::Payload,
            imports: &["import yaml"],
            setup: "",
            vulnerable: r#"config = yaml.load($v, Loader=yaml.Loader)  #@
$out = {"name": config.get("name"), "steps": len(config.get("steps", []))}
"#,
            fixed: &[
                Fix {
                    imports: &[],
                    body: r#"config = yaml.safe_load($v)  #@
$out = {"name": config.get("name"), "steps": len(config.get("steps", []))}
"#,
                    why: WHY_YAML,
                },
                Fix {
                    imports: &[],
                    body: r#"config = yaml.load($v, Loader=yaml.SafeLoader)  #@
$out = {"name": config.get("name"), "steps": len(config.get("steps", []))}
"#,
                    why: "`yaml.SafeLoader` only builds standard YAML types, so `!!python/object` tags in the \
                          document are rejected.",
                },
            ],
            why: "`yaml.Loader` honours `!!python/object/apply` tags, so the uploaded YAML can call any Python \
                  function while it is parsed.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "yaml-unsafe-load",
            input: Input::Payload,
            imports: &["import yaml"],
            setup: "",
            vulnerable: r#"manifest = yaml.unsafe_load($v)  #@
$out = [item.get("name") for item in manifest.get("$table", [])]
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"manifest = yaml.safe_load($v)  #@
$out = [item.get("name") for item in manifest.get("$table", [])]
"#,
                why: WHY_YAML,
            }],
            why: "`yaml.unsafe_load` constructs arbitrary Python objects named in the request body, which can \
                  execute code.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "marshal-loads",
            input: Input::Payload,
            imports: &["import marshal"],
            setup: "",
            vulnerable: r#"job = marshal.loads($v)  #@
$out = {"task": job[0], "argc": len(job) - 1}
"#,
            fixed: &[Fix {
                imports: &["import json"],
                body: r#"job = json.loads($v)  #@
$out = {"task": job[0], "argc": len(job) - 1}
"#,
                why: WHY_JSON,
            }],
            why: "`marshal.loads` is documented as unfit for data from others: crafted bytes build code objects \
                  or crash the interpreter.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "jsonpickle-decode",
            input: Input::Payload,
            imports: &["import jsonpickle"],
            setup: "",
            vulnerable: r#"cart = jsonpickle.decode($v)  #@
$out = {"items": len(cart.items), "total": cart.total}
"#,
            fixed: &[Fix {
                imports: &["import orjson"],
                body: r#"cart = orjson.loads($v)  #@
$out = {"items": len(cart["items"]), "total": cart["total"]}
"#,
                why: WHY_JSON,
            }],
            why: "`jsonpickle.decode` restores any class named by `py/object` and `py/reduce` keys in the \
                  request body, which lets the sender run code.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "dill-loads",
            input: Input::Payload,
            imports: &["import dill"],
            setup: "",
            vulnerable: r#"session_state = dill.loads($v)  #@
$out = {"keys": sorted(session_state)[:$limit]}
"#,
            fixed: &[Fix {
                imports: &["import orjson"],
                body: r#"session_state = orjson.loads($v)  #@
$out = {"keys": sorted(session_state)[:$limit]}
"#,
                why: WHY_JSON,
            }],
            why: "`dill.loads` is pickle with more types, so bytes from the request can run arbitrary code as \
                  they are loaded.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "torch-load",
            input: Input::Payload,
            imports: &["import io", "import torch"],
            setup: "",
            vulnerable: r#"weights = torch.load(io.BytesIO($v), map_location="cpu", weights_only=False)  #@
$out = {"tensors": len(weights), "keys": list(weights)[:$limit]}
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"weights = torch.load(io.BytesIO($v), map_location="cpu", weights_only=True)  #@
$out = {"tensors": len(weights), "keys": list(weights)[:$limit]}
"#,
                why: "With `weights_only=True`, `torch.load` uses a restricted unpickler that only rebuilds \
                          tensors and plain containers.",
            }],
            why: "`torch.load(..., weights_only=False)` unpickles the uploaded checkpoint, so the file can run \
                  code on the server.",
            frameworks: &[],
            constant_is_safe: false,
        },
        Sink {
            name: "shelve-user-file",
            input: Input::Path,
            imports: &["import os", "import shelve"],
            setup: "$dir = \"$dirpath\"",
            vulnerable: r#"shelf_path = os.path.join($dir, $v)
with shelve.open(shelf_path, flag="r") as shelf:  #@
    $out = dict(shelf)
"#,
            fixed: &[Fix {
                imports: &[],
                body: r#"shelf_path = os.path.join($dir, "$table")
with shelve.open(shelf_path, flag="r") as shelf:  #@
    $out = shelf.get($v, {})
"#,
                why: "The shelf file is fixed by the server and `$v` is only a key looked up in it, so the caller \
                      cannot make it unpickle a file of their choosing.",
            }],
            why: "The request picks which file `shelve` opens, and every value read from a shelf is unpickled, \
                  so an uploaded or crafted file runs code.",
            frameworks: &[],
            constant_is_safe: true,
        },
    ],
}];
