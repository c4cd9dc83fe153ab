//! Access-control weaknesses (authentication, authorization, CSRF, privileges): they depend on application
//! context, so pycwe reports them as `Contextual`, with lower confidence, on the handler's `def` line.

use crate::cwe::{Applicability, CweEntry, CweId, api};

pub(super) const ENTRIES: &[CweEntry] = &[
    CweEntry {
        id: CweId(352),
        name: "Cross-Site Request Forgery (CSRF)",
        short_name: "Cross-site request forgery",
        summary: "A state-changing request authenticated by a cookie is accepted without proof that it came \
                  from the application's own pages, so another site can make a logged-in user's browser \
                  send it. In Python this is `@csrf_exempt` on a Django view, a Flask app without \
                  Flask-WTF's `CSRFProtect`, or a state change on a GET route. Whether a route is exposed \
                  depends on how it authenticates and on global middleware, so pycwe reports it with lower \
                  confidence on the handler's `def` line.",
        applicability: Applicability::Contextual,
        severity: 8.0,
        sources: &[
            api("flask", "flask.request.form"),
            api("flask", "flask.request.cookies"),
            api("django", "django.http.HttpRequest.POST"),
            api("fastapi", "fastapi.Form"),
        ],
        sinks: &[
            api("django", "django.views.decorators.csrf.csrf_exempt"),
            api("django", "django.middleware.csrf.CsrfViewMiddleware"),
            api("flask", "flask.Flask.route"),
            api("flask", "flask_wtf.csrf.CSRFProtect"),
            api("flask", "flask_wtf.csrf.CSRFProtect.exempt"),
            api("fastapi", "fastapi.APIRouter.post"),
            api("aiohttp", "aiohttp.web.RouteTableDef.post"),
        ],
        remediation: "Keep Django's `CsrfViewMiddleware` on and remove `@csrf_exempt` from views that use \
                      session cookies (send the token with `{% csrf_token %}` or the `X-CSRFToken` header). \
                      In Flask enable `CSRFProtect(app)` from Flask-WTF; in FastAPI with cookie sessions add \
                      a CSRF middleware or double-submit token. Never change state on GET, and set session \
                      cookies with `SameSite=Lax` or `Strict`. APIs authenticated only by an \
                      `Authorization` header are not exposed.",
        vulnerable_example: r#"from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Profile


@csrf_exempt
@login_required
@require_POST
def change_email(request):
    profile = Profile.objects.get(user=request.user)
    profile.email = request.POST["email"]
    profile.save()
    return HttpResponse(status=204)
"#,
        fixed_example: r#"from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from .models import Profile


@login_required
@require_POST
def change_email(request):
    profile = Profile.objects.get(user=request.user)
    profile.email = request.POST["email"]
    profile.save()
    return HttpResponse(status=204)
"#,
    },
    CweEntry {
        id: CweId(862),
        name: "Missing Authorization",
        short_name: "Missing authorization",
        summary: "A handler performs an action or returns data without checking that the current user is \
                  allowed to, often because it only checks that someone is logged in. In Python this is an \
                  admin route with `@login_required` but no role check, a Django view without \
                  `permission_required`, or a FastAPI route without an authorization dependency. Which \
                  routes need which permission is application context, so pycwe reports it with lower \
                  confidence on the handler's `def` line.",
        applicability: Applicability::Contextual,
        severity: 8.1,
        sources: &[
            api("flask", "flask.request.view_args"),
            api("django", "django.http.HttpRequest.POST"),
            api("fastapi", "fastapi.Path"),
        ],
        sinks: &[
            api("flask", "flask.Flask.route"),
            api("flask", "flask.Blueprint.route"),
            api("flask", "flask_login.login_required"),
            api("django", "django.views.View"),
            api("django", "django.contrib.auth.decorators.permission_required"),
            api("django", "django.contrib.auth.mixins.PermissionRequiredMixin"),
            api("djangorestframework", "rest_framework.permissions.IsAuthenticated"),
            api("fastapi", "fastapi.APIRouter.delete"),
            api("fastapi", "fastapi.Depends"),
        ],
        remediation: "Check permission on every handler that reads or changes protected data, on the \
                      server: `@permission_required(\"app.delete_user\")` or `PermissionRequiredMixin` in \
                      Django, `if not current_user.is_admin: abort(403)` (or a decorator) in Flask, a \
                      dependency such as `Depends(require_admin)` in FastAPI, DRF `permission_classes`. \
                      Prefer deny-by-default: protect a whole blueprint or router and open up only the \
                      public routes.",
        vulnerable_example: r#"from flask import Flask
from flask_login import login_required

from .models import User, db

app = Flask(__name__)


@app.post("/admin/users/<int:user_id>/delete")
@login_required
def delete_user(user_id: int):
    user = db.get_or_404(User, user_id)
    db.session.delete(user)
    db.session.commit()
    return "", 204
"#,
        fixed_example: r#"from flask import Flask, abort
from flask_login import current_user, login_required

from .models import User, db

app = Flask(__name__)


@app.post("/admin/users/<int:user_id>/delete")
@login_required
def delete_user(user_id: int):
    if not current_user.is_admin:
        abort(403)
    user = db.get_or_404(User, user_id)
    db.session.delete(user)
    db.session.commit()
    return "", 204
"#,
    },
    CweEntry {
        id: CweId(863),
        name: "Incorrect Authorization",
        short_name: "Incorrect authorization",
        summary: "A handler does check permissions, but the check is wrong: it tests a denylist of roles, \
                  combines conditions with `or` instead of `and`, trusts a role sent by the client, or \
                  checks a different object than the one it then changes. In Python it looks like \
                  `if user.role == \"viewer\": raise HTTPException(403)` in front of a write. Judging the \
                  check needs the application's permission model, so pycwe reports it with lower \
                  confidence on the handler's `def` line.",
        applicability: Applicability::Contextual,
        severity: 8.1,
        sources: &[
            api("flask", "flask.request.headers"),
            api("flask", "flask.request.json"),
            api("django", "django.http.HttpRequest.POST"),
            api("fastapi", "fastapi.Path"),
            api("fastapi", "fastapi.Header"),
        ],
        sinks: &[
            api("fastapi", "fastapi.APIRouter.put"),
            api("fastapi", "fastapi.HTTPException"),
            api("flask", "flask.Flask.route"),
            api("flask", "flask.abort"),
            api("django", "django.contrib.auth.models.User.has_perm"),
            api("django", "django.core.exceptions.PermissionDenied"),
            api("djangorestframework", "rest_framework.permissions.BasePermission.has_permission"),
        ],
        remediation: "Write checks as allowlists of what grants access \
                      (`if user.role not in {\"editor\", \"admin\"}: raise HTTPException(403)`), take the \
                      role from the server-side user record, never from a header or body, and check the \
                      object actually being changed (`has_object_permission`, or a query filtered by \
                      owner). Keep the rules in one place (a policy function or DRF permission class) and \
                      test each role against each action.",
        vulnerable_example: r#"from fastapi import APIRouter, Depends, HTTPException

from .auth import get_current_user
from .models import Document, User

router = APIRouter()


@router.put("/documents/{doc_id}")
async def update_document(doc_id: int, body: dict, user: User = Depends(get_current_user)):
    if user.role == "viewer":
        raise HTTPException(status_code=403)
    doc = await Document.get(doc_id)
    await doc.update(body)
    return doc
"#,
        fixed_example: r#"from fastapi import APIRouter, Depends, HTTPException

from .auth import get_current_user
from .models import Document, User

router = APIRouter()


@router.put("/documents/{doc_id}")
async def update_document(doc_id: int, body: dict, user: User = Depends(get_current_user)):
    if user.role not in {"editor", "admin"}:
        raise HTTPException(status_code=403)
    doc = await Document.get(doc_id)
    await doc.update(body)
    return doc
"#,
    },
    CweEntry {
        id: CweId(639),
        name: "Authorization Bypass Through User-Controlled Key",
        short_name: "Insecure direct object reference (IDOR)",
        summary: "A record is fetched by an id the client sends, and the handler never checks that it \
                  belongs to the current user, so changing the id in the URL shows or edits someone \
                  else's data. In Python this is `Invoice.objects.get(pk=pk)` or `session.get(Invoice, id)` \
                  in a logged-in view without an owner filter. Who owns what is application context, so \
                  pycwe reports it with lower confidence on the handler's `def` line.",
        applicability: Applicability::Contextual,
        severity: 6.5,
        sources: &[
            api("flask", "flask.request.view_args"),
            api("flask", "flask.request.args"),
            api("django", "django.http.HttpRequest.GET"),
            api("fastapi", "fastapi.Path"),
        ],
        sinks: &[
            api("django", "django.db.models.QuerySet.get"),
            api("django", "django.db.models.QuerySet.filter"),
            api("django", "django.shortcuts.get_object_or_404"),
            api("sqlalchemy", "sqlalchemy.orm.Session.get"),
            api("sqlalchemy", "sqlalchemy.orm.Query.get"),
            api("flask", "flask_sqlalchemy.SQLAlchemy.get_or_404"),
            api("djangorestframework", "rest_framework.generics.GenericAPIView.get_object"),
        ],
        remediation: "Scope every lookup to the current user: \
                      `Invoice.objects.get(pk=pk, owner=request.user)` (or `get_object_or_404` with the same \
                      filter), `select(Invoice).where(Invoice.id == id, Invoice.owner_id == user.id)` in \
                      SQLAlchemy, and in DRF override `get_queryset()` to filter by `request.user`. A \
                      missing or foreign record should give 404. Random ids (UUIDs) make guessing harder but \
                      do not replace the check.",
        vulnerable_example: r#"from django.contrib.auth.decorators import login_required
from django.http import JsonResponse

from .models import Invoice


@login_required
def invoice_detail(request, pk):
    invoice = Invoice.objects.get(pk=pk)
    return JsonResponse({"number": invoice.number, "total": str(invoice.total)})
"#,
        fixed_example: r#"from django.contrib.auth.decorators import login_required
from django.http import JsonResponse

from .models import Invoice


@login_required
def invoice_detail(request, pk):
    invoice = Invoice.objects.get(pk=pk, owner=request.user)
    return JsonResponse({"number": invoice.number, "total": str(invoice.total)})
"#,
    },
    CweEntry {
        id: CweId(284),
        name: "Improper Access Control",
        short_name: "Improper access control",
        summary: "Access to a resource is not restricted, or restricted the wrong way, to the actors who \
                  should have it. In Python it shows as DRF views opened with `AllowAny`, admin or debug \
                  endpoints published without a guard, or files made world-writable with \
                  `os.chmod(path, 0o777)`. Who should reach a resource is application context, so pycwe \
                  reports it with lower confidence on the handler's `def` line.",
        applicability: Applicability::Contextual,
        severity: 7.5,
        sources: &[
            api("django", "django.http.HttpRequest.POST"),
            api("djangorestframework", "rest_framework.request.Request.data"),
            api("flask", "flask.request.view_args"),
            api("fastapi", "fastapi.Path"),
        ],
        sinks: &[
            api("djangorestframework", "rest_framework.permissions.AllowAny"),
            api("djangorestframework", "rest_framework.decorators.permission_classes"),
            api("django", "django.contrib.admin.site.urls"),
            api("flask", "flask.Flask.route"),
            api("fastapi", "fastapi.APIRouter.post"),
            api("stdlib", "os.chmod"),
            api("stdlib", "os.umask"),
        ],
        remediation: "Deny by default and grant explicitly: set DRF's `DEFAULT_PERMISSION_CLASSES` to \
                      `IsAuthenticated` and use `IsAdminUser` or a custom permission on privileged views \
                      instead of `AllowAny`; put admin and internal blueprints or routers behind one \
                      authorization dependency. Create files with the narrowest mode \
                      (`os.open(path, flags, 0o600)`) and never `chmod 0o777`.",
        vulnerable_example: r#"from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from .models import Order


@api_view(["POST"])
@permission_classes([AllowAny])
def refund_order(request, pk):
    order = Order.objects.get(pk=pk)
    order.refund(amount=request.data["amount"])
    return Response({"status": "refunded"})
"#,
        fixed_example: r#"from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response

from .models import Order


@api_view(["POST"])
@permission_classes([IsAdminUser])
def refund_order(request, pk):
    order = Order.objects.get(pk=pk)
    order.refund(amount=request.data["amount"])
    return Response({"status": "refunded"})
"#,
    },
    CweEntry {
        id: CweId(287),
        name: "Improper Authentication",
        short_name: "Improper authentication",
        summary: "The code accepts a claim of identity without proving it: a JWT decoded with \
                  `options={\"verify_signature\": False}` or without pinning `algorithms`, a password \
                  compared in plaintext with `==`, or any non-empty token accepted. Whether a handler is \
                  meant to be authenticated, and how, is application context, so pycwe reports it with \
                  lower confidence on the handler's `def` line.",
        applicability: Applicability::Contextual,
        severity: 9.8,
        sources: &[
            api("flask", "flask.request.headers"),
            api("flask", "flask.request.cookies"),
            api("django", "django.http.HttpRequest.headers"),
            api("fastapi", "fastapi.Header"),
            api("fastapi", "fastapi.security.HTTPBearer"),
        ],
        sinks: &[
            api("jwt", "jwt.decode"),
            api("python-jose", "jose.jwt.decode"),
            api("authlib", "authlib.jose.JsonWebToken.decode"),
            api("flask", "flask_login.login_user"),
            api("django", "django.contrib.auth.login"),
            api("flask", "flask.Flask.route"),
        ],
        remediation: "Verify tokens with a key and a fixed algorithm list: \
                      `jwt.decode(token, key, algorithms=[\"HS256\"])`, catching `jwt.InvalidTokenError` \
                      as 401, and check `aud`/`iss` where they apply. Check passwords with a slow hash \
                      (`django.contrib.auth.authenticate`, `check_password_hash`, `bcrypt.checkpw`), \
                      compare secrets with `hmac.compare_digest`, and call `login_user`/`login` only after \
                      that check succeeded. Prefer a maintained auth library over hand-written checks.",
        vulnerable_example: r#"import jwt
from flask import Flask, request

app = Flask(__name__)


@app.route("/api/me")
def me():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    return {"user_id": claims["sub"]}
"#,
        fixed_example: r#"import jwt
from flask import Flask, abort, request

app = Flask(__name__)


@app.route("/api/me")
def me():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    try:
        claims = jwt.decode(token, app.config["JWT_SECRET"], algorithms=["HS256"])
    except jwt.InvalidTokenError:
        abort(401)
    return {"user_id": claims["sub"]}
"#,
    },
    CweEntry {
        id: CweId(306),
        name: "Missing Authentication for Critical Function",
        short_name: "Missing authentication",
        summary: "A function that changes critical state (resets data, creates users, changes settings, \
                  runs jobs) is reachable without logging in at all. In Python this is a Flask, Django or \
                  FastAPI route with no `login_required` decorator, authentication dependency or \
                  middleware in front of it. Which functions are critical, and whether a middleware \
                  already guards them, is application context, so pycwe reports it with lower confidence \
                  on the handler's `def` line.",
        applicability: Applicability::Contextual,
        severity: 9.8,
        sources: &[
            api("flask", "flask.request.form"),
            api("django", "django.http.HttpRequest.POST"),
            api("fastapi", "fastapi.Body"),
        ],
        sinks: &[
            api("fastapi", "fastapi.APIRouter.post"),
            api("fastapi", "fastapi.APIRouter.delete"),
            api("fastapi", "fastapi.Depends"),
            api("flask", "flask.Flask.route"),
            api("flask", "flask_login.login_required"),
            api("django", "django.urls.path"),
            api("django", "django.contrib.auth.decorators.login_required"),
        ],
        remediation: "Require authentication on every critical handler, preferably by default: \
                      `@login_required` (Flask-Login, Django), `LoginRequiredMixin`, Django 5.1's \
                      `LoginRequiredMiddleware`, or `dependencies=[Depends(require_admin)]` on a FastAPI \
                      route or router. Keep maintenance actions off the public app (a management command or \
                      an internal-only service) and test that each critical route returns 401 or 403 \
                      without credentials.",
        vulnerable_example: r#"from fastapi import APIRouter

from .db import database

router = APIRouter()


@router.post("/admin/reset-database")
async def reset_database():
    await database.execute("TRUNCATE orders, payments")
    return {"status": "ok"}
"#,
        fixed_example: r#"from fastapi import APIRouter, Depends

from .auth import require_admin
from .db import database

router = APIRouter()


@router.post("/admin/reset-database", dependencies=[Depends(require_admin)])
async def reset_database():
    await database.execute("TRUNCATE orders, payments")
    return {"status": "ok"}
"#,
    },
    CweEntry {
        id: CweId(269),
        name: "Improper Privilege Management",
        short_name: "Improper privilege management",
        summary: "Privileges are granted, kept or dropped incorrectly, so a user or process ends up with more \
                  rights than intended. In Python this is a role or `is_staff` flag taken from request data \
                  at sign-up or profile update (mass assignment), a process that keeps running as root, or \
                  `os.setuid` called before `os.setgid` or without checking the result. Which roles a user \
                  may have is application context, so pycwe reports it with lower confidence on the \
                  handler's `def` line.",
        applicability: Applicability::Contextual,
        severity: 8.8,
        sources: &[
            api("flask", "flask.request.form"),
            api("flask", "flask.request.json"),
            api("django", "django.http.HttpRequest.POST"),
            api("fastapi", "fastapi.Body"),
        ],
        sinks: &[
            api("django", "django.contrib.auth.models.UserManager.create_user"),
            api("django", "django.db.models.Model.save"),
            api("djangorestframework", "rest_framework.serializers.ModelSerializer"),
            api("sqlalchemy", "sqlalchemy.orm.Session.add"),
            api("stdlib", "os.setuid"),
            api("stdlib", "os.setgid"),
            api("stdlib", "os.seteuid"),
        ],
        remediation: "Assign roles and flags on the server only: create users with explicit fields, list \
                      writable fields in forms and serializers (`fields = [\"username\", \"email\"]`, \
                      `read_only_fields = [\"is_staff\", \"role\"]`), and keep `role` out of pydantic input \
                      models. Change privileges only in a dedicated admin flow that checks the caller. For \
                      processes, drop root right after binding (`os.setgroups([])`, `os.setgid`, then \
                      `os.setuid`) or run as an unprivileged user from the start (`USER app` in the \
                      container image).",
        vulnerable_example: r#"from django.contrib.auth.models import User
from django.http import JsonResponse
from django.views.decorators.http import require_POST


@require_POST
def register(request):
    user = User.objects.create_user(
        username=request.POST["username"],
        password=request.POST["password"],
        is_staff=request.POST.get("is_staff") == "on",
    )
    return JsonResponse({"id": user.pk})
"#,
        fixed_example: r#"from django.contrib.auth.models import User
from django.http import JsonResponse
from django.views.decorators.http import require_POST


@require_POST
def register(request):
    user = User.objects.create_user(
        username=request.POST["username"],
        password=request.POST["password"],
    )
    return JsonResponse({"id": user.pk})
"#,
    },
];
