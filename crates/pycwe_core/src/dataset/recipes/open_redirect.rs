//! CWE-601 open redirect: redirects to a URL taken from the request (`next`, `return_to`, the
//! Referer) in Flask, Django function views, FastAPI and aiohttp.

use crate::cwe::CweId;
use crate::dataset::recipe::{ModulePair, Recipe};

const WHY_DJANGO: &str = "`url_has_allowed_host_and_scheme` only accepts relative URLs or URLs on this site's own \
                          host, and anything else falls back to a fixed page.";
const WHY_RELATIVE: &str = "Only a local path is followed (one leading `/`, not `//` or `/\\`, and nothing a browser \
                            would strip or reinterpret), so the redirect cannot leave the site; anything else falls \
                            back to a fixed page.";

pub const RECIPES: &[Recipe] = &[Recipe::Module {
    name: "open-redirect",
    version: 1,
    cwe: CweId(601),
    pairs: &[
        ModulePair {
            name: "flask-login-next",
            framework: "flask",
            vulnerable: r#"import os
import sqlite3

from flask import Flask, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]


def find_account(username):
    with sqlite3.connect("accounts.db") as conn:
        return conn.execute("SELECT id, password_hash FROM accounts WHERE username = ?", (username,)).fetchone()


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html")
    account = find_account(request.form["username"])
    if account is None or not check_password_hash(account[1], request.form["password"]):
        return render_template("login.html", error="Invalid credentials"), 401
    session["account_id"] = account[0]
    target = request.args.get("next") or url_for("index")
    return redirect(target)  #@


@app.get("/")
def index():
    return render_template("$route/index.html")
"#,
            fixed: r#"import os
import sqlite3
from urllib.parse import urlparse

from flask import Flask, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]


def find_account(username):
    with sqlite3.connect("accounts.db") as conn:
        return conn.execute("SELECT id, password_hash FROM accounts WHERE username = ?", (username,)).fetchone()


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html")
    account = find_account(request.form["username"])
    if account is None or not check_password_hash(account[1], request.form["password"]):
        return render_template("login.html", error="Invalid credentials"), 401
    session["account_id"] = account[0]
    target = request.args.get("next") or url_for("index")
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):  #@
        target = url_for("index")
    return redirect(target)


@app.get("/")
def index():
    return render_template("$route/index.html")
"#,
            why_vulnerable: "After login the user is sent to whatever URL the `next` parameter holds, so a link on \
                             this site can forward victims to a phishing page.",
            why_fixed: WHY_RELATIVE,
        },
        ModulePair {
            name: "django-login-next",
            framework: "django",
            vulnerable: r#"from django.contrib.auth import authenticate, login
from django.http import HttpResponseRedirect
from django.shortcuts import render


def login_view(request):
    if request.method != "POST":
        return render(request, "accounts/login.html")
    user = authenticate(request, username=request.POST["username"], password=request.POST["password"])
    if user is None:
        return render(request, "accounts/login.html", {"error": "Invalid credentials"}, status=401)
    login(request, user)
    next_url = request.POST.get("next") or request.GET.get("next", "/$route/")
    return HttpResponseRedirect(next_url)  #@
"#,
            fixed: r#"from django.contrib.auth import authenticate, login
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def login_view(request):
    if request.method != "POST":
        return render(request, "accounts/login.html")
    user = authenticate(request, username=request.POST["username"], password=request.POST["password"])
    if user is None:
        return render(request, "accounts/login.html", {"error": "Invalid credentials"}, status=401)
    login(request, user)
    next_url = request.POST.get("next") or request.GET.get("next", "/$route/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):  #@
        next_url = "/$route/"
    return HttpResponseRedirect(next_url)
"#,
            why_vulnerable: "`HttpResponseRedirect` gets the `next` value from the request unchecked, so the login \
                             page can forward users to any external site.",
            why_fixed: WHY_DJANGO,
        },
        ModulePair {
            name: "django-referer",
            framework: "django",
            vulnerable: r#"from django.conf import settings
from django.shortcuts import redirect
from django.utils import translation
from django.views.decorators.http import require_POST


@require_POST
def set_language(request):
    lang = request.POST.get("language", settings.LANGUAGE_CODE)
    if lang not in dict(settings.LANGUAGES):
        lang = settings.LANGUAGE_CODE
    translation.activate(lang)
    target = request.POST.get("next") or request.META.get("HTTP_REFERER", "/")
    response = redirect(target)  #@
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang)
    return response
"#,
            fixed: r#"from django.conf import settings
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST


@require_POST
def set_language(request):
    lang = request.POST.get("language", settings.LANGUAGE_CODE)
    if lang not in dict(settings.LANGUAGES):
        lang = settings.LANGUAGE_CODE
    translation.activate(lang)
    target = request.POST.get("next") or request.META.get("HTTP_REFERER", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):  #@
        target = "/"
    response = redirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang)
    return response
"#,
            why_vulnerable: "The view redirects to the posted `next` value or the Referer header, both set by the \
                             client, so it can bounce users to any site.",
            why_fixed: WHY_DJANGO,
        },
        ModulePair {
            name: "fastapi-return-to",
            framework: "fastapi",
            vulnerable: r#"import logging

from fastapi import FastAPI, Query
from fastapi.responses import RedirectResponse

app = FastAPI()
$logger = logging.getLogger(__name__)


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/logout")
def logout(return_to: str = Query("https://app.example.com/")):
    $logger.info("logout requested")
    response = RedirectResponse(url=return_to, status_code=303)  #@
    response.delete_cookie("session_id")
    return response
"#,
            fixed: r#"import logging
from urllib.parse import urlparse

from fastapi import FastAPI, Query
from fastapi.responses import RedirectResponse

app = FastAPI()
$logger = logging.getLogger(__name__)


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/logout")
def logout(return_to: str = Query("https://app.example.com/")):
    $logger.info("logout requested")
    parts = urlparse(return_to)
    if parts.scheme != "https" or parts.hostname not in {"app.example.com", "www.example.com"}:  #@
        return_to = "https://app.example.com/"
    response = RedirectResponse(url=return_to, status_code=303)
    response.delete_cookie("session_id")
    return response
"#,
            why_vulnerable: "`RedirectResponse` sends the browser to the `return_to` query parameter as given, so \
                             the logout link can be used to redirect to any domain.",
            why_fixed: "Only `https` URLs whose host is on a fixed allowlist are followed; any other value falls \
                        back to the home page.",
        },
        ModulePair {
            name: "aiohttp-httpfound",
            framework: "aiohttp",
            vulnerable: r#"from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/$route/continue")
async def continue_after_login(request):
    if "session_id" not in request.cookies:
        raise web.HTTPFound("/login")
    target = request.query.get("next", "/$route")
    raise web.HTTPFound(target)  #@


def make_app():
    app = web.Application()
    app.add_routes(routes)
    return app
"#,
            fixed: r#"from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/$route/continue")
async def continue_after_login(request):
    if "session_id" not in request.cookies:
        raise web.HTTPFound("/login")
    target = request.query.get("next", "/$route")
    if not target.startswith("/") or target.startswith(("//", "/\\")) or not target.isprintable():  #@
        target = "/$route"
    raise web.HTTPFound(target)


def make_app():
    app = web.Application()
    app.add_routes(routes)
    return app
"#,
            why_vulnerable: "`web.HTTPFound` redirects to the `next` query value unchecked, so the link can send \
                             users to any external site.",
            why_fixed: WHY_RELATIVE,
        },
        ModulePair {
            name: "flask-outbound-link",
            framework: "flask",
            vulnerable: r#"import logging

from flask import Flask, abort, redirect, request

app = Flask(__name__)
$logger = logging.getLogger(__name__)


@app.get("/out")
def outbound():
    dest = request.args.get("to", "")
    if not dest:
        abort(404)
    $logger.info("outbound click to %r", dest)
    return redirect(dest)  #@


@app.get("/ping")
def ping():
    return "pong"
"#,
            fixed: r#"import logging

from flask import Flask, abort, redirect, request

app = Flask(__name__)
$logger = logging.getLogger(__name__)
OUTBOUND_LINKS = {"docs": "https://docs.example.com/", "status": "https://status.example.com/"}


@app.get("/out")
def outbound():
    dest = OUTBOUND_LINKS.get(request.args.get("to", ""))  #@
    if not dest:
        abort(404)
    $logger.info("outbound click to %r", dest)
    return redirect(dest)


@app.get("/ping")
def ping():
    return "pong"
"#,
            why_vulnerable: "The `to` parameter is passed straight to `redirect`, so the tracking link works as a \
                             redirector to any site.",
            why_fixed: "The client only picks a key, and the redirect target comes from a fixed map of known \
                        URLs; unknown keys get a 404.",
        },
    ],
}];
