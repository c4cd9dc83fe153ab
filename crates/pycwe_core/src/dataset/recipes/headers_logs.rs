//! CWE-113 CR/LF from input in HTTP headers (`http.server`, hand-written servers and raw requests,
//! which do not validate header values) and CWE-117 log injection (input with newlines written to
//! plain-text logs).

use crate::cwe::CweId;
use crate::dataset::recipe::{Fix, Input, ModulePair, Recipe, Sink};

const WHY_REPR: &str = "The value is logged with `%r`, so newlines and control characters in `$v` appear escaped \
                        and cannot start a forged log line.";
const WHY_REPLACE: &str = "Carriage returns and newlines in `$v` are replaced with visible `\\r`/`\\n` before \
                           logging, so one request always writes one log line.";

pub const RECIPES: &[Recipe] = &[
    Recipe::Module {
        name: "header-injection",
        version: 1,
        cwe: CweId(113),
        pairs: &[
            ModulePair {
                name: "http-server-set-cookie",
                framework: "http.server",
                vulnerable: r#"from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class PreferenceHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        theme = params.get("theme", ["light"])[0]
        self.send_response(302)
        self.send_header("Location", "/$route")
        self.send_header("Set-Cookie", f"theme={theme}; Path=/; HttpOnly")  #@
        self.end_headers()


def serve(port=8080):
    ThreadingHTTPServer(("", port), PreferenceHandler).serve_forever()
"#,
                fixed: r#"from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class PreferenceHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        theme = params.get("theme", ["light"])[0]
        if theme not in ("light", "dark", "contrast"):  #@
            theme = "light"
        self.send_response(302)
        self.send_header("Location", "/$route")
        self.send_header("Set-Cookie", f"theme={theme}; Path=/; HttpOnly")
        self.end_headers()


def serve(port=8080):
    ThreadingHTTPServer(("", port), PreferenceHandler).serve_forever()
"#,
                why_vulnerable: "`send_header` writes the value as is, so `%0d%0a` in the `theme` parameter adds \
                                 headers (another `Set-Cookie`) or a whole body to the response.",
                why_fixed: "Only a few known theme names reach the header, and none contains CR or LF.",
            },
            ModulePair {
                name: "http-server-content-disposition",
                framework: "http.server",
                vulnerable: r#"import csv
import io
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse


def export_csv(rows):
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


class ExportHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        filename = params.get("filename", ["$table.csv"])[0]
        payload = export_csv([("id", "$col"), (1, "north"), (2, "south")])
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Disposition", f'attachment; filename="{filename}"')  #@
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
"#,
                fixed: r#"import csv
import io
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, urlparse


def export_csv(rows):
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


class ExportHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        filename = params.get("filename", ["$table.csv"])[0]
        payload = export_csv([("id", "$col"), (1, "north"), (2, "south")])
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(filename)}")  #@
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
"#,
                why_vulnerable: "The `filename` query value goes into `Content-Disposition` unencoded, and \
                                 `send_header` does not reject CR/LF, so the client can split the response.",
                why_fixed: "The file name is percent-encoded (RFC 5987 `filename*`), so CR, LF and quotes are sent \
                            as `%0D`, `%0A` and `%22`.",
            },
            ModulePair {
                name: "http-server-trace-id",
                framework: "http.server",
                vulnerable: r#"import json
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse


class StatusHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        trace_id = params.get("trace", [""])[0] or uuid.uuid4().hex
        body = json.dumps({"status": "ok", "service": "$route"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Trace-Id", trace_id)  #@
        self.end_headers()
        self.wfile.write(body)
"#,
                fixed: r#"import json
import re
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse


class StatusHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        trace_id = params.get("trace", [""])[0]
        if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", trace_id):  #@
            trace_id = uuid.uuid4().hex
        body = json.dumps({"status": "ok", "service": "$route"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Trace-Id", trace_id)
        self.end_headers()
        self.wfile.write(body)
"#,
                why_vulnerable: "The `trace` parameter is echoed in a response header by `send_header`, which keeps \
                                 CR/LF, so the client can append headers to the response.",
                why_fixed: "The trace id must match `[A-Za-z0-9-]{1,64}` or is replaced by a fresh one, so no CR or \
                            LF reaches the header.",
            },
            ModulePair {
                name: "asyncio-raw-response",
                framework: "asyncio",
                vulnerable: r#"import asyncio
from urllib.parse import parse_qs, urlsplit

MESSAGES = {"en": "Hello", "de": "Hallo", "fr": "Bonjour"}


async def handle(reader, writer):
    request_line = (await reader.readline()).decode("latin-1")
    parts = request_line.split()
    target = urlsplit(parts[1] if len(parts) > 1 else "/")
    lang = parse_qs(target.query).get("lang", ["en"])[0]
    payload = MESSAGES.get(lang, MESSAGES["en"]).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Language: {lang}\r\nContent-Length: {len(payload)}\r\n\r\n"  #@
    writer.write(head.encode("latin-1") + payload)
    await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "0.0.0.0", 8080)
    async with server:
        await server.serve_forever()
"#,
                fixed: r#"import asyncio
from urllib.parse import parse_qs, urlsplit

MESSAGES = {"en": "Hello", "de": "Hallo", "fr": "Bonjour"}


async def handle(reader, writer):
    request_line = (await reader.readline()).decode("latin-1")
    parts = request_line.split()
    target = urlsplit(parts[1] if len(parts) > 1 else "/")
    lang = parse_qs(target.query).get("lang", ["en"])[0]
    if lang not in MESSAGES:  #@
        lang = "en"
    payload = MESSAGES[lang].encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Language: {lang}\r\nContent-Length: {len(payload)}\r\n\r\n"
    writer.write(head.encode("latin-1") + payload)
    await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "0.0.0.0", 8080)
    async with server:
        await server.serve_forever()
"#,
                why_vulnerable: "The decoded `lang` parameter is written into the raw response head, so `%0d%0a` in \
                                 it injects headers or a second response.",
                why_fixed: "Only languages from the fixed `MESSAGES` table are echoed in the header.",
            },
            ModulePair {
                name: "raw-socket-request",
                framework: "flask",
                vulnerable: r#"import socket

from flask import Flask, jsonify, request

app = Flask(__name__)


def fetch_status(account):
    head = (
        "GET /v1/status HTTP/1.1\r\n"
        "Host: $host\r\n"
        f"X-Account: {account}\r\n"  #@
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection(("$host", 80), timeout=5) as sock:
        sock.sendall(head.encode())
        return sock.recv(65536).decode("latin-1")


@app.get("/$route/status")
def account_status():
    reply = fetch_status(request.args.get("account", ""))
    return jsonify({"upstream": reply.split("\r\n", 1)[0]})
"#,
                fixed: r#"import socket

from flask import Flask, jsonify, request

app = Flask(__name__)


def fetch_status(account):
    if "\r" in account or "\n" in account:  #@
        raise ValueError("invalid account")
    head = (
        "GET /v1/status HTTP/1.1\r\n"
        "Host: $host\r\n"
        f"X-Account: {account}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection(("$host", 80), timeout=5) as sock:
        sock.sendall(head.encode())
        return sock.recv(65536).decode("latin-1")


@app.get("/$route/status")
def account_status():
    reply = fetch_status(request.args.get("account", ""))
    return jsonify({"upstream": reply.split("\r\n", 1)[0]})
"#,
                why_vulnerable: "The `account` parameter is placed in a hand-built request head, so CR/LF in it \
                                 adds headers or smuggles a second request to the internal service.",
                why_fixed: "Values containing CR or LF are rejected before the request head is built.",
            },
        ],
    },
    Recipe::Taint {
        name: "log-injection",
        version: 1,
        cwe: CweId(117),
        sinks: &[
            Sink {
                name: "logger-fstring",
                input: Input::Text,
                imports: &["import logging"],
                setup: "$logger = logging.getLogger(__name__)\nACTIVE_CODES = {\"SPRING24\", \"WELCOME10\"}",
                vulnerable: r#"known = $v.upper() in ACTIVE_CODES
if not known:
    $logger.warning(f"unknown coupon code submitted: {$v}")  #@
$out = {"valid": known}
"#,
                fixed: &[
                    Fix {
                        imports: &[],
                        body: r#"known = $v.upper() in ACTIVE_CODES
if not known:
    $logger.warning("unknown coupon code submitted: %r", $v)  #@
$out = {"valid": known}
"#,
                        why: WHY_REPR,
                    },
                    Fix {
                        imports: &[],
                        body: r#"known = $v.upper() in ACTIVE_CODES
if not known:
    $logger.warning("unknown coupon code submitted: %s", $v.replace("\r", "\\r").replace("\n", "\\n"))  #@
$out = {"valid": known}
"#,
                        why: WHY_REPLACE,
                    },
                ],
                why: "`$v` goes into a plain-text log line unescaped, so a newline in it forges further log \
                      entries.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "logging-percent-s",
                input: Input::Text,
                imports: &["import logging", "import secrets"],
                setup: "RESET_TOKENS = {}",
                vulnerable: r#"RESET_TOKENS[$v] = secrets.token_urlsafe(32)
logging.info("password reset requested for %s", $v)  #@
$out = {"sent": True, "expires_in": 3600}
"#,
                fixed: &[
                    Fix {
                        imports: &[],
                        body: r#"RESET_TOKENS[$v] = secrets.token_urlsafe(32)
logging.info("password reset requested for %r", $v)  #@
$out = {"sent": True, "expires_in": 3600}
"#,
                        why: WHY_REPR,
                    },
                    Fix {
                        imports: &[],
                        body: r#"RESET_TOKENS[$v] = secrets.token_urlsafe(32)
logging.info("password reset requested", extra={"account": $v})  #@
$out = {"sent": True, "expires_in": 3600}
"#,
                        why: "`$v` travels as a structured `extra` field instead of inside the message text, so \
                              it cannot break the log line.",
                    },
                ],
                why: "`%s` inserts `$v` into the log message verbatim, newlines included, so the caller can add \
                      fake log records.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "logger-format",
                input: Input::Text,
                imports: &["import logging"],
                setup: "$logger = logging.getLogger(\"$route.audit\")",
                vulnerable: r#"$logger.info("user {} exported $table".format($v))  #@
$out = {"exported": "$table", "by": $v}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"$logger.info("user %r exported $table", $v)  #@
$out = {"exported": "$table", "by": $v}
"#,
                    why: WHY_REPR,
                }],
                why: "The audit message is built with `.format($v)`, so a newline in the user name writes a \
                      second, forged audit line.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "flask-app-logger",
                input: Input::Text,
                imports: &[],
                setup: "",
                vulnerable: r#"app.logger.warning("rejected upload from " + $v)  #@
$out = {"accepted": False}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"app.logger.warning("rejected upload from %s", $v.replace("\r", "\\r").replace("\n", "\\n"))  #@
$out = {"accepted": False}
"#,
                    why: WHY_REPLACE,
                }],
                why: "`app.logger` writes `$v` as part of the message text, so CR/LF in it creates log lines the \
                      server never wrote.",
                frameworks: &["flask"],
                constant_is_safe: true,
            },
            Sink {
                name: "loguru-fstring",
                input: Input::Text,
                imports: &["from loguru import logger"],
                setup: "",
                vulnerable: r#"logger.info(f"comment posted on $entity by {$v}")  #@
$out = {"posted": True}
"#,
                fixed: &[Fix {
                    imports: &[],
                    body: r#"logger.info("comment posted on $entity by {!r}", $v)  #@
$out = {"posted": True}
"#,
                    why: "loguru formats `$v` with `{!r}`, so newlines in it are escaped in the log line.",
                }],
                why: "The f-string puts `$v` into the loguru message unescaped, so a newline in it fakes another \
                      log entry.",
                frameworks: &[],
                constant_is_safe: true,
            },
            Sink {
                name: "audit-file-write",
                input: Input::Text,
                imports: &["import os", "from datetime import datetime, timezone"],
                setup: "$dir = \"$dirpath\"",
                vulnerable: r#"stamp = datetime.now(timezone.utc).isoformat()
with open(os.path.join($dir, "audit.log"), "a", encoding="utf-8") as fh:
    fh.write(f"{stamp} search {$v}\n")  #@
$out = {"logged": True}
"#,
                fixed: &[Fix {
                    imports: &["import json"],
                    body: r#"stamp = datetime.now(timezone.utc).isoformat()
with open(os.path.join($dir, "audit.log"), "a", encoding="utf-8") as fh:
    fh.write(json.dumps({"at": stamp, "event": "search", "term": $v}) + "\n")  #@
$out = {"logged": True}
"#,
                    why: "Each entry is written as one JSON object, and `json.dumps` escapes newlines in `$v`, so \
                          it stays a single record.",
                }],
                why: "`$v` is appended to the audit file as raw text, so a newline in it adds fabricated audit \
                      records.",
                frameworks: &[],
                constant_is_safe: true,
            },
        ],
    },
];
