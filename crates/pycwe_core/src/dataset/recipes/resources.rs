//! CWE-400 uncontrolled resource consumption (decompression bombs, archives, work and waits that
//! grow with input) and CWE-770 allocation without limits (sizes, counts, page sizes and worker
//! pools taken from input without a maximum).

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, Recipe, Sink};

const WHY_ARCHIVE: &str = "The declared sizes and the member count are checked before anything is extracted, and \
                           zipfile never writes more than a member's declared size.";
const WHY_CAP: &str = "The number taken from `$v` is capped at a fixed maximum, so one request cannot make the \
                       server allocate an arbitrary amount.";
const WHY_RANGE: &str = "Values outside a fixed range are rejected before anything is allocated.";

pub const RECIPES: &[Recipe] = &[
    Recipe::Taint {
        name: "resource-consumption",
        version: 1,
        cwe: CweId(400),
        sinks: &[
            Sink {
                name: "gzip-decompress",
                input: Input::Payload,
                imports: &["import gzip", "import io"],
                setup: "",
                vulnerable: r#"with gzip.GzipFile(fileobj=io.BytesIO($v)) as stream:
    inflated = stream.read()  #@
lines = inflated.decode("utf-8").splitlines()
$out = {"lines": len(lines), "bytes": len(inflated)}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"with gzip.GzipFile(fileobj=io.BytesIO($v)) as stream:
    inflated = stream.read(20 * 1024 * 1024 + 1)  #@
if len(inflated) > 20 * 1024 * 1024:
    raise ValueError("decompressed data too large")
lines = inflated.decode("utf-8").splitlines()
$out = {"lines": len(lines), "bytes": len(inflated)}
"#,
                    why: "At most 20 MiB (plus one byte to detect overflow) is decompressed, and larger \
                          payloads are rejected.",
                }],
                why: "The gzip body is decompressed in full, so a few kilobytes of compressed zeros expand to \
                      gigabytes in memory.",
                frameworks: &[],
                constant_is_safe: false,
            },
            Sink {
                name: "zlib-decompress",
                input: Input::Payload,
                imports: &["import json", "import zlib"],
                setup: "",
                vulnerable: r#"inflated = zlib.decompress($v)  #@
events_in = json.loads(inflated)
$out = {"accepted": len(events_in)}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"inflater = zlib.decompressobj()
inflated = inflater.decompress($v, 16 * 1024 * 1024)  #@
if inflater.unconsumed_tail:
    raise ValueError("decompressed data too large")
events_in = json.loads(inflated)
$out = {"accepted": len(events_in)}
"#,
                    why: "`decompressobj().decompress(data, max_length)` stops at 16 MiB and any input left \
                          over is rejected, so the output size is bounded.",
                }],
                why: "`zlib.decompress` inflates the request body with no output limit, so a small \
                      compressed payload can exhaust memory.",
                frameworks: &[],
                constant_is_safe: false,
            },
            Sink {
                name: "zipfile-extractall",
                input: Input::Payload,
                imports: &["import io", "import os", "import tempfile", "import zipfile"],
                setup: "",
                vulnerable: r#"dest = tempfile.mkdtemp(prefix="$entity-")
with zipfile.ZipFile(io.BytesIO($v)) as archive:
    archive.extractall(dest)  #@
$out = {"files": sorted(os.listdir(dest))}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"dest = tempfile.mkdtemp(prefix="$entity-")
with zipfile.ZipFile(io.BytesIO($v)) as archive:
    members = archive.infolist()
    if len(members) > 500 or sum(m.file_size for m in members) > 100 * 1024 * 1024:  #@
        raise ValueError("archive too large")
    archive.extractall(dest)
$out = {"files": sorted(os.listdir(dest))}
"#,
                    why: WHY_ARCHIVE,
                }],
                why: "The uploaded archive is extracted without looking at its size, so a zip bomb fills the \
                      disk.",
                frameworks: &[],
                constant_is_safe: false,
            },
            Sink {
                name: "zipfile-read-members",
                input: Input::Payload,
                imports: &["import io", "import zipfile"],
                setup: "",
                vulnerable: r#"with zipfile.ZipFile(io.BytesIO($v)) as archive:
    contents = {info.filename: archive.read(info) for info in archive.infolist()}  #@
$out = {"files": len(contents), "bytes": sum(len(c) for c in contents.values())}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"with zipfile.ZipFile(io.BytesIO($v)) as archive:
    members = archive.infolist()
    if len(members) > 200 or sum(m.file_size for m in members) > 50 * 1024 * 1024:  #@
        raise ValueError("archive too large")
    contents = {info.filename: archive.read(info) for info in members}
$out = {"files": len(contents), "bytes": sum(len(c) for c in contents.values())}
"#,
                    why: WHY_ARCHIVE,
                }],
                why: "Every member of the uploaded zip is decompressed into memory with no limit on its size or \
                      on the number of members.",
                frameworks: &[],
                constant_is_safe: false,
            },
            Sink {
                name: "permutations",
                input: Input::Text,
                imports: &["import itertools"],
                setup: "",
                vulnerable: r#"letters = $v.lower()
anagrams = {"".join(p) for p in itertools.permutations(letters)}  #@
$out = sorted(anagrams)[:$limit]
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"letters = $v.lower()
if len(letters) > 8:  #@
    raise ValueError("word too long")
anagrams = {"".join(p) for p in itertools.permutations(letters)}
$out = sorted(anagrams)[:$limit]
"#,
                    why: "Words longer than 8 letters are rejected, which caps the work at 8! = 40320 \
                          permutations.",
                }],
                why: "The number of permutations grows factorially with the length of `$v`, so a 15-letter \
                      word keeps the worker busy for hours.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "queue-wait",
                input: Input::Number,
                imports: &["import queue"],
                setup: "NOTIFICATIONS = queue.Queue()",
                vulnerable: r#"try:
    note = NOTIFICATIONS.get(timeout=float($v))  #@
except queue.Empty:
    note = None
$out = {"notification": note}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"try:
    note = NOTIFICATIONS.get(timeout=max(0.0, min(float($v), 30.0)))  #@
except queue.Empty:
    note = None
$out = {"notification": note}
"#,
                    why: "The wait is clamped to at most 30 seconds, so a request cannot hold its worker for \
                          longer.",
                }],
                why: "The client decides how long the request blocks, so a few requests with huge timeouts tie \
                      up every worker.",
                frameworks: &[],
                constant_is_safe: true,
            },
        ],
    },
    Recipe::Taint {
        name: "allocation-limits",
        version: 1,
        cwe: CweId(770),
        sinks: &[
            Sink {
                name: "range-codes",
                input: Input::Number,
                imports: &["import secrets"],
                setup: "",
                vulnerable: r#"codes = [secrets.token_urlsafe(9) for _ in range(int($v))]  #@
$out = {"codes": codes}
"#,
                fixed: &[
                    Fix {
                        imports: &[],
                        body: r#"codes = [secrets.token_urlsafe(9) for _ in range(min(int($v), $limit))]  #@
$out = {"codes": codes}
"#,
                        why: WHY_CAP,
                    },
                    Fix {
                        imports: &[],
                        body: r#"if not 0 < int($v) <= $limit:  #@
    raise ValueError("count out of range")
codes = [secrets.token_urlsafe(9) for _ in range(int($v))]
$out = {"codes": codes}
"#,
                        why: WHY_RANGE,
                    },
                ],
                why: "The list has as many entries as the request asks for, so one call can demand billions of \
                      codes.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "bytearray-image",
                input: Input::Number,
                imports: &[],
                setup: "",
                vulnerable: r#"side = int($v)
pixels = bytearray(side * side * 3)  #@
$out = {"header": f"P6 {side} {side} 255", "bytes": len(pixels)}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"side = min(int($v), 2048)  #@
pixels = bytearray(side * side * 3)
$out = {"header": f"P6 {side} {side} 255", "bytes": len(pixels)}
"#,
                    why: WHY_CAP,
                }],
                why: "`bytearray` allocates `3 * $v * $v` bytes with `$v` taken from the request, so a single \
                      number can request terabytes.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "list-multiply-grid",
                input: Input::Number,
                imports: &[],
                setup: "",
                vulnerable: r#"cells = int($v)
grid = [["."] * cells for _ in range(cells)]  #@
$out = "\n".join("".join(line) for line in grid)
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"cells = int($v)
if not 1 <= cells <= $limit:  #@
    raise ValueError("grid size out of range")
grid = [["."] * cells for _ in range(cells)]
$out = "\n".join("".join(line) for line in grid)
"#,
                    why: WHY_RANGE,
                }],
                why: "The grid has `$v` squared cells, all allocated at once from a number in the request.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "string-repeat",
                input: Input::Number,
                imports: &[],
                setup: "",
                vulnerable: r#"kb = int($v)
padding = "0" * (kb * 1024)  #@
$out = {"kb": kb, "padding": padding}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"kb = min(int($v), 256)  #@
padding = "0" * (kb * 1024)
$out = {"kb": kb, "padding": padding}
"#,
                    why: WHY_CAP,
                }],
                why: "The padding string is built with `\"0\" * n` for a size chosen by the client, so one \
                      request can allocate gigabytes.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "sqlite-page-size",
                input: Input::Number,
                imports: &["import sqlite3"],
                setup: "DB_PATH = \"$table.db\"",
                vulnerable: r#"with sqlite3.connect(DB_PATH) as $conn:
    $out = $conn.execute("SELECT id, $col FROM $table ORDER BY id DESC LIMIT ?", (int($v),)).fetchall()  #@
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"with sqlite3.connect(DB_PATH) as $conn:
    $out = $conn.execute("SELECT id, $col FROM $table ORDER BY id DESC LIMIT ?", (max(1, min(int($v), $limit)),)).fetchall()  #@
"#,
                    why: "The page size is clamped between 1 and $limit (a negative LIMIT would mean no limit \
                          in SQLite), so a request fetches a bounded number of rows.",
                }],
                why: "The page size comes straight from the request, so one call can load the whole table into \
                      memory (and `-1` means no limit in SQLite).",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "django-slice",
                input: Input::Number,
                imports: &["from django.db import models"],
                setup: "class $model(models.Model):\n    $col = models.CharField(max_length=100)",
                vulnerable: r#"latest = $model.objects.order_by("-id")[: int($v)]  #@
$out = list(latest.values("id", "$col"))
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"latest = $model.objects.order_by("-id")[: min(int($v), $limit)]  #@
$out = list(latest.values("id", "$col"))
"#,
                    why: WHY_CAP,
                }],
                why: "The queryset is sliced with a size from the request, so a huge value loads the whole \
                      table.",
                frameworks: &["django"],
                constant_is_safe: true,
            },
            Sink {
                name: "thread-pool-per-item",
                input: Input::Text,
                imports: &["import socket", "from concurrent.futures import ThreadPoolExecutor"],
                setup: r#"def _resolve(domain):
    try:
        return socket.gethostbyname(domain)
    except OSError:
        return None"#,
                vulnerable: r#"domains = [d.strip() for d in $v.split(",") if d.strip()]
with ThreadPoolExecutor(max_workers=max(len(domains), 1)) as pool:  #@
    $out = dict(zip(domains, pool.map(_resolve, domains)))
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"domains = [d.strip() for d in $v.split(",") if d.strip()]
if len(domains) > $limit:
    raise ValueError("too many domains")
with ThreadPoolExecutor(max_workers=8) as pool:  #@
    $out = dict(zip(domains, pool.map(_resolve, domains)))
"#,
                    why: "The pool has a fixed number of threads and the list of domains is capped, so the \
                          request cannot ask for more threads or lookups.",
                }],
                why: "One thread is started per comma-separated item in `$v`, so a long list creates thousands \
                      of threads.",
                frameworks: &[],
                constant_is_safe: true,
            },
        ],
    },
];
