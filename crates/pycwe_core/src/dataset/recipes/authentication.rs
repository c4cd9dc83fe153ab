//! CWE-287 improper authentication (unverified tokens, plaintext or skipped password checks, identity
//! from headers), CWE-306 missing authentication for critical functions, and CWE-269 improper
//! privilege management (roles from request data, privileges kept or not dropped).

use crate::cwe::CweId;
use crate::dataset::recipe::{ModulePair, Recipe};

pub const RECIPES: &[Recipe] = &[
    Recipe::Module { name: "improper-authn", version: 1, cwe: CweId(287), pairs: IMPROPER_AUTHN },
    Recipe::Module { name: "missing-authn", version: 1, cwe: CweId(306), pairs: MISSING_AUTHN },
    Recipe::Module { name: "privilege-mgmt", version: 1, cwe: CweId(269), pairs: PRIVILEGE_MGMT },
];

const IMPROPER_AUTHN: &[ModulePair] = &[
    ModulePair {
        name: "pyjwt-no-signature",
        framework: "flask",
        vulnerable: r#"import os

import jwt
from flask import Flask, abort, jsonify, request

from .models import $model

app = Flask(__name__)
app.config["JWT_SECRET"] = os.environ["JWT_SECRET"]


def current_claims() -> dict:  #@
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401)
    return jwt.decode(header[7:], options={"verify_signature": False})


@app.get("/api/$route")
def list_$route():
    claims = current_claims()
    rows = $model.query.filter_by(owner_id=int(claims["sub"])).limit($limit).all()
    return jsonify([r.to_dict() for r in rows])
"#,
        fixed: r#"import os

import jwt
from flask import Flask, abort, jsonify, request

from .models import $model

app = Flask(__name__)
app.config["JWT_SECRET"] = os.environ["JWT_SECRET"]


def current_claims() -> dict:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401)
    try:
        return jwt.decode(header[7:], app.config["JWT_SECRET"], algorithms=["HS256"])  #@
    except jwt.InvalidTokenError:
        abort(401)


@app.get("/api/$route")
def list_$route():
    claims = current_claims()
    rows = $model.query.filter_by(owner_id=int(claims["sub"])).limit($limit).all()
    return jsonify([r.to_dict() for r in rows])
"#,
        why_vulnerable: "The bearer token is decoded with signature verification turned off, so a client can forge any \
                         `sub` claim and read another user's $route.",
        why_fixed: "The token is verified with the server's key and a fixed HS256 algorithm; invalid tokens get 401.",
    },
    ModulePair {
        name: "jose-unverified-claims",
        framework: "fastapi",
        vulnerable: r#"import os

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jose import JWTError, jwt

from .repository import fetch_for_user

app = FastAPI()
bearer = HTTPBearer()
SECRET_KEY = os.environ["JWT_SECRET"]


def get_user_id(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> int:  #@
    try:
        claims = jwt.get_unverified_claims(creds.credentials)
    except JWTError:
        raise HTTPException(status_code=401, detail="invalid token")
    return int(claims["sub"])


@app.get("/$route")
async def my_$route(user_id: int = Depends(get_user_id)):
    return {"$route": await fetch_for_user("$table", user_id)}
"#,
        fixed: r#"import os

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jose import JWTError, jwt

from .repository import fetch_for_user

app = FastAPI()
bearer = HTTPBearer()
SECRET_KEY = os.environ["JWT_SECRET"]


def get_user_id(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> int:
    try:
        claims = jwt.decode(creds.credentials, SECRET_KEY, algorithms=["HS256"])  #@
    except JWTError:
        raise HTTPException(status_code=401, detail="invalid token")
    return int(claims["sub"])


@app.get("/$route")
async def my_$route(user_id: int = Depends(get_user_id)):
    return {"$route": await fetch_for_user("$table", user_id)}
"#,
        why_vulnerable: "`get_unverified_claims` reads the token without checking its signature, so any client can \
                         claim to be any user.",
        why_fixed: "`jwt.decode` with the secret and a pinned algorithm rejects tokens the server did not sign.",
    },
    ModulePair {
        name: "flask-plaintext-password",
        framework: "flask",
        vulnerable: r#"from flask import Flask, redirect, render_template, request, url_for
from flask_login import login_user

from .models import User

app = Flask(__name__)


@app.post("/login")
def login():  #@
    email = request.form.get("email", "").strip().lower()
    user = User.query.filter_by(email=email).first()
    if user is None or user.password != request.form.get("password", ""):
        return render_template("login.html", error="Invalid email or password"), 401
    login_user(user, remember=request.form.get("remember") == "on")
    return redirect(url_for("dashboard"))
"#,
        fixed: r#"from flask import Flask, redirect, render_template, request, url_for
from flask_login import login_user
from werkzeug.security import check_password_hash

from .models import User

app = Flask(__name__)


@app.post("/login")
def login():
    email = request.form.get("email", "").strip().lower()
    user = User.query.filter_by(email=email).first()
    if user is None or not check_password_hash(user.password_hash, request.form.get("password", "")):  #@
        return render_template("login.html", error="Invalid email or password"), 401
    login_user(user, remember=request.form.get("remember") == "on")
    return redirect(url_for("dashboard"))
"#,
        why_vulnerable: "The login compares the submitted password with a stored plaintext password using `!=`, \
                         instead of verifying it against a salted hash.",
        why_fixed: "The password is checked with `check_password_hash` against the stored salted hash.",
    },
    ModulePair {
        name: "api-key-missing-header",
        framework: "flask",
        vulnerable: r#"import functools
import hmac
import os

from flask import Flask, abort, jsonify, request

from .ingest import store_events

app = Flask(__name__)
API_KEY = os.environ["INGEST_API_KEY"]


def require_api_key(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):  #@
        supplied = request.headers.get("X-API-Key")
        if supplied and not hmac.compare_digest(supplied, API_KEY):
            abort(401)
        return view(*args, **kwargs)

    return wrapper


@app.post("/ingest/$route")
@require_api_key
def ingest_$route():
    count = store_events("$table", request.get_json(force=True))
    return jsonify({"stored": count}), 202
"#,
        fixed: r#"import functools
import hmac
import os

from flask import Flask, abort, jsonify, request

from .ingest import store_events

app = Flask(__name__)
API_KEY = os.environ["INGEST_API_KEY"]


def require_api_key(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        supplied = request.headers.get("X-API-Key")
        if not supplied or not hmac.compare_digest(supplied, API_KEY):  #@
            abort(401)
        return view(*args, **kwargs)

    return wrapper


@app.post("/ingest/$route")
@require_api_key
def ingest_$route():
    count = store_events("$table", request.get_json(force=True))
    return jsonify({"stored": count}), 202
"#,
        why_vulnerable: "The key check only runs when an `X-API-Key` header is present, so a request without the \
                         header is accepted.",
        why_fixed: "A missing key is now rejected too; only a request carrying the right key gets through.",
    },
    ModulePair {
        name: "flask-user-id-header",
        framework: "flask",
        vulnerable: r#"from flask import Flask, abort, jsonify, request

from .models import $model

app = Flask(__name__)


@app.get("/account/$route")
def account_$route():  #@
    user_id = request.headers.get("X-User-Id", type=int)
    if user_id is None:
        abort(401)
    rows = $model.query.filter_by(owner_id=user_id).order_by($model.id.desc()).limit($limit).all()
    return jsonify([r.to_dict() for r in rows])
"#,
        fixed: r#"from flask import Flask, abort, jsonify, session

from .models import $model

app = Flask(__name__)


@app.get("/account/$route")
def account_$route():
    user_id = session.get("user_id")  #@
    if user_id is None:
        abort(401)
    rows = $model.query.filter_by(owner_id=user_id).order_by($model.id.desc()).limit($limit).all()
    return jsonify([r.to_dict() for r in rows])
"#,
        why_vulnerable: "The caller's identity is taken from the `X-User-Id` request header, which any client can set \
                         to another user's id.",
        why_fixed: "The user id now comes from Flask's signed session, set at login.",
    },
    ModulePair {
        name: "django-login-without-password",
        framework: "django",
        vulnerable: r#"from django.contrib.auth import login
from django.contrib.auth.models import User
from django.http import JsonResponse
from django.views.decorators.http import require_POST


@require_POST
def api_login(request):  #@
    user = User.objects.filter(username=request.POST.get("username", "")).first()
    if user is None or not user.is_active:
        return JsonResponse({"error": "invalid credentials"}, status=401)
    login(request, user)
    return JsonResponse({"id": user.pk, "username": user.username})
"#,
        fixed: r#"from django.contrib.auth import authenticate, login
from django.contrib.auth.models import User
from django.http import JsonResponse
from django.views.decorators.http import require_POST


@require_POST
def api_login(request):
    user = authenticate(request, username=request.POST.get("username", ""), password=request.POST.get("password", ""))  #@
    if user is None or not user.is_active:
        return JsonResponse({"error": "invalid credentials"}, status=401)
    login(request, user)
    return JsonResponse({"id": user.pk, "username": user.username})
"#,
        why_vulnerable: "The view logs the caller in as whichever user name was posted without checking a password.",
        why_fixed: "`authenticate` verifies the posted password before `login` is called.",
    },
];

const MISSING_AUTHN: &[ModulePair] = &[
    ModulePair {
        name: "fastapi-purge",
        framework: "fastapi",
        vulnerable: r#"from fastapi import APIRouter

from .db import database

router = APIRouter(prefix="/admin")


@router.get("/health")
async def health():
    return {"ok": True}


@router.post("/$route/purge")
async def purge_$route():  #@
    deleted = await database.execute("DELETE FROM $table WHERE archived = true")
    return {"deleted": deleted}
"#,
        fixed: r#"from fastapi import APIRouter, Depends

from .auth import require_admin
from .db import database

router = APIRouter(prefix="/admin")


@router.get("/health")
async def health():
    return {"ok": True}


@router.post("/$route/purge", dependencies=[Depends(require_admin)])  #@
async def purge_$route():
    deleted = await database.execute("DELETE FROM $table WHERE archived = true")
    return {"deleted": deleted}
"#,
        why_vulnerable: "The route that permanently deletes archived $route has no authentication dependency, so \
                         anyone who can reach the API can call it.",
        why_fixed: "The route now depends on `require_admin`, so unauthenticated callers are refused.",
    },
    ModulePair {
        name: "flask-internal-password-reset",
        framework: "flask",
        vulnerable: r#"import hmac
import os

from flask import Flask, abort, jsonify, request
from werkzeug.security import generate_password_hash

from .models import User, db

app = Flask(__name__)
INTERNAL_TOKEN = os.environ["INTERNAL_TOKEN"]


@app.post("/internal/users/<int:user_id>/unlock")
def unlock_user(user_id: int):
    if not hmac.compare_digest(request.headers.get("X-Internal-Token", ""), INTERNAL_TOKEN):
        abort(401)
    user = db.get_or_404(User, user_id)
    user.failed_logins = 0
    db.session.commit()
    return jsonify({"id": user.id, "locked": False})


@app.post("/internal/users/<int:user_id>/password")
def set_password(user_id: int):  #@
    user = db.get_or_404(User, user_id)
    user.password_hash = generate_password_hash(request.get_json(force=True)["password"])
    db.session.commit()
    return jsonify({"id": user.id})
"#,
        fixed: r#"import hmac
import os

from flask import Flask, abort, jsonify, request
from werkzeug.security import generate_password_hash

from .models import User, db

app = Flask(__name__)
INTERNAL_TOKEN = os.environ["INTERNAL_TOKEN"]


@app.post("/internal/users/<int:user_id>/unlock")
def unlock_user(user_id: int):
    if not hmac.compare_digest(request.headers.get("X-Internal-Token", ""), INTERNAL_TOKEN):
        abort(401)
    user = db.get_or_404(User, user_id)
    user.failed_logins = 0
    db.session.commit()
    return jsonify({"id": user.id, "locked": False})


@app.post("/internal/users/<int:user_id>/password")
def set_password(user_id: int):
    if not hmac.compare_digest(request.headers.get("X-Internal-Token", ""), INTERNAL_TOKEN):  #@
        abort(401)
    user = db.get_or_404(User, user_id)
    user.password_hash = generate_password_hash(request.get_json(force=True)["password"])
    db.session.commit()
    return jsonify({"id": user.id})
"#,
        why_vulnerable: "The internal route that sets any user's password checks no credentials at all, unlike the \
                         unlock route next to it.",
        why_fixed: "The route now requires the internal service token, compared in constant time.",
    },
    ModulePair {
        name: "django-reset-data",
        framework: "django",
        vulnerable: r#"from django.core.management import call_command
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from .models import $model


@require_POST
def reset_$route(request):  #@
    with transaction.atomic():
        deleted, _ = $model.objects.all().delete()
        call_command("loaddata", "$route-defaults.json", verbosity=0)
    return JsonResponse({"deleted": deleted})
"#,
        fixed: r#"from django.contrib.admin.views.decorators import staff_member_required
from django.core.management import call_command
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from .models import $model


@staff_member_required  #@
@require_POST
def reset_$route(request):
    with transaction.atomic():
        deleted, _ = $model.objects.all().delete()
        call_command("loaddata", "$route-defaults.json", verbosity=0)
    return JsonResponse({"deleted": deleted})
"#,
        why_vulnerable: "The view that deletes every $entity and reloads defaults has no authentication decorator, so \
                         an anonymous POST wipes the data.",
        why_fixed: "`staff_member_required` sends anonymous and non-staff users to the login page instead.",
    },
    ModulePair {
        name: "aiohttp-shutdown",
        framework: "aiohttp",
        vulnerable: r#"import asyncio
import logging
import os
import signal

from aiohttp import web

$logger = logging.getLogger(__name__)
ADMIN_TOKEN = os.environ["ADMIN_TOKEN"]
routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request):
    return web.json_response({"status": "ok"})


@routes.post("/admin/shutdown")
async def shutdown(request):  #@
    $logger.warning("shutdown requested from %s", request.remote)
    asyncio.get_running_loop().call_later(1, os.kill, os.getpid(), signal.SIGTERM)
    return web.json_response({"status": "stopping"})
"#,
        fixed: r#"import asyncio
import hmac
import logging
import os
import signal

from aiohttp import web

$logger = logging.getLogger(__name__)
ADMIN_TOKEN = os.environ["ADMIN_TOKEN"]
routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request):
    return web.json_response({"status": "ok"})


@routes.post("/admin/shutdown")
async def shutdown(request):
    if not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {ADMIN_TOKEN}"):  #@
        raise web.HTTPUnauthorized()
    $logger.warning("shutdown requested from %s", request.remote)
    asyncio.get_running_loop().call_later(1, os.kill, os.getpid(), signal.SIGTERM)
    return web.json_response({"status": "stopping"})
"#,
        why_vulnerable: "Any client that reaches the service can stop it: the shutdown route checks no credentials.",
        why_fixed: "The route now requires the admin bearer token before it schedules the shutdown.",
    },
    ModulePair {
        name: "flask-export-customers",
        framework: "flask",
        vulnerable: r#"import csv
import io

from flask import Flask, Response
from flask_security import roles_required

from .models import $model

app = Flask(__name__)


@app.get("/admin/$route/summary")
@roles_required("admin")
def summary_$route():
    return {"count": $model.query.count()}


@app.get("/admin/$route/export.csv")
def export_$route():  #@
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "email", "phone", "address"])
    for row in $model.query.order_by($model.id).yield_per(500):
        writer.writerow([row.id, row.email, row.phone, row.address])
    return Response(buf.getvalue(), mimetype="text/csv")
"#,
        fixed: r#"import csv
import io

from flask import Flask, Response
from flask_security import roles_required

from .models import $model

app = Flask(__name__)


@app.get("/admin/$route/summary")
@roles_required("admin")
def summary_$route():
    return {"count": $model.query.count()}


@app.get("/admin/$route/export.csv")
@roles_required("admin")  #@
def export_$route():
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "email", "phone", "address"])
    for row in $model.query.order_by($model.id).yield_per(500):
        writer.writerow([row.id, row.email, row.phone, row.address])
    return Response(buf.getvalue(), mimetype="text/csv")
"#,
        why_vulnerable: "The CSV export of every $entity's contact details has no authentication decorator, unlike the \
                         summary route above it.",
        why_fixed: "`roles_required(\"admin\")` makes the export require a logged-in admin.",
    },
];

const PRIVILEGE_MGMT: &[ModulePair] = &[
    ModulePair {
        name: "django-register-is-staff",
        framework: "django",
        vulnerable: r#"from django.contrib.auth.models import User
from django.http import JsonResponse
from django.views.decorators.http import require_POST


@require_POST
def register(request):  #@
    user = User.objects.create_user(
        username=request.POST["username"],
        email=request.POST.get("email", ""),
        password=request.POST["password"],
        is_staff=request.POST.get("is_staff") == "on",
    )
    return JsonResponse({"id": user.pk}, status=201)
"#,
        fixed: r#"from django.contrib.auth.models import User
from django.http import JsonResponse
from django.views.decorators.http import require_POST


@require_POST
def register(request):
    user = User.objects.create_user(
        username=request.POST["username"],
        email=request.POST.get("email", ""),
        password=request.POST["password"],  #@
    )
    return JsonResponse({"id": user.pk}, status=201)
"#,
        why_vulnerable: "Self-service sign-up copies `is_staff` from the posted form, so anyone can register a staff \
                         account.",
        why_fixed: "The staff flag is no longer taken from the request; new accounts get Django's default (not staff).",
    },
    ModulePair {
        name: "fastapi-signup-role",
        framework: "fastapi",
        vulnerable: r#"from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from .db import get_session
from .models import User

app = FastAPI()


class SignupRequest(BaseModel):
    email: str
    password: str
    display_name: str
    role: str = "member"


@app.post("/signup", status_code=201)
async def signup(req: SignupRequest, session: AsyncSession = Depends(get_session)):  #@
    user = User(email=req.email.lower(), display_name=req.display_name, role=req.role)
    user.set_password(req.password)
    session.add(user)
    await session.commit()
    return {"id": user.id, "role": user.role}
"#,
        fixed: r#"from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from .db import get_session
from .models import User

app = FastAPI()


class SignupRequest(BaseModel):
    email: str
    password: str
    display_name: str


@app.post("/signup", status_code=201)
async def signup(req: SignupRequest, session: AsyncSession = Depends(get_session)):
    user = User(email=req.email.lower(), display_name=req.display_name, role="member")  #@
    user.set_password(req.password)
    session.add(user)
    await session.commit()
    return {"id": user.id, "role": user.role}
"#,
        why_vulnerable: "The sign-up model accepts a `role` field and the handler stores it, so a client can sign up \
                         as `admin`.",
        why_fixed: "`role` is no longer part of the request model and every new account is created as `member`.",
    },
    ModulePair {
        name: "drf-profile-all-fields",
        framework: "django",
        vulnerable: r#"from django.contrib.auth import get_user_model
from rest_framework import generics, permissions, serializers


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = "__all__"


class ProfileView(generics.RetrieveUpdateAPIView):  #@
    serializer_class = ProfileSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_object(self):
        return self.request.user
"#,
        fixed: r#"from django.contrib.auth import get_user_model
from rest_framework import generics, permissions, serializers


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username", "first_name", "last_name", "email"]  #@
        read_only_fields = ["id", "username"]


class ProfileView(generics.RetrieveUpdateAPIView):
    serializer_class = ProfileSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_object(self):
        return self.request.user
"#,
        why_vulnerable: "The self-service profile serializer exposes every user field, so a PATCH can set \
                         `is_staff`, `is_superuser` or `groups` on the caller's own account.",
        why_fixed: "The serializer lists the few fields a user may edit; privilege fields are not writable.",
    },
    ModulePair {
        name: "setuid-without-groups",
        framework: "socket",
        vulnerable: r#"import os
import pwd
import socket

from .protocol import handle_connection

LISTEN_PORT = 443
RUN_AS = os.environ.get("SERVICE_USER", "nobody")


def serve() -> None:  #@
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", LISTEN_PORT))
    sock.listen(128)
    account = pwd.getpwnam(RUN_AS)
    os.setuid(account.pw_uid)
    while True:
        conn, addr = sock.accept()
        handle_connection(conn, addr)
"#,
        fixed: r#"import os
import pwd
import socket

from .protocol import handle_connection

LISTEN_PORT = 443
RUN_AS = os.environ.get("SERVICE_USER", "nobody")


def serve() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", LISTEN_PORT))
    sock.listen(128)
    account = pwd.getpwnam(RUN_AS)
    os.setgroups([])  #@
    os.setgid(account.pw_gid)
    os.setuid(account.pw_uid)
    while True:
        conn, addr = sock.accept()
        handle_connection(conn, addr)
"#,
        why_vulnerable: "After binding the port as root the server changes only its user id, so it keeps root's \
                         group and supplementary groups while serving network clients.",
        why_fixed: "Supplementary groups are cleared and the group id dropped before the user id, so no root \
                    privilege is left.",
    },
    ModulePair {
        name: "worker-hook-as-root",
        framework: "worker",
        vulnerable: r#"import json
import os
import pwd
import subprocess


def handle_sync(message: bytes) -> int:  #@
    job = json.loads(message)
    account = pwd.getpwnam(job["account"])
    if account.pw_uid < 1000:
        raise ValueError("system accounts are not synced")
    hook = os.path.join(account.pw_dir, ".config", "mailsync", "post-sync")
    if os.path.isfile(hook) and os.access(hook, os.X_OK):
        proc = subprocess.run([hook], cwd=account.pw_dir, timeout=300, check=False)
        return proc.returncode
    return 0
"#,
        fixed: r#"import json
import os
import pwd
import subprocess


def handle_sync(message: bytes) -> int:
    job = json.loads(message)
    account = pwd.getpwnam(job["account"])
    if account.pw_uid < 1000:
        raise ValueError("system accounts are not synced")
    hook = os.path.join(account.pw_dir, ".config", "mailsync", "post-sync")
    if os.path.isfile(hook) and os.access(hook, os.X_OK):
        proc = subprocess.run(
            [hook],
            cwd=account.pw_dir,
            timeout=300,
            check=False,
            user=account.pw_uid,  #@
            group=account.pw_gid,
            extra_groups=[],
        )
        return proc.returncode
    return 0
"#,
        why_vulnerable: "The worker runs as root and executes a hook script from the user's own home directory without \
                         dropping privileges, so any user can run code as root.",
        why_fixed: "The hook now runs with the account's own user and group ids and no extra groups.",
    },
];
