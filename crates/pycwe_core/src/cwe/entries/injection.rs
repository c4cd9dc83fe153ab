//! Injection weaknesses: untrusted data reaching an interpreter (SQL, shell, Python, HTML, paths, URLs),
//! plus CWE-20, the parent class pycwe reports through its specific children.

use crate::cwe::{Applicability, CweEntry, CweId, api};

pub(super) const ENTRIES: &[CweEntry] = &[
    CweEntry {
        id: CweId(89),
        name: "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')",
        short_name: "SQL injection",
        summary: "Untrusted input is pasted into the text of an SQL statement, so an attacker can change \
                  the query itself. In Python this is an f-string, `%`, `.format()` or `+` building the \
                  string passed to `execute`, SQLAlchemy `text()` or Django's `raw()`/`extra()`.",
        applicability: Applicability::Local,
        severity: 9.8,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.form"),
            api("django", "django.http.HttpRequest.GET"),
            api("fastapi", "fastapi.Query"),
            api("stdlib", "sys.argv"),
        ],
        sinks: &[
            api("stdlib", "sqlite3.Cursor.execute"),
            api("stdlib", "sqlite3.Connection.executescript"),
            api("psycopg2", "psycopg2.extensions.cursor.execute"),
            api("mysqlclient", "MySQLdb.cursors.Cursor.execute"),
            api("sqlalchemy", "sqlalchemy.text"),
            api("sqlalchemy", "sqlalchemy.engine.Connection.execute"),
            api("django", "django.db.models.Manager.raw"),
            api("django", "django.db.models.QuerySet.extra"),
            api("django", "django.db.models.expressions.RawSQL"),
            api("django", "django.db.connection.cursor"),
        ],
        remediation: "Pass values as query parameters and let the driver quote them: \
                      `cur.execute(\"SELECT * FROM users WHERE name = ?\", (name,))` (sqlite3), `%s` \
                      placeholders for psycopg2/MySQLdb, `text(\"... :name\").bindparams(name=name)` in \
                      SQLAlchemy, `params=[...]` for Django's `raw()`. Identifiers (table or column names) \
                      cannot be parameters: check them against a fixed allowlist.",
        vulnerable_example: r#"import sqlite3

def find_user(conn: sqlite3.Connection, name: str):
    cur = conn.cursor()
    cur.execute(f"SELECT id, email FROM users WHERE name = '{name}'")
    return cur.fetchone()
"#,
        fixed_example: r#"import sqlite3

def find_user(conn: sqlite3.Connection, name: str):
    cur = conn.cursor()
    cur.execute("SELECT id, email FROM users WHERE name = ?", (name,))
    return cur.fetchone()
"#,
    },
    CweEntry {
        id: CweId(79),
        name: "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
        short_name: "Cross-site scripting (XSS)",
        summary: "Untrusted input is written into an HTML page without escaping, so an attacker's script \
                  runs in other users' browsers. In Python this is a view returning an f-string or \
                  `%`-formatted HTML, or input wrapped in `Markup`/`mark_safe`, rendered with `|safe` or \
                  through a Jinja2 environment created with `autoescape=False`.",
        applicability: Applicability::Local,
        severity: 6.1,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.form"),
            api("django", "django.http.HttpRequest.GET"),
            api("django", "django.http.HttpRequest.POST"),
            api("fastapi", "fastapi.Query"),
            api("aiohttp", "aiohttp.web.Request.query"),
        ],
        sinks: &[
            api("flask", "flask.make_response"),
            api("flask", "flask.Response"),
            api("markupsafe", "markupsafe.Markup"),
            api("jinja2", "jinja2.Environment"),
            api("django", "django.utils.safestring.mark_safe"),
            api("django", "django.http.HttpResponse"),
            api("fastapi", "fastapi.responses.HTMLResponse"),
            api("aiohttp", "aiohttp.web.Response"),
        ],
        remediation: "Let a template engine with autoescaping build the HTML (`render_template`, Django \
                      templates, a Jinja2 `Environment(autoescape=select_autoescape())`). When HTML must be \
                      built in code, escape every value: `markupsafe.escape(name)`, Django's \
                      `format_html(\"<b>{}</b>\", name)`. Never call `Markup`, `mark_safe` or `|safe` on user \
                      data; if users may submit rich text, clean it with an allowlist sanitizer such as \
                      `nh3.clean()`. A Content-Security-Policy header limits the damage of a missed spot.",
        vulnerable_example: r#"from flask import Flask, request

app = Flask(__name__)


@app.route("/search")
def search():
    query = request.args.get("q", "")
    return f"<h1>Results for {query}</h1>"
"#,
        fixed_example: r#"from flask import Flask, request
from markupsafe import escape

app = Flask(__name__)


@app.route("/search")
def search():
    query = request.args.get("q", "")
    return f"<h1>Results for {escape(query)}</h1>"
"#,
    },
    CweEntry {
        id: CweId(22),
        name: "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
        short_name: "Path traversal",
        summary: "A file path is built from untrusted input without making sure it stays inside the \
                  intended directory, so `../` sequences or an absolute path reach any file the process can \
                  read or write. In Python this is `os.path.join(base, name)` or `base / name` passed to \
                  `open`, `send_file` or `FileResponse`, or `extractall` on an archive whose member names \
                  were never checked.",
        applicability: Applicability::Local,
        severity: 7.5,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.view_args"),
            api("django", "django.http.HttpRequest.GET"),
            api("fastapi", "fastapi.Path"),
            api("aiohttp", "aiohttp.web.Request.match_info"),
            api("stdlib", "sys.argv"),
        ],
        sinks: &[
            api("stdlib", "open"),
            api("stdlib", "os.path.join"),
            api("stdlib", "pathlib.Path.open"),
            api("stdlib", "pathlib.Path.read_text"),
            api("stdlib", "shutil.copyfile"),
            api("stdlib", "os.remove"),
            api("stdlib", "tarfile.TarFile.extractall"),
            api("stdlib", "zipfile.ZipFile.extractall"),
            api("flask", "flask.send_file"),
            api("django", "django.http.FileResponse"),
            api("fastapi", "fastapi.responses.FileResponse"),
            api("aiohttp", "aiohttp.web.FileResponse"),
        ],
        remediation: "Serve files with an API that confines the path: `flask.send_from_directory(base, name)` \
                      or `werkzeug.utils.safe_join(base, name)` (returns `None` on escape). Otherwise resolve \
                      and check: `path = (base / name).resolve()` then \
                      `if not path.is_relative_to(base.resolve()): abort(404)`. Better still, look files up \
                      by an id in a table instead of taking names from the client. For archives use \
                      `tar.extractall(dest, filter=\"data\")` (Python 3.12+) and check zip member names the \
                      same way.",
        vulnerable_example: r#"import os

from flask import Flask, request, send_file

app = Flask(__name__)
REPORTS_DIR = "/srv/app/reports"


@app.route("/reports")
def download_report():
    name = request.args["name"]
    return send_file(os.path.join(REPORTS_DIR, name))
"#,
        fixed_example: r#"from flask import Flask, request, send_from_directory

app = Flask(__name__)
REPORTS_DIR = "/srv/app/reports"


@app.route("/reports")
def download_report():
    name = request.args["name"]
    return send_from_directory(REPORTS_DIR, name)
"#,
    },
    CweEntry {
        id: CweId(78),
        name: "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')",
        short_name: "OS command injection",
        summary: "Untrusted input becomes part of a command line that a shell interprets, so `;`, `|`, \
                  `$(...)` or backticks let an attacker run their own commands. In Python this is \
                  `os.system`, `os.popen`, `subprocess.*(..., shell=True)` or \
                  `asyncio.create_subprocess_shell` with a string built by an f-string, `%`, `.format()` \
                  or `+`.",
        applicability: Applicability::Local,
        severity: 9.8,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.form"),
            api("django", "django.http.HttpRequest.GET"),
            api("fastapi", "fastapi.Query"),
            api("click", "click.argument"),
            api("stdlib", "sys.argv"),
            api("stdlib", "input"),
        ],
        sinks: &[
            api("stdlib", "os.system"),
            api("stdlib", "os.popen"),
            api("stdlib", "subprocess.run"),
            api("stdlib", "subprocess.call"),
            api("stdlib", "subprocess.check_call"),
            api("stdlib", "subprocess.check_output"),
            api("stdlib", "subprocess.Popen"),
            api("stdlib", "subprocess.getoutput"),
            api("stdlib", "subprocess.getstatusoutput"),
            api("stdlib", "asyncio.create_subprocess_shell"),
            api("paramiko", "paramiko.SSHClient.exec_command"),
            api("fabric", "fabric.Connection.run"),
        ],
        remediation: "Do not go through a shell: pass an argument list, \
                      `subprocess.run([\"ping\", \"-c\", \"1\", \"--\", host], check=True)`, and leave \
                      `shell=False` (use `asyncio.create_subprocess_exec` in async code). Put `--` before \
                      user values so they cannot become options, and check them against an allowlist or a \
                      strict pattern. If a shell string is unavoidable (remote commands over SSH), quote \
                      every value with `shlex.quote()`. Prefer a Python library over calling a program.",
        vulnerable_example: r#"import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    host = request.args.get("host", "")
    result = subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True, text=True)
    return result.stdout
"#,
        fixed_example: r#"import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    host = request.args.get("host", "")
    result = subprocess.run(["ping", "-c", "1", "--", host], capture_output=True, text=True)
    return result.stdout
"#,
    },
    CweEntry {
        id: CweId(77),
        name: "Improper Neutralization of Special Elements used in a Command ('Command Injection')",
        short_name: "Command injection",
        summary: "Untrusted input changes the meaning of a command given to another program or command \
                  interpreter, even when no shell is involved. In Python this is typically argument \
                  injection: a value in a `subprocess` argument list that starts with `-` becomes an option \
                  (`git clone --upload-pack=...`, `curl -o ...`), or user text reaching a command language \
                  such as a Redis command or a remote command line.",
        applicability: Applicability::Local,
        severity: 9.8,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.form"),
            api("django", "django.http.HttpRequest.POST"),
            api("fastapi", "fastapi.Body"),
            api("click", "click.argument"),
            api("stdlib", "sys.argv"),
        ],
        sinks: &[
            api("stdlib", "subprocess.run"),
            api("stdlib", "subprocess.Popen"),
            api("stdlib", "subprocess.check_output"),
            api("stdlib", "os.execvp"),
            api("stdlib", "asyncio.create_subprocess_exec"),
            api("gitpython", "git.Repo.clone_from"),
            api("paramiko", "paramiko.SSHClient.exec_command"),
            api("redis", "redis.Redis.execute_command"),
        ],
        remediation: "End the options with `--` before any user value \
                      (`[\"git\", \"clone\", \"--\", url, dest]`) and validate the value itself: for URLs \
                      require the scheme you expect (`urlparse(url).scheme == \"https\"`, which also rules \
                      out git's `ext::` transport), for names use a strict pattern such as \
                      `re.fullmatch(r\"[A-Za-z0-9_.-]+\", name)` and reject a leading `-`. Choose the \
                      command name and sub-command from a fixed allowlist, never from input.",
        vulnerable_example: r#"import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/mirrors")
def add_mirror():
    url = request.form["url"]
    subprocess.run(["git", "clone", "--mirror", url, "/srv/mirrors/incoming"], check=True)
    return "", 204
"#,
        fixed_example: r#"import subprocess
from urllib.parse import urlparse

from flask import Flask, abort, request

app = Flask(__name__)


@app.post("/mirrors")
def add_mirror():
    url = request.form["url"]
    if urlparse(url).scheme != "https":
        abort(400)
    subprocess.run(["git", "clone", "--mirror", "--", url, "/srv/mirrors/incoming"], check=True)
    return "", 204
"#,
    },
    CweEntry {
        id: CweId(94),
        name: "Improper Control of Generation of Code ('Code Injection')",
        short_name: "Code injection",
        summary: "Untrusted input is run as Python code, so an attacker can do anything the process can. \
                  In Python this is `eval`, `exec` or `compile` on request data (often to parse a list or \
                  a formula), or `importlib.import_module` and `pandas.eval` fed with names or \
                  expressions taken from input.",
        applicability: Applicability::Local,
        severity: 9.8,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.form"),
            api("flask", "flask.request.json"),
            api("django", "django.http.HttpRequest.POST"),
            api("fastapi", "fastapi.Body"),
            api("stdlib", "sys.argv"),
            api("stdlib", "input"),
        ],
        sinks: &[
            api("stdlib", "eval"),
            api("stdlib", "exec"),
            api("stdlib", "compile"),
            api("stdlib", "importlib.import_module"),
            api("stdlib", "__import__"),
            api("stdlib", "code.InteractiveInterpreter.runsource"),
            api("pandas", "pandas.eval"),
            api("pandas", "pandas.DataFrame.query"),
        ],
        remediation: "Never evaluate input as code. Parse data with a data parser: `json.loads()` or \
                      `ast.literal_eval()` for Python literals. Map names to behaviour with a dict \
                      (`HANDLERS[name]()`) or an allowlist before `importlib.import_module`. For formulas, \
                      parse with `ast.parse(expr, mode=\"eval\")` and walk only the node types you allow, \
                      or use a dedicated expression library.",
        vulnerable_example: r#"from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/chart")
def chart():
    points = eval(request.form["points"])  # e.g. "[(1, 2), (3, 5)]"
    total = sum(y for _, y in points)
    return jsonify(count=len(points), total=total)
"#,
        fixed_example: r#"import ast

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/chart")
def chart():
    points = ast.literal_eval(request.form["points"])  # e.g. "[(1, 2), (3, 5)]"
    total = sum(y for _, y in points)
    return jsonify(count=len(points), total=total)
"#,
    },
    CweEntry {
        id: CweId(434),
        name: "Unrestricted Upload of File with Dangerous Type",
        short_name: "Unrestricted file upload",
        summary: "An uploaded file is stored under the name and type the client chose, so an attacker can \
                  place an `.html`, `.svg`, `.php` or script file where the server will serve or run it. \
                  In Python this is `file.save(os.path.join(UPLOAD_DIR, file.filename))` or a storage \
                  `save()` with no check of the extension or content.",
        applicability: Applicability::Local,
        severity: 9.8,
        sources: &[
            api("flask", "flask.request.files"),
            api("django", "django.http.HttpRequest.FILES"),
            api("fastapi", "fastapi.UploadFile"),
            api("aiohttp", "aiohttp.web.Request.post"),
        ],
        sinks: &[
            api("flask", "werkzeug.datastructures.FileStorage.save"),
            api("django", "django.core.files.storage.FileSystemStorage.save"),
            api("django", "django.db.models.FileField"),
            api("stdlib", "shutil.copyfileobj"),
            api("stdlib", "open"),
            api("aiofiles", "aiofiles.open"),
        ],
        remediation: "Accept only the types you need: check the extension against an allowlist \
                      (`{\".png\", \".jpg\"}`) and, for images, that the content really is one (open it \
                      with Pillow). Store the file under a name you generate (`uuid.uuid4().hex` plus the \
                      checked extension, or at least `werkzeug.utils.secure_filename`), outside the web \
                      root or in object storage, and serve it with `Content-Disposition: attachment`. \
                      Limit the size (`MAX_CONTENT_LENGTH`, `DATA_UPLOAD_MAX_MEMORY_SIZE`).",
        vulnerable_example: r#"import os

from flask import Flask, request

app = Flask(__name__)
UPLOAD_DIR = "/srv/app/static/avatars"


@app.post("/avatar")
def upload_avatar():
    file = request.files["avatar"]
    file.save(os.path.join(UPLOAD_DIR, file.filename))
    return "", 204
"#,
        fixed_example: r#"import os
import uuid

from flask import Flask, abort, request

app = Flask(__name__)
UPLOAD_DIR = "/srv/app/static/avatars"
ALLOWED_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif"}


@app.post("/avatar")
def upload_avatar():
    file = request.files["avatar"]
    ext = os.path.splitext(file.filename or "")[1].lower()
    if ext not in ALLOWED_EXTENSIONS:
        abort(400)
    file.save(os.path.join(UPLOAD_DIR, uuid.uuid4().hex + ext))
    return "", 204
"#,
    },
    CweEntry {
        id: CweId(502),
        name: "Deserialization of Untrusted Data",
        short_name: "Deserialization of untrusted data",
        summary: "Untrusted bytes are turned back into objects with a format that can construct arbitrary \
                  objects, so loading them runs the attacker's code. In Python this is `pickle`, \
                  `marshal`, `shelve`, `dill`, `jsonpickle`, `yaml.load` with a full or unsafe loader, \
                  and loaders built on pickle such as `torch.load`, `joblib.load` or \
                  `numpy.load(allow_pickle=True)`, applied to request data, cookies or downloaded files.",
        applicability: Applicability::Local,
        severity: 9.8,
        sources: &[
            api("flask", "flask.request.data"),
            api("flask", "flask.request.cookies"),
            api("flask", "flask.request.files"),
            api("django", "django.http.HttpRequest.body"),
            api("fastapi", "fastapi.Request.body"),
            api("requests", "requests.Response.content"),
            api("stdlib", "socket.socket.recv"),
        ],
        sinks: &[
            api("stdlib", "pickle.loads"),
            api("stdlib", "pickle.load"),
            api("stdlib", "pickle.Unpickler"),
            api("stdlib", "marshal.loads"),
            api("stdlib", "shelve.open"),
            api("pyyaml", "yaml.load"),
            api("pyyaml", "yaml.unsafe_load"),
            api("jsonpickle", "jsonpickle.decode"),
            api("dill", "dill.loads"),
            api("torch", "torch.load"),
            api("joblib", "joblib.load"),
            api("numpy", "numpy.load"),
            api("pandas", "pandas.read_pickle"),
        ],
        remediation: "Exchange data, not objects: use `json.loads()` (validated with pydantic or a schema) \
                      or `yaml.safe_load()`. Never unpickle data that crossed a trust boundary; if state \
                      must round-trip through a client, serialize it as JSON and sign it \
                      (`itsdangerous`, `django.core.signing`). For models use \
                      `torch.load(path, weights_only=True)` or the `safetensors` format, and keep \
                      `numpy.load` at its default `allow_pickle=False`.",
        vulnerable_example: r#"import yaml
from flask import Flask, request

app = Flask(__name__)


@app.post("/pipelines")
def create_pipeline():
    config = yaml.load(request.data, Loader=yaml.Loader)
    return {"name": config["name"], "steps": len(config["steps"])}
"#,
        fixed_example: r#"import yaml
from flask import Flask, request

app = Flask(__name__)


@app.post("/pipelines")
def create_pipeline():
    config = yaml.safe_load(request.data)
    return {"name": config["name"], "steps": len(config["steps"])}
"#,
    },
    CweEntry {
        id: CweId(918),
        name: "Server-Side Request Forgery (SSRF)",
        short_name: "Server-side request forgery",
        summary: "The server fetches a URL that the client controls, so an attacker can make it reach \
                  internal services, cloud metadata endpoints (`169.254.169.254`) or `file://` URLs that \
                  they cannot reach themselves. In Python this is `requests.get(url)`, `httpx`, \
                  `aiohttp` or `urllib.request.urlopen` called with a URL or host taken from the request.",
        applicability: Applicability::Local,
        severity: 8.6,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.json"),
            api("django", "django.http.HttpRequest.GET"),
            api("django", "django.http.HttpRequest.POST"),
            api("fastapi", "fastapi.Query"),
            api("aiohttp", "aiohttp.web.Request.query"),
        ],
        sinks: &[
            api("requests", "requests.get"),
            api("requests", "requests.post"),
            api("requests", "requests.request"),
            api("requests", "requests.Session.get"),
            api("stdlib", "urllib.request.urlopen"),
            api("stdlib", "http.client.HTTPConnection"),
            api("httpx", "httpx.get"),
            api("httpx", "httpx.Client.get"),
            api("httpx", "httpx.AsyncClient.get"),
            api("aiohttp", "aiohttp.ClientSession.get"),
            api("urllib3", "urllib3.PoolManager.request"),
        ],
        remediation: "Only fetch what you expect: require `https` and check the host against an allowlist \
                      (`urlparse(url).hostname in ALLOWED_HOSTS`), and pass `allow_redirects=False` so a \
                      redirect cannot leave it. If any public URL must be accepted, resolve the host, reject \
                      private, loopback and link-local addresses (`ipaddress.ip_address(ip).is_global`), \
                      connect to the address you checked, and route the traffic through an egress proxy \
                      that enforces the same rules.",
        vulnerable_example: r#"import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/preview")
def preview():
    url = request.args["url"]
    resp = requests.get(url, timeout=5)
    return {"status": resp.status_code, "length": len(resp.content)}
"#,
        fixed_example: r#"from urllib.parse import urlparse

import requests
from flask import Flask, abort, request

app = Flask(__name__)
ALLOWED_HOSTS = {"images.example.com", "cdn.example.com"}


@app.route("/preview")
def preview():
    url = request.args["url"]
    parts = urlparse(url)
    if parts.scheme != "https" or parts.hostname not in ALLOWED_HOSTS:
        abort(400)
    resp = requests.get(url, timeout=5, allow_redirects=False)
    return {"status": resp.status_code, "length": len(resp.content)}
"#,
    },
    CweEntry {
        id: CweId(20),
        name: "Improper Input Validation",
        short_name: "Improper input validation",
        summary: "Input is used without checking that it has the type, range, length or form the code \
                  relies on. It is a broad parent class: pycwe never reports CWE-20 itself and reports the \
                  specific child weakness the missing check leads to instead (path traversal, SQL \
                  injection, unbounded allocation, open redirect, ...).",
        applicability: Applicability::Parent {
            children: &[
                CweId(22),
                CweId(77),
                CweId(78),
                CweId(79),
                CweId(89),
                CweId(90),
                CweId(94),
                CweId(113),
                CweId(117),
                CweId(400),
                CweId(434),
                CweId(502),
                CweId(601),
                CweId(611),
                CweId(643),
                CweId(770),
                CweId(918),
                CweId(1333),
                CweId(1336),
            ],
        },
        severity: 7.5,
        sources: &[],
        sinks: &[],
        remediation: "Validate input where it enters the program, against what is allowed rather than what \
                      is forbidden: declare types and bounds with pydantic/FastAPI \
                      (`Annotated[int, Query(ge=1, le=100)]`), Django forms or marshmallow schemas, check \
                      lengths and patterns with `re.fullmatch`, and compare choices with an allowlist. Then \
                      fix the specific weakness pycwe reports, since validation alone does not replace \
                      parameterized queries, escaping or path confinement.",
        vulnerable_example: "",
        fixed_example: "",
    },
];
