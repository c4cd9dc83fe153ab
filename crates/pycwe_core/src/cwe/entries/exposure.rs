//! Exposure and resource weaknesses: leaked information, hard-coded credentials, and resource consumption
//! without limits.

use crate::cwe::{Applicability, CweEntry, CweId, api};

pub(super) const ENTRIES: &[CweEntry] = &[
    CweEntry {
        id: CweId(200),
        name: "Exposure of Sensitive Information to an Unauthorized Actor",
        short_name: "Sensitive information exposure",
        summary: "Information that should stay on the server (stack traces, configuration, secrets, other \
                  users' data) reaches someone not allowed to see it. In Python this is \
                  `traceback.format_exc()` or `str(exc)` returned in a response, Flask's `debug=True` or \
                  Django's `DEBUG = True` in production, or tokens and passwords written to responses or \
                  logs.",
        applicability: Applicability::Local,
        severity: 5.3,
        sources: &[
            api("stdlib", "traceback.format_exc"),
            api("stdlib", "sys.exc_info"),
            api("stdlib", "os.environ"),
            api("flask", "flask.Flask.config"),
            api("django", "django.conf.settings"),
        ],
        sinks: &[
            api("flask", "flask.Flask.run"),
            api("flask", "werkzeug.debug.DebuggedApplication"),
            api("flask", "flask.jsonify"),
            api("django", "django.http.JsonResponse"),
            api("django", "django.http.HttpResponse"),
            api("fastapi", "fastapi.HTTPException"),
            api("stdlib", "logging.Logger.info"),
            api("stdlib", "logging.Logger.debug"),
        ],
        remediation: "Return a generic message and log the details on the server: \
                      `app.logger.exception(\"checkout failed\")` then \
                      `return jsonify(error=\"internal error\"), 500`. Never run with `debug=True` or \
                      `DEBUG = True` outside development (read it from the environment, default off). \
                      Leave secrets out of responses and logs: serialize only the fields a client needs, \
                      and mask tokens before logging them.",
        vulnerable_example: r#"import traceback

from flask import Flask, jsonify

from .billing import charge_customer

app = Flask(__name__)


@app.post("/checkout")
def checkout():
    try:
        receipt = charge_customer()
    except Exception:
        return jsonify(error=traceback.format_exc()), 500
    return jsonify(receipt=receipt)
"#,
        fixed_example: r#"from flask import Flask, jsonify

from .billing import charge_customer

app = Flask(__name__)


@app.post("/checkout")
def checkout():
    try:
        receipt = charge_customer()
    except Exception:
        app.logger.exception("checkout failed")
        return jsonify(error="Payment could not be processed"), 500
    return jsonify(receipt=receipt)
"#,
    },
    CweEntry {
        id: CweId(798),
        name: "Use of Hard-coded Credentials",
        short_name: "Hard-coded credentials",
        summary: "A password, API key, token or signing secret is written in the source code, so everyone \
                  with the code (or the built package, or the git history) has it and it cannot be \
                  rotated without a release. In Python this is a string literal passed as `password=`, \
                  `api_key=` or `aws_secret_access_key=`, or assigned to `SECRET_KEY`.",
        applicability: Applicability::Local,
        severity: 9.8,
        sources: &[],
        sinks: &[
            api("psycopg2", "psycopg2.connect"),
            api("pymysql", "pymysql.connect"),
            api("sqlalchemy", "sqlalchemy.create_engine"),
            api("boto3", "boto3.client"),
            api("boto3", "boto3.session.Session"),
            api("requests", "requests.auth.HTTPBasicAuth"),
            api("stdlib", "smtplib.SMTP.login"),
            api("paramiko", "paramiko.SSHClient.connect"),
            api("jwt", "jwt.encode"),
            api("flask", "flask.Flask.secret_key"),
            api("django", "django.conf.settings.SECRET_KEY"),
        ],
        remediation: "Read secrets at run time: `os.environ[\"DB_PASSWORD\"]`, a settings library such as \
                      pydantic-settings or django-environ, or a secret manager (AWS Secrets Manager, Vault). \
                      For cloud SDKs rely on the default credential chain (`boto3.client(\"s3\")` with an \
                      instance or workload role). Rotate any secret that was ever committed, and add a \
                      secret scanner to CI.",
        vulnerable_example: r#"import psycopg2


def get_connection():
    return psycopg2.connect(
        host="db.internal",
        dbname="orders",
        user="orders_app",
        password="Winter2024!",
    )
"#,
        fixed_example: r#"import os

import psycopg2


def get_connection():
    return psycopg2.connect(
        host="db.internal",
        dbname="orders",
        user="orders_app",
        password=os.environ["ORDERS_DB_PASSWORD"],
    )
"#,
    },
    CweEntry {
        id: CweId(400),
        name: "Uncontrolled Resource Consumption",
        short_name: "Uncontrolled resource consumption",
        summary: "Input decides how much memory, CPU, disk or time a request uses, with no upper bound, so \
                  one client can exhaust the server. In Python this is reading a whole request body or \
                  response without a size limit, decompressing uploads with `gzip.decompress` or \
                  `zipfile` (decompression bombs), outbound calls without a timeout, or loops and regular \
                  expressions whose work grows with input.",
        applicability: Applicability::Local,
        severity: 7.5,
        sources: &[
            api("flask", "flask.request.get_data"),
            api("flask", "flask.request.stream"),
            api("django", "django.http.HttpRequest.body"),
            api("fastapi", "fastapi.Request.body"),
            api("fastapi", "fastapi.UploadFile"),
            api("aiohttp", "aiohttp.web.Request.read"),
            api("requests", "requests.Response.content"),
        ],
        sinks: &[
            api("stdlib", "gzip.decompress"),
            api("stdlib", "zlib.decompress"),
            api("stdlib", "bz2.decompress"),
            api("stdlib", "lzma.decompress"),
            api("stdlib", "zipfile.ZipFile.read"),
            api("stdlib", "zipfile.ZipFile.extractall"),
            api("stdlib", "tarfile.TarFile.extractall"),
            api("requests", "requests.get"),
            api("flask", "flask.Request.get_data"),
            api("aiohttp", "aiohttp.web.Request.read"),
        ],
        remediation: "Put a bound on everything input controls: cap request bodies \
                      (`MAX_CONTENT_LENGTH`, `DATA_UPLOAD_MAX_MEMORY_SIZE`, `client_max_size`), decompress \
                      in a stream with a limit (`zlib.decompressobj().decompress(data, max_length)` and \
                      reject when `unconsumed_tail` is left), check archive member sizes before extracting, \
                      pass `timeout=` to every outbound call and read large responses with \
                      `stream=True`. Cap loop counts and input lengths, and rate-limit expensive endpoints.",
        vulnerable_example: r#"import gzip

from flask import Flask, request

app = Flask(__name__)


@app.post("/ingest")
def ingest():
    payload = gzip.decompress(request.get_data())
    return {"bytes": len(payload)}
"#,
        fixed_example: r#"import zlib

from flask import Flask, abort, request

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
MAX_DECOMPRESSED = 50 * 1024 * 1024


@app.post("/ingest")
def ingest():
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)  # gzip framing
    payload = inflater.decompress(request.get_data(), MAX_DECOMPRESSED)
    if inflater.unconsumed_tail:
        abort(413)
    return {"bytes": len(payload)}
"#,
    },
    CweEntry {
        id: CweId(770),
        name: "Allocation of Resources Without Limits or Throttling",
        short_name: "Allocation without limits",
        summary: "The code allocates memory, threads, tasks or rows in an amount taken from input without a \
                  cap, so a single request can ask for gigabytes or thousands of workers. In Python this is \
                  a user-controlled size or count in `range()`, `bytearray()`, `[0] * n` or `\"x\" * n`, a \
                  page size with no maximum, or a `threading.Thread`/`asyncio.create_task` per input item.",
        applicability: Applicability::Local,
        severity: 7.5,
        sources: &[
            api("fastapi", "fastapi.Query"),
            api("flask", "flask.request.args"),
            api("flask", "flask.request.json"),
            api("django", "django.http.HttpRequest.GET"),
            api("aiohttp", "aiohttp.web.Request.query"),
        ],
        sinks: &[
            api("stdlib", "range"),
            api("stdlib", "bytearray"),
            api("stdlib", "bytes"),
            api("stdlib", "threading.Thread"),
            api("stdlib", "asyncio.create_task"),
            api("stdlib", "concurrent.futures.ThreadPoolExecutor.submit"),
            api("django", "django.core.paginator.Paginator"),
            api("django", "django.db.models.QuerySet.__getitem__"),
            api("sqlalchemy", "sqlalchemy.sql.expression.Select.limit"),
        ],
        remediation: "Give every size and count from input a maximum: \
                      `Annotated[int, Query(ge=1, le=4096)]` in FastAPI, `min(int(request.args[\"limit\"]), \
                      100)` or a form field with `max_value`. Cap page sizes (DRF `max_page_size`), bound \
                      concurrency with a fixed pool or `asyncio.Semaphore` instead of a thread or task per \
                      item, and add rate limiting (e.g. flask-limiter, django-ratelimit) to expensive \
                      endpoints.",
        vulnerable_example: r#"from fastapi import FastAPI, Response

app = FastAPI()


@app.get("/blank.ppm")
def blank_image(width: int, height: int):
    header = f"P6 {width} {height} 255\n".encode()
    pixels = bytearray(width * height * 3)
    return Response(header + pixels, media_type="image/x-portable-pixmap")
"#,
        fixed_example: r#"from typing import Annotated

from fastapi import FastAPI, Query, Response

app = FastAPI()


@app.get("/blank.ppm")
def blank_image(
    width: Annotated[int, Query(ge=1, le=4096)],
    height: Annotated[int, Query(ge=1, le=4096)],
):
    header = f"P6 {width} {height} 255\n".encode()
    pixels = bytearray(width * height * 3)
    return Response(header + pixels, media_type="image/x-portable-pixmap")
"#,
    },
];
