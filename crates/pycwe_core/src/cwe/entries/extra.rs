//! Extra weaknesses common in Python beyond the Top 25: cryptography, TLS, XML, templates, redirects,
//! temporary files, randomness, LDAP/XPath/header/log injection and ReDoS.

use crate::cwe::{Applicability, CweEntry, CweId, api};

pub(super) const ENTRIES: &[CweEntry] = &[
    CweEntry {
        id: CweId(327),
        name: "Use of a Broken or Risky Cryptographic Algorithm",
        short_name: "Broken or risky crypto algorithm",
        summary: "Data is protected with an algorithm or mode that is known to be weak, so it can be \
                  decrypted or forged. In Python this is DES, 3DES, RC4 (ARC4) or Blowfish from \
                  `cryptography` or PyCryptodome, AES in ECB mode (which leaks patterns), or an old TLS \
                  version such as `ssl.PROTOCOL_TLSv1`.",
        applicability: Applicability::Local,
        severity: 7.5,
        sources: &[],
        sinks: &[
            api("pycryptodome", "Crypto.Cipher.DES.new"),
            api("pycryptodome", "Crypto.Cipher.DES3.new"),
            api("pycryptodome", "Crypto.Cipher.ARC4.new"),
            api("pycryptodome", "Crypto.Cipher.Blowfish.new"),
            api("pycryptodome", "Crypto.Cipher.AES.MODE_ECB"),
            api("cryptography", "cryptography.hazmat.primitives.ciphers.algorithms.TripleDES"),
            api("cryptography", "cryptography.hazmat.primitives.ciphers.algorithms.ARC4"),
            api("cryptography", "cryptography.hazmat.primitives.ciphers.modes.ECB"),
            api("stdlib", "ssl.PROTOCOL_TLSv1"),
        ],
        remediation: "Use authenticated encryption with a modern cipher: `Fernet(key)` or \
                      `AESGCM(key).encrypt(nonce, data, None)` from `cryptography`, or \
                      `AES.new(key, AES.MODE_GCM)` in PyCryptodome, with a fresh random nonce per message. \
                      Never use ECB; for TLS use `ssl.create_default_context()`, which only allows TLS 1.2+.",
        vulnerable_example: r#"from Crypto.Cipher import DES
from Crypto.Util.Padding import pad


def encrypt_card_number(key: bytes, card_number: str) -> bytes:
    cipher = DES.new(key, DES.MODE_ECB)
    return cipher.encrypt(pad(card_number.encode(), DES.block_size))
"#,
        fixed_example: r#"from Crypto.Cipher import AES


def encrypt_card_number(key: bytes, card_number: str) -> bytes:
    cipher = AES.new(key, AES.MODE_GCM)
    ciphertext, tag = cipher.encrypt_and_digest(card_number.encode())
    return cipher.nonce + tag + ciphertext
"#,
    },
    CweEntry {
        id: CweId(328),
        name: "Use of Weak Hash",
        short_name: "Weak hash",
        summary: "A hash that is broken or far too fast is used where security depends on it, so \
                  collisions can be forged or stored passwords cracked. In Python this is `hashlib.md5` or \
                  `hashlib.sha1` (or `hashlib.new(\"md5\")`) for passwords, signatures, tokens or integrity \
                  checks.",
        applicability: Applicability::Local,
        severity: 7.5,
        sources: &[],
        sinks: &[
            api("stdlib", "hashlib.md5"),
            api("stdlib", "hashlib.sha1"),
            api("stdlib", "hashlib.new"),
            api("pycryptodome", "Crypto.Hash.MD5.new"),
            api("pycryptodome", "Crypto.Hash.SHA1.new"),
            api("cryptography", "cryptography.hazmat.primitives.hashes.MD5"),
            api("cryptography", "cryptography.hazmat.primitives.hashes.SHA1"),
        ],
        remediation: "For integrity and signatures use `hashlib.sha256` or stronger (`hmac.new(key, msg, \
                      \"sha256\")` for MACs). For passwords use a slow salted hash: `hashlib.scrypt`, \
                      `bcrypt`, argon2-cffi or Django's `make_password`. If MD5/SHA-1 is only a checksum or \
                      cache key, say so with `hashlib.md5(data, usedforsecurity=False)`.",
        vulnerable_example: r#"import hashlib


def hash_password(password: str) -> str:
    return hashlib.md5(password.encode()).hexdigest()


def check_password(password: str, stored: str) -> bool:
    return hash_password(password) == stored
"#,
        fixed_example: r#"import hashlib
import hmac
import os


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return salt.hex() + ":" + digest.hex()


def check_password(password: str, stored: str) -> bool:
    salt, digest = (bytes.fromhex(part) for part in stored.split(":"))
    candidate = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate, digest)
"#,
    },
    CweEntry {
        id: CweId(295),
        name: "Improper Certificate Validation",
        short_name: "Improper certificate validation",
        summary: "TLS certificates are not checked, so anyone on the network path can impersonate the \
                  server and read or change the traffic. In Python this is `verify=False` in requests or \
                  httpx, `ssl=False` in aiohttp, `ssl._create_unverified_context()`, `CERT_NONE` or \
                  `check_hostname = False`, and paramiko's `AutoAddPolicy` for SSH host keys.",
        applicability: Applicability::Local,
        severity: 7.4,
        sources: &[],
        sinks: &[
            api("requests", "requests.get"),
            api("requests", "requests.Session.request"),
            api("httpx", "httpx.Client"),
            api("aiohttp", "aiohttp.ClientSession.get"),
            api("urllib3", "urllib3.PoolManager"),
            api("stdlib", "ssl._create_unverified_context"),
            api("stdlib", "ssl.CERT_NONE"),
            api("stdlib", "ssl.SSLContext.check_hostname"),
            api("paramiko", "paramiko.client.AutoAddPolicy"),
        ],
        remediation: "Leave verification on (the default). For a private CA, point at its bundle: \
                      `requests.get(url, verify=\"/etc/ssl/certs/internal-ca.pem\")`, \
                      `ssl.create_default_context(cafile=...)`. Do not silence the warning with \
                      `urllib3.disable_warnings()`. For SSH load known hosts \
                      (`client.load_system_host_keys()`) and use `RejectPolicy`.",
        vulnerable_example: r#"import requests

API_URL = "https://billing.internal.example.com/api/v1"


def fetch_invoices(token: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {token}"}
    resp = requests.get(f"{API_URL}/invoices", headers=headers, verify=False, timeout=10)
    resp.raise_for_status()
    return resp.json()
"#,
        fixed_example: r#"import requests

API_URL = "https://billing.internal.example.com/api/v1"
CA_BUNDLE = "/etc/ssl/certs/internal-ca.pem"


def fetch_invoices(token: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {token}"}
    resp = requests.get(f"{API_URL}/invoices", headers=headers, verify=CA_BUNDLE, timeout=10)
    resp.raise_for_status()
    return resp.json()
"#,
    },
    CweEntry {
        id: CweId(611),
        name: "Improper Restriction of XML External Entity Reference",
        short_name: "XML external entity (XXE)",
        summary: "An XML parser resolves external entities in untrusted documents, so a `<!ENTITY>` can \
                  read local files or make the server fetch URLs. In Python this is lxml with \
                  `resolve_entities=True` or `no_network=False`, `xml.sax` with \
                  `feature_external_ges` turned on, or `xml.dom.pulldom` over untrusted input.",
        applicability: Applicability::Local,
        severity: 8.2,
        sources: &[
            api("flask", "flask.request.data"),
            api("flask", "flask.request.files"),
            api("django", "django.http.HttpRequest.body"),
            api("fastapi", "fastapi.Request.body"),
            api("requests", "requests.Response.content"),
        ],
        sinks: &[
            api("lxml", "lxml.etree.XMLParser"),
            api("lxml", "lxml.etree.fromstring"),
            api("lxml", "lxml.etree.parse"),
            api("stdlib", "xml.sax.make_parser"),
            api("stdlib", "xml.sax.handler.feature_external_ges"),
            api("stdlib", "xml.dom.pulldom.parseString"),
            api("stdlib", "xml.etree.ElementTree.fromstring"),
        ],
        remediation: "Parse untrusted XML with defusedxml: `defusedxml.ElementTree.fromstring(data)` \
                      rejects entity declarations and external references. With lxml, build the parser as \
                      `etree.XMLParser(resolve_entities=False, no_network=True)`; with `xml.sax`, keep \
                      `feature_external_ges` off. Prefer JSON where you control the format.",
        vulnerable_example: r#"from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.post("/catalog/import")
def import_catalog():
    parser = etree.XMLParser(resolve_entities=True, no_network=False)
    root = etree.fromstring(request.data, parser)
    return {"products": len(root.findall("product"))}
"#,
        fixed_example: r#"import defusedxml.ElementTree as ET
from flask import Flask, request

app = Flask(__name__)


@app.post("/catalog/import")
def import_catalog():
    root = ET.fromstring(request.data)
    return {"products": len(root.findall("product"))}
"#,
    },
    CweEntry {
        id: CweId(1336),
        name: "Improper Neutralization of Special Elements Used in a Template Engine",
        short_name: "Server-side template injection",
        summary: "Untrusted input becomes part of a template's source instead of a value rendered by it, \
                  so `{{ ... }}` in the input runs in the template engine, which in Jinja2 reaches Python \
                  objects and code execution. In Python this is `render_template_string(f\"...{name}\")`, \
                  `jinja2.Template(user_text)` or `Environment.from_string` on input.",
        applicability: Applicability::Local,
        severity: 9.8,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.form"),
            api("django", "django.http.HttpRequest.GET"),
            api("fastapi", "fastapi.Query"),
        ],
        sinks: &[
            api("flask", "flask.render_template_string"),
            api("jinja2", "jinja2.Template"),
            api("jinja2", "jinja2.Environment.from_string"),
            api("django", "django.template.Template"),
            api("django", "django.template.Engine.from_string"),
            api("mako", "mako.template.Template"),
            api("tornado", "tornado.template.Template"),
        ],
        remediation: "Keep the template constant and pass input as context: \
                      `render_template_string(\"<p>Hello {{ name }}</p>\", name=name)` or a template file \
                      with `render_template`. If users must author templates, render them in \
                      `jinja2.sandbox.SandboxedEnvironment` with a minimal context, or use a logic-less \
                      format such as `string.Template.safe_substitute`.",
        vulnerable_example: r#"from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/hello")
def hello():
    name = request.args.get("name", "guest")
    return render_template_string(f"<p>Hello {name}!</p>")
"#,
        fixed_example: r#"from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/hello")
def hello():
    name = request.args.get("name", "guest")
    return render_template_string("<p>Hello {{ name }}!</p>", name=name)
"#,
    },
    CweEntry {
        id: CweId(601),
        name: "URL Redirection to Untrusted Site ('Open Redirect')",
        short_name: "Open redirect",
        summary: "The application redirects to a URL taken from the request, so a link on the trusted \
                  domain can send users to a phishing site or leak tokens. In Python this is \
                  `redirect(request.args[\"next\"])` after login, or `HttpResponseRedirect` and \
                  `RedirectResponse` built from a query parameter or the `Referer` header.",
        applicability: Applicability::Local,
        severity: 6.1,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.referrer"),
            api("django", "django.http.HttpRequest.GET"),
            api("django", "django.http.HttpRequest.POST"),
            api("fastapi", "fastapi.Query"),
        ],
        sinks: &[
            api("flask", "flask.redirect"),
            api("flask", "werkzeug.utils.redirect"),
            api("django", "django.shortcuts.redirect"),
            api("django", "django.http.HttpResponseRedirect"),
            api("fastapi", "fastapi.responses.RedirectResponse"),
            api("aiohttp", "aiohttp.web.HTTPFound"),
        ],
        remediation: "Only follow redirects to your own site: in Django check with \
                      `url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})` and fall \
                      back to a default; elsewhere accept only relative paths (`urlparse(url)` with empty \
                      `scheme` and `netloc`, and not starting with `//`) or map a key to a known URL.",
        vulnerable_example: r#"from django.contrib.auth import authenticate, login
from django.shortcuts import redirect, render


def login_view(request):
    if request.method == "POST":
        username, password = request.POST["username"], request.POST["password"]
        user = authenticate(request, username=username, password=password)
        if user is not None:
            login(request, user)
            return redirect(request.GET.get("next", "/"))
    return render(request, "login.html")
"#,
        fixed_example: r#"from django.contrib.auth import authenticate, login
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme


def login_view(request):
    if request.method == "POST":
        username, password = request.POST["username"], request.POST["password"]
        user = authenticate(request, username=username, password=password)
        if user is not None:
            login(request, user)
            next_url = request.GET.get("next", "/")
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = "/"
            return redirect(next_url)
    return render(request, "login.html")
"#,
    },
    CweEntry {
        id: CweId(377),
        name: "Insecure Temporary File",
        short_name: "Insecure temporary file",
        summary: "A temporary file is created with a predictable name or in a way that another local user \
                  can create or swap first, so they can read the data or redirect the write through a \
                  symlink. In Python this is `tempfile.mktemp()` followed by `open()`, or a fixed path \
                  such as `/tmp/report.csv`.",
        applicability: Applicability::Local,
        severity: 5.5,
        sources: &[],
        sinks: &[
            api("stdlib", "tempfile.mktemp"),
            api("stdlib", "open"),
            api("stdlib", "os.open"),
            api("stdlib", "pathlib.Path.write_text"),
            api("stdlib", "pathlib.Path.open"),
        ],
        remediation: "Let `tempfile` create the file atomically with a random name and private \
                      permissions: `tempfile.NamedTemporaryFile()`, `tempfile.mkstemp()` or \
                      `tempfile.TemporaryDirectory()`. Never use `tempfile.mktemp()` (deprecated) or fixed \
                      names under `/tmp`.",
        vulnerable_example: r#"import subprocess
import tempfile


def render_pdf(html: str) -> bytes:
    path = tempfile.mktemp(suffix=".html")
    with open(path, "w") as f:
        f.write(html)
    return subprocess.run(["wkhtmltopdf", path, "-"], capture_output=True, check=True).stdout
"#,
        fixed_example: r#"import subprocess
import tempfile


def render_pdf(html: str) -> bytes:
    with tempfile.NamedTemporaryFile("w", suffix=".html") as f:
        f.write(html)
        f.flush()
        return subprocess.run(["wkhtmltopdf", f.name, "-"], capture_output=True, check=True).stdout
"#,
    },
    CweEntry {
        id: CweId(338),
        name: "Use of Cryptographically Weak Pseudo-Random Number Generator (PRNG)",
        short_name: "Weak PRNG",
        summary: "Security values (tokens, passwords, reset codes, session ids, nonces) come from a PRNG \
                  whose output can be predicted from earlier outputs. In Python this is the `random` \
                  module (Mersenne Twister) or `numpy.random` used for anything an attacker must not guess.",
        applicability: Applicability::Local,
        severity: 7.5,
        sources: &[],
        sinks: &[
            api("stdlib", "random.randint"),
            api("stdlib", "random.randrange"),
            api("stdlib", "random.choice"),
            api("stdlib", "random.choices"),
            api("stdlib", "random.getrandbits"),
            api("stdlib", "random.sample"),
            api("numpy", "numpy.random.randint"),
        ],
        remediation: "Use the `secrets` module for anything security-related: \
                      `secrets.token_urlsafe(32)`, `secrets.token_hex()`, `secrets.choice(alphabet)`, \
                      `secrets.randbelow(n)` (or `random.SystemRandom()`). Keep `random` for simulations, \
                      sampling and tests.",
        vulnerable_example: r#"import random
import string

ALPHABET = string.ascii_letters + string.digits


def new_reset_token(length: int = 32) -> str:
    return "".join(random.choice(ALPHABET) for _ in range(length))
"#,
        fixed_example: r#"import secrets
import string

ALPHABET = string.ascii_letters + string.digits


def new_reset_token(length: int = 32) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
"#,
    },
    CweEntry {
        id: CweId(90),
        name: "Improper Neutralization of Special Elements used in an LDAP Query ('LDAP Injection')",
        short_name: "LDAP injection",
        summary: "Untrusted input is pasted into an LDAP search filter or DN, so `*`, `(`, `)` or `\\` \
                  change the query: matching every entry or bypassing a login check. In Python this is an \
                  f-string or `%` building the filter passed to ldap3's `Connection.search` or \
                  python-ldap's `search_s`.",
        applicability: Applicability::Local,
        severity: 8.1,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.form"),
            api("django", "django.http.HttpRequest.POST"),
            api("fastapi", "fastapi.Form"),
        ],
        sinks: &[
            api("ldap3", "ldap3.Connection.search"),
            api("ldap3", "ldap3.Connection.modify"),
            api("python-ldap", "ldap.ldapobject.LDAPObject.search_s"),
            api("python-ldap", "ldap.ldapobject.LDAPObject.search_ext_s"),
            api("python-ldap", "ldap.ldapobject.LDAPObject.simple_bind_s"),
        ],
        remediation: "Escape every value put in a filter: `ldap3.utils.conv.escape_filter_chars(value)` or \
                      python-ldap's `ldap.filter.escape_filter_chars` / \
                      `ldap.filter.filter_format(\"(uid=%s)\", [uid])`. Escape values in DNs with \
                      `ldap3.utils.dn.escape_rdn` or `ldap.dn.escape_dn_chars`, and reject empty passwords \
                      before a bind.",
        vulnerable_example: r#"from flask import Flask, request
from ldap3 import Connection, Server

app = Flask(__name__)
server = Server("ldap://ldap.internal.example.com")


@app.route("/directory")
def directory_lookup():
    uid = request.args["uid"]
    with Connection(server, auto_bind=True) as conn:
        conn.search("ou=people,dc=example,dc=com", f"(uid={uid})", attributes=["cn", "mail"])
        return {"results": [entry.entry_to_json() for entry in conn.entries]}
"#,
        fixed_example: r#"from flask import Flask, request
from ldap3 import Connection, Server
from ldap3.utils.conv import escape_filter_chars

app = Flask(__name__)
server = Server("ldap://ldap.internal.example.com")


@app.route("/directory")
def directory_lookup():
    uid = escape_filter_chars(request.args["uid"])
    with Connection(server, auto_bind=True) as conn:
        conn.search("ou=people,dc=example,dc=com", f"(uid={uid})", attributes=["cn", "mail"])
        return {"results": [entry.entry_to_json() for entry in conn.entries]}
"#,
    },
    CweEntry {
        id: CweId(643),
        name: "Improper Neutralization of Data within XPath Expressions ('XPath Injection')",
        short_name: "XPath injection",
        summary: "Untrusted input is pasted into an XPath expression, so a quote followed by \
                  `or '1'='1'` changes which nodes are selected. In Python this is an f-string or `%` \
                  building the expression passed to lxml's `xpath()` or `etree.XPath`.",
        applicability: Applicability::Local,
        severity: 7.5,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.form"),
            api("django", "django.http.HttpRequest.GET"),
            api("fastapi", "fastapi.Query"),
        ],
        sinks: &[
            api("lxml", "lxml.etree._Element.xpath"),
            api("lxml", "lxml.etree._ElementTree.xpath"),
            api("lxml", "lxml.etree.XPath"),
            api("lxml", "lxml.etree.XPathEvaluator"),
            api("elementpath", "elementpath.select"),
        ],
        remediation: "Pass input as XPath variables instead of formatting it in: \
                      `tree.xpath(\"//employee[name=$name]\", name=name)` in lxml (`etree.XPath` \
                      accepts the same keyword variables), or `variables={...}` with elementpath.",
        vulnerable_example: r#"from flask import Flask, request
from lxml import etree

app = Flask(__name__)
staff = etree.parse("/srv/app/staff.xml")


@app.route("/employees")
def employee_emails():
    name = request.args["name"]
    matches = staff.xpath(f"//employee[name='{name}']/email/text()")
    return {"emails": [str(m) for m in matches]}
"#,
        fixed_example: r#"from flask import Flask, request
from lxml import etree

app = Flask(__name__)
staff = etree.parse("/srv/app/staff.xml")


@app.route("/employees")
def employee_emails():
    name = request.args["name"]
    matches = staff.xpath("//employee[name=$name]/email/text()", name=name)
    return {"emails": [str(m) for m in matches]}
"#,
    },
    CweEntry {
        id: CweId(113),
        name: "Improper Neutralization of CRLF Sequences in HTTP Headers ('HTTP Request/Response Splitting')",
        short_name: "HTTP header injection",
        summary: "Untrusted input containing `\\r\\n` is written into an HTTP header, so an attacker can \
                  add headers (a `Set-Cookie`) or a whole second response. Django and recent Werkzeug \
                  reject newlines in header values, but `http.server`'s `send_header`, raw WSGI \
                  `start_response` headers and hand-written servers pass them through.",
        applicability: Applicability::Local,
        severity: 6.1,
        sources: &[
            api("stdlib", "http.server.BaseHTTPRequestHandler.path"),
            api("flask", "flask.request.args"),
            api("django", "django.http.HttpRequest.GET"),
            api("aiohttp", "aiohttp.web.Request.query"),
        ],
        sinks: &[
            api("stdlib", "http.server.BaseHTTPRequestHandler.send_header"),
            api("stdlib", "wsgiref.headers.Headers.add_header"),
            api("flask", "flask.Response.headers"),
            api("django", "django.http.HttpResponse.__setitem__"),
            api("aiohttp", "aiohttp.web.StreamResponse.headers"),
        ],
        remediation: "Reject or strip `\\r` and `\\n` in any value put into a header \
                      (`if \"\\r\" in v or \"\\n\" in v: abort(400)`), or better, check the value against an \
                      allowlist or strict pattern. URL-encode values that go into `Location` \
                      (`urllib.parse.quote`), and prefer framework response APIs that validate headers over \
                      writing them by hand.",
        vulnerable_example: r#"from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse


class LanguageHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        lang = params.get("lang", ["en"])[0]
        self.send_response(302)
        self.send_header("Location", "/home")
        self.send_header("Set-Cookie", f"lang={lang}; Path=/")
        self.end_headers()
"#,
        fixed_example: r#"from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

LANGUAGES = {"en", "fr", "de"}


class LanguageHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        lang = params.get("lang", ["en"])[0]
        if lang not in LANGUAGES:
            lang = "en"
        self.send_response(302)
        self.send_header("Location", "/home")
        self.send_header("Set-Cookie", f"lang={lang}; Path=/")
        self.end_headers()
"#,
    },
    CweEntry {
        id: CweId(117),
        name: "Improper Output Neutralization for Logs",
        short_name: "Log injection",
        summary: "Untrusted input is written to a log as-is, so newlines in it forge extra log entries and \
                  control characters can mislead whoever reads the logs. In Python this is \
                  `logger.info(\"login failed for %s\", username)` or an f-string log message with a \
                  request value, when the log is plain text.",
        applicability: Applicability::Local,
        severity: 4.0,
        sources: &[
            api("flask", "flask.request.form"),
            api("flask", "flask.request.headers"),
            api("django", "django.http.HttpRequest.POST"),
            api("django", "django.http.HttpRequest.META"),
            api("fastapi", "fastapi.Query"),
        ],
        sinks: &[
            api("stdlib", "logging.Logger.info"),
            api("stdlib", "logging.Logger.warning"),
            api("stdlib", "logging.Logger.error"),
            api("stdlib", "logging.info"),
            api("stdlib", "logging.warning"),
            api("loguru", "loguru.logger.info"),
        ],
        remediation: "Log input with `%r` so newlines appear escaped (`log.warning(\"login failed for %r\", \
                      username)`), or replace `\\r` and `\\n` before logging. Better, use structured \
                      logging (a JSON formatter or structlog) where values are fields that cannot break \
                      the record.",
        vulnerable_example: r#"from flask import Flask, abort, request

from .auth import check_credentials

app = Flask(__name__)


@app.post("/login")
def login():
    username = request.form["username"]
    if not check_credentials(username, request.form["password"]):
        app.logger.warning("login failed for %s", username)
        abort(401)
    return "", 204
"#,
        fixed_example: r#"from flask import Flask, abort, request

from .auth import check_credentials

app = Flask(__name__)


@app.post("/login")
def login():
    username = request.form["username"]
    if not check_credentials(username, request.form["password"]):
        app.logger.warning("login failed for %r", username)
        abort(401)
    return "", 204
"#,
    },
    CweEntry {
        id: CweId(1333),
        name: "Inefficient Regular Expression Complexity",
        short_name: "Regular expression DoS (ReDoS)",
        summary: "A regular expression with nested or overlapping quantifiers, such as `(a+)+` or \
                  `(\\w+\\.?)+`, backtracks exponentially on some inputs, so one short string can hold a \
                  worker for minutes. In Python this is such a pattern in `re.match`/`re.search` on \
                  request data, or `re.compile` of a pattern the user supplies.",
        applicability: Applicability::Local,
        severity: 7.5,
        sources: &[
            api("flask", "flask.request.args"),
            api("flask", "flask.request.form"),
            api("django", "django.http.HttpRequest.GET"),
            api("fastapi", "fastapi.Query"),
        ],
        sinks: &[
            api("stdlib", "re.compile"),
            api("stdlib", "re.match"),
            api("stdlib", "re.search"),
            api("stdlib", "re.fullmatch"),
            api("stdlib", "re.findall"),
            api("stdlib", "re.sub"),
            api("regex", "regex.search"),
        ],
        remediation: "Rewrite the pattern so each character can be matched only one way (no quantified \
                      group that can itself match the same text: `[a-z0-9]+(\\.[a-z0-9]+)*` instead of \
                      `([a-z0-9]+\\.?)+`), and cap input length before matching. Never compile user \
                      patterns; if search must take them, use `re.escape()` for literal text or a \
                      linear-time engine such as `google-re2`.",
        vulnerable_example: r#"import re

from flask import Flask, request

app = Flask(__name__)
EMAIL_RE = re.compile(r"^([a-zA-Z0-9]+\.?)+@example\.com$")


@app.post("/invite")
def invite():
    email = request.form["email"]
    if not EMAIL_RE.match(email):
        return {"error": "invalid email"}, 400
    return {"invited": email}
"#,
        fixed_example: r#"import re

from flask import Flask, request

app = Flask(__name__)
EMAIL_RE = re.compile(r"^[a-zA-Z0-9]+(\.[a-zA-Z0-9]+)*@example\.com$")


@app.post("/invite")
def invite():
    email = request.form["email"]
    if len(email) > 254 or not EMAIL_RE.match(email):
        return {"error": "invalid email"}, 400
    return {"invited": email}
"#,
    },
];
