//! Partial guards (the `varied` set only): a function takes two values from outside and guards one
//! of them properly (an allowlist, an escape, a cast) while the other reaches the same sink
//! untouched. The fixed twin keeps the guard it had and guards the second value too, so a model
//! cannot call a function safe because it sees *a* check; it has to follow each input.
//!
//! The label sits on the line where the unguarded value enters the sink.
//!
//! Written from the common shape of such bugs (a sort key allowlisted next to a search term
//! formatted into the same query; a format flag checked next to a file name passed to a shell),
//! not from the example project or the real-code set, which stay measurements.

use crate::cwe::CweId;
use crate::dataset::recipe::{ModulePair, Recipe};

const SQL: &[ModulePair] = &[
    ModulePair {
        name: "sort-allowlisted-term-formatted",
        framework: "library",
        vulnerable: r#"import sqlite3

SORTABLE = {"$col", "created_at", "id"}


def search_$table(term, sort="$col"):
    if sort not in SORTABLE:
        sort = "$col"
    with sqlite3.connect("$entity.db") as $conn:
        sql = f"SELECT id, $col FROM $table WHERE $col LIKE '%{term}%' ORDER BY {sort}"  #@
        return $conn.execute(sql).fetchall()
"#,
        fixed: r#"import sqlite3

SORTABLE = {"$col", "created_at", "id"}


def search_$table(term, sort="$col"):
    if sort not in SORTABLE:
        sort = "$col"
    with sqlite3.connect("$entity.db") as $conn:
        sql = f"SELECT id, $col FROM $table WHERE $col LIKE ? ORDER BY {sort}"  #@
        return $conn.execute(sql, (f"%{term}%",)).fetchall()
"#,
        why_vulnerable: "`sort` is checked against an allowlist, but `term` is formatted into the same SQL string \
                         unchecked, so a quote in it ends the literal and the rest runs as SQL.",
        why_fixed: "`sort` can only be an allowlisted column, and `term` is bound as a parameter.",
    },
    ModulePair {
        name: "limit-cast-status-concatenated",
        framework: "flask",
        vulnerable: r#"from flask import Flask, jsonify, request

from .db import get_connection

app = Flask(__name__)


@app.get("/$route")
def list_$table():
    limit = min(int(request.args.get("limit", "$limit")), $limit)
    status = request.args.get("status", "open")
    $cur = get_connection().cursor()
    $cur.execute("SELECT * FROM $table WHERE status = '" + status + "' LIMIT %d" % limit)  #@
    return jsonify($cur.fetchall())
"#,
        fixed: r#"from flask import Flask, jsonify, request

from .db import get_connection

app = Flask(__name__)


@app.get("/$route")
def list_$table():
    limit = min(int(request.args.get("limit", "$limit")), $limit)
    status = request.args.get("status", "open")
    $cur = get_connection().cursor()
    $cur.execute("SELECT * FROM $table WHERE status = %s LIMIT %s", (status, limit))  #@
    return jsonify($cur.fetchall())
"#,
        why_vulnerable: "`limit` is cast to an integer, but `status` is concatenated into the query as it came from \
                         the request, so it can close the quote and add SQL.",
        why_fixed: "Both values are passed as parameters; the driver quotes them.",
    },
];

const COMMAND: &[ModulePair] = &[
    ModulePair {
        name: "format-allowlisted-name-in-shell",
        framework: "library",
        vulnerable: r#"import subprocess

FORMATS = ("pdf", "png", "svg")


def convert_$entity(source_name, fmt="pdf"):
    if fmt not in FORMATS:
        raise ValueError(f"unsupported format: {fmt}")
    cmd = f"$tool --to {fmt} {source_name}"
    return subprocess.run(cmd, shell=True, check=True, capture_output=True)  #@
"#,
        fixed: r#"import subprocess

FORMATS = ("pdf", "png", "svg")


def convert_$entity(source_name, fmt="pdf"):
    if fmt not in FORMATS:
        raise ValueError(f"unsupported format: {fmt}")
    cmd = ["$tool", "--to", fmt, "--", source_name]
    return subprocess.run(cmd, check=True, capture_output=True)  #@
"#,
        why_vulnerable: "`fmt` is allowlisted, but `source_name` goes into a shell command line unquoted, so `;` or \
                     `$(...)` in it runs another command.",
        why_fixed: "The command is an argument list run without a shell, so `source_name` stays one argument.",
    },
    ModulePair {
        name: "host-validated-count-in-shell",
        framework: "django",
        vulnerable: r#"import ipaddress
import os

from django.http import JsonResponse


def ping_$entity(request):
    host = request.GET.get("host", "")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return JsonResponse({"error": "not an IP address"}, status=400)
    count = request.GET.get("count", "3")
    status = os.system("ping -c " + count + " " + host)  #@
    return JsonResponse({"reachable": status == 0})
"#,
        fixed: r#"import ipaddress
import subprocess

from django.http import JsonResponse


def ping_$entity(request):
    host = request.GET.get("host", "")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return JsonResponse({"error": "not an IP address"}, status=400)
    count = request.GET.get("count", "3")
    status = subprocess.call(["ping", "-c", str(int(count)), host])  #@
    return JsonResponse({"reachable": status == 0})
"#,
        why_vulnerable: "`host` must parse as an IP address, but `count` is concatenated into the shell command as it \
                     came, so `1; rm -rf ~` in it runs a second command.",
        why_fixed: "`count` is cast to an integer and the command is an argument list run without a shell.",
    },
];

const PATH: &[ModulePair] = &[
    ModulePair {
        name: "folder-allowlisted-name-joined",
        framework: "flask",
        vulnerable: r#"import os

from flask import Flask, abort, send_file

app = Flask(__name__)
BASE = "$dirpath"
FOLDERS = {"public", "thumbnails"}


@app.get("/$route/<folder>/<path:name>")
def download_$entity(folder, name):
    if folder not in FOLDERS:
        abort(404)
    return send_file(os.path.join(BASE, folder, name))  #@
"#,
        fixed: r#"import os

from flask import Flask, abort, send_from_directory

app = Flask(__name__)
BASE = "$dirpath"
FOLDERS = {"public", "thumbnails"}


@app.get("/$route/<folder>/<path:name>")
def download_$entity(folder, name):
    if folder not in FOLDERS:
        abort(404)
    return send_from_directory(os.path.join(BASE, folder), name)  #@
"#,
        why_vulnerable: "`folder` must be one of two names, but `name` is joined as given, so `../` segments in it \
                     reach any file the server can read.",
        why_fixed: "`send_from_directory` refuses a `name` that resolves outside the folder.",
    },
    ModulePair {
        name: "extension-checked-name-joined",
        framework: "library",
        vulnerable: r#"from pathlib import Path

EXPORT_ROOT = Path("$dirpath")
KINDS = {"csv": "text/csv", "json": "application/json"}


def read_export(owner, file_name, kind="csv"):
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    target = EXPORT_ROOT / owner / f"{file_name}.{kind}"  #@
    return target.read_bytes(), KINDS[kind]
"#,
        fixed: r#"from pathlib import Path

EXPORT_ROOT = Path("$dirpath")
KINDS = {"csv": "text/csv", "json": "application/json"}


def read_export(owner, file_name, kind="csv"):
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    target = (EXPORT_ROOT / owner / f"{file_name}.{kind}").resolve()  #@
    if not target.is_relative_to(EXPORT_ROOT.resolve()):
        raise PermissionError("export outside the export folder")
    return target.read_bytes(), KINDS[kind]
"#,
        why_vulnerable: "`kind` is checked against a fixed set, but `owner` and `file_name` are joined into the path \
                     as given, so `../` in either reads files outside the export folder.",
        why_fixed: "The resolved path must lie inside the export folder before it is read.",
    },
];

const HTML: &[ModulePair] = &[
    ModulePair {
        name: "theme-allowlisted-title-raw",
        framework: "flask",
        vulnerable: r#"from flask import Flask, request

app = Flask(__name__)
THEMES = ("light", "dark")


@app.get("/$route/banner")
def banner_$entity():
    theme = request.args.get("theme", "light")
    if theme not in THEMES:
        theme = "light"
    title = request.args.get("title", "")
    return f'<div class="banner {theme}"><h1>{title}</h1></div>'  #@
"#,
        fixed: r#"from flask import Flask, request
from markupsafe import escape

app = Flask(__name__)
THEMES = ("light", "dark")


@app.get("/$route/banner")
def banner_$entity():
    theme = request.args.get("theme", "light")
    if theme not in THEMES:
        theme = "light"
    title = request.args.get("title", "")
    return f'<div class="banner {theme}"><h1>{escape(title)}</h1></div>'  #@
"#,
        why_vulnerable: "`theme` is limited to two values, but `title` is written into the HTML as it came, so tags \
                     or scripts in it reach the page.",
        why_fixed: "`title` is HTML-escaped before it is placed in the markup.",
    },
    ModulePair {
        name: "page-cast-query-raw",
        framework: "django",
        vulnerable: r#"from django.http import HttpResponse


def search_$entity(request):
    page = int(request.GET.get("page", "1"))
    query = request.GET.get("q", "")
    body = "<p>Page %d of the results for <b>%s</b></p>" % (page, query)  #@
    return HttpResponse(body)
"#,
        fixed: r#"from django.http import HttpResponse
from django.utils.html import format_html


def search_$entity(request):
    page = int(request.GET.get("page", "1"))
    query = request.GET.get("q", "")
    body = format_html("<p>Page {} of the results for <b>{}</b></p>", page, query)  #@
    return HttpResponse(body)
"#,
        why_vulnerable: "`page` is cast to an integer, but `query` is %-formatted into the HTML unescaped, so markup in \
                     it reaches the page.",
        why_fixed: "`format_html` escapes each argument before placing it in the markup.",
    },
];

pub const RECIPES: &[Recipe] = &[
    Recipe::Module { name: "sqli-partial-guard", version: 1, cwe: CweId(89), pairs: SQL },
    Recipe::Module { name: "os-command-partial-guard", version: 1, cwe: CweId(78), pairs: COMMAND },
    Recipe::Module { name: "path-traversal-partial-guard", version: 1, cwe: CweId(22), pairs: PATH },
    Recipe::Module { name: "xss-partial-guard", version: 1, cwe: CweId(79), pairs: HTML },
];
