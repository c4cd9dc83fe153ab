//! CWE-200 exposure of sensitive information: stack traces and exception text returned to clients,
//! debug mode left on, whole user records serialized, and tokens written to logs.

use crate::cwe::CweId;
use crate::dataset::recipe::{ModulePair, Recipe};

pub const RECIPES: &[Recipe] = &[Recipe::Module { name: "info-exposure", version: 1, cwe: CweId(200), pairs: PAIRS }];

const PAIRS: &[ModulePair] = &[
    ModulePair {
        name: "flask-traceback-response",
        framework: "flask",
        vulnerable: r#"import logging
import traceback

from flask import Flask, jsonify, request

from .importer import load_rows

$logger = logging.getLogger(__name__)
app = Flask(__name__)


@app.post("/$route/import")
def import_$route():
    try:
        count = load_rows("$table", request.get_json(force=True))
    except Exception:
        return jsonify(error=traceback.format_exc()), 500  #@
    return jsonify(imported=count)
"#,
        fixed: r#"import logging

from flask import Flask, jsonify, request

from .importer import load_rows

$logger = logging.getLogger(__name__)
app = Flask(__name__)


@app.post("/$route/import")
def import_$route():
    try:
        count = load_rows("$table", request.get_json(force=True))
    except Exception:
        $logger.exception("import into $table failed")
        return jsonify(error="The import failed."), 500  #@
    return jsonify(imported=count)
"#,
        why_vulnerable: "The full stack trace (file paths, code, database details) is returned to the client when the \
                         import fails.",
        why_fixed: "The trace is logged on the server and the client only gets a generic message.",
    },
    ModulePair {
        name: "fastapi-upstream-error",
        framework: "fastapi",
        vulnerable: r#"import logging
import os

import requests
from fastapi import FastAPI, HTTPException

$logger = logging.getLogger(__name__)
app = FastAPI()
RATES_KEY = os.environ["RATES_API_KEY"]


@app.get("/$route/{item_id}/price")
def price_$entity(item_id: int, currency: str = "EUR"):
    try:
        resp = requests.get(f"https://$host/v1/rates?base=USD&key={RATES_KEY}", timeout=5)
        resp.raise_for_status()
    except requests.RequestException as exc:
        raise HTTPException(status_code=502, detail=f"rate lookup failed: {exc!r}")  #@
    rate = resp.json()["rates"][currency]
    return {"id": item_id, "currency": currency, "rate": rate}
"#,
        fixed: r#"import logging
import os

import requests
from fastapi import FastAPI, HTTPException

$logger = logging.getLogger(__name__)
app = FastAPI()
RATES_KEY = os.environ["RATES_API_KEY"]


@app.get("/$route/{item_id}/price")
def price_$entity(item_id: int, currency: str = "EUR"):
    try:
        resp = requests.get(f"https://$host/v1/rates?base=USD&key={RATES_KEY}", timeout=5)
        resp.raise_for_status()
    except requests.RequestException:
        $logger.exception("rate lookup failed")
        raise HTTPException(status_code=502, detail="Exchange rates are unavailable.")  #@
    rate = resp.json()["rates"][currency]
    return {"id": item_id, "currency": currency, "rate": rate}
"#,
        why_vulnerable: "The exception text sent to the client includes the upstream URL, which carries the rates API \
                         key and the internal host.",
        why_fixed: "The error is logged server-side and the response carries a fixed message.",
    },
    ModulePair {
        name: "flask-debug-run",
        framework: "flask",
        vulnerable: r#"import os

from flask import Flask, jsonify

from .views import register_views

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
register_views(app)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8000")), debug=True)  #@
"#,
        fixed: r#"import os

from flask import Flask, jsonify

from .views import register_views

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
register_views(app)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8000")), debug=os.environ.get("FLASK_DEBUG") == "1")  #@
"#,
        why_vulnerable: "The app listens on all interfaces with `debug=True`, which shows tracebacks, source and \
                         configuration to any client and opens the interactive debugger.",
        why_fixed: "Debug mode is only on when `FLASK_DEBUG=1` is set explicitly; it is off by default.",
    },
    ModulePair {
        name: "django-production-debug",
        framework: "django",
        vulnerable: r#"from .base import *  # noqa: F401,F403

DEBUG = True  #@
ALLOWED_HOSTS = ["$host", "www.$host"]

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000

LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
"#,
        fixed: r#"import os

from .base import *  # noqa: F401,F403

DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"  #@
ALLOWED_HOSTS = ["$host", "www.$host"]

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000

LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
"#,
        why_vulnerable: "The production settings turn on `DEBUG`, so error pages show stack traces, settings and SQL \
                         to every visitor.",
        why_fixed: "`DEBUG` is off unless `DJANGO_DEBUG=1` is set in the environment.",
    },
    ModulePair {
        name: "django-model-to-dict",
        framework: "django",
        vulnerable: r#"from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

User = get_user_model()


@login_required
def member_profile(request, username):
    member = get_object_or_404(User, username=username, is_active=True)
    return JsonResponse(model_to_dict(member, exclude=["groups", "user_permissions"]))  #@
"#,
        fixed: r#"from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

User = get_user_model()


@login_required
def member_profile(request, username):
    member = get_object_or_404(User, username=username, is_active=True)
    return JsonResponse(model_to_dict(member, fields=["id", "username", "first_name", "last_name", "date_joined"]))  #@
"#,
        why_vulnerable: "Every field of another member's user record is returned, including the password hash, email \
                         address and staff flags.",
        why_fixed: "Only an explicit list of public profile fields is serialized.",
    },
    ModulePair {
        name: "log-oauth-tokens",
        framework: "flask",
        vulnerable: r#"import logging
import os

import requests
from flask import Flask, redirect, request, session, url_for

$logger = logging.getLogger(__name__)
app = Flask(__name__)
TOKEN_URL = "https://$host/oauth/token"


@app.get("/oauth/callback")
def oauth_callback():
    resp = requests.post(
        TOKEN_URL,
        data={"grant_type": "authorization_code", "code": request.args["code"], "client_id": os.environ["OAUTH_CLIENT_ID"], "client_secret": os.environ["OAUTH_CLIENT_SECRET"]},
        timeout=10,
    )
    tokens = resp.json()
    $logger.info("oauth tokens received: %s", tokens)  #@
    session["access_token"] = tokens["access_token"]
    return redirect(url_for("dashboard"))
"#,
        fixed: r#"import logging
import os

import requests
from flask import Flask, redirect, request, session, url_for

$logger = logging.getLogger(__name__)
app = Flask(__name__)
TOKEN_URL = "https://$host/oauth/token"


@app.get("/oauth/callback")
def oauth_callback():
    resp = requests.post(
        TOKEN_URL,
        data={"grant_type": "authorization_code", "code": request.args["code"], "client_id": os.environ["OAUTH_CLIENT_ID"], "client_secret": os.environ["OAUTH_CLIENT_SECRET"]},
        timeout=10,
    )
    tokens = resp.json()
    $logger.info("oauth tokens received, expires in %s s", tokens.get("expires_in"))  #@
    session["access_token"] = tokens["access_token"]
    return redirect(url_for("dashboard"))
"#,
        why_vulnerable: "The whole token response (access and refresh tokens) is written to the application log, \
                         where anyone who can read logs can reuse it.",
        why_fixed: "Only the expiry is logged; the tokens themselves stay out of the logs.",
    },
];
