//! CWE-862 missing authorization, CWE-863 incorrect authorization, CWE-639 user-controlled keys (IDOR)
//! and CWE-284 improper access control: handlers and modules whose permission checks are absent,
//! wrong, unscoped or opened up, across Flask, Django, DRF, FastAPI, aiohttp and plain processes.

use crate::cwe::CweId;
use crate::dataset::recipe::{ModulePair, Recipe};

pub const RECIPES: &[Recipe] = &[
    Recipe::Module { name: "missing-authz", version: 1, cwe: CweId(862), pairs: MISSING_AUTHZ },
    Recipe::Module { name: "incorrect-authz", version: 1, cwe: CweId(863), pairs: INCORRECT_AUTHZ },
    Recipe::Module { name: "idor", version: 1, cwe: CweId(639), pairs: IDOR },
    Recipe::Module { name: "access-control", version: 1, cwe: CweId(284), pairs: ACCESS_CONTROL },
];

const MISSING_AUTHZ: &[ModulePair] = &[
    ModulePair {
        name: "flask-admin-blueprint",
        framework: "flask",
        vulnerable: r#"from flask import Blueprint, abort, jsonify
from flask_login import current_user, login_required

from .models import $model, db

bp = Blueprint("admin_$route", __name__, url_prefix="/admin/$route")


@bp.get("/")
@login_required
def list_$route():
    if not current_user.is_admin:
        abort(403)
    rows = db.session.execute(db.select($model).order_by($model.id.desc()).limit($limit)).scalars()
    return jsonify([{"id": r.id, "status": r.status} for r in rows])


@bp.post("/<int:item_id>/delete")
@login_required
def delete_$entity(item_id: int):  #@
    obj = db.get_or_404($model, item_id)
    db.session.delete(obj)
    db.session.commit()
    return jsonify({"deleted": item_id})
"#,
        fixed: r#"from flask import Blueprint, abort, jsonify
from flask_login import current_user, login_required

from .models import $model, db

bp = Blueprint("admin_$route", __name__, url_prefix="/admin/$route")


@bp.get("/")
@login_required
def list_$route():
    if not current_user.is_admin:
        abort(403)
    rows = db.session.execute(db.select($model).order_by($model.id.desc()).limit($limit)).scalars()
    return jsonify([{"id": r.id, "status": r.status} for r in rows])


@bp.post("/<int:item_id>/delete")
@login_required
def delete_$entity(item_id: int):
    if not current_user.is_admin:  #@
        abort(403)
    obj = db.get_or_404($model, item_id)
    db.session.delete(obj)
    db.session.commit()
    return jsonify({"deleted": item_id})
"#,
        why_vulnerable: "The admin delete route only requires a login, so any signed-in user can delete any $entity; \
                         unlike the list route it never checks `current_user.is_admin`.",
        why_fixed: "The delete route now rejects users who are not admins with 403, like the rest of the blueprint.",
    },
    ModulePair {
        name: "django-export-all",
        framework: "django",
        vulnerable: r#"import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from .models import $model


@login_required
def my_$route(request):
    qs = $model.objects.filter(owner=request.user).order_by("-id")[:$limit]
    return HttpResponse("\n".join(str(obj.pk) for obj in qs), content_type="text/plain")


@require_GET
@login_required
def export_all_$route(request):  #@
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="$route.csv"'
    writer = csv.writer(response)
    writer.writerow(["id", "owner", "status", "created"])
    for obj in $model.objects.select_related("owner").iterator():
        writer.writerow([obj.pk, obj.owner.email, obj.status, obj.created_at.isoformat()])
    return response
"#,
        fixed: r#"import csv

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from .models import $model


@login_required
def my_$route(request):
    qs = $model.objects.filter(owner=request.user).order_by("-id")[:$limit]
    return HttpResponse("\n".join(str(obj.pk) for obj in qs), content_type="text/plain")


@require_GET
@login_required
@permission_required("app.view_$entity", raise_exception=True)  #@
def export_all_$route(request):
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="$route.csv"'
    writer = csv.writer(response)
    writer.writerow(["id", "owner", "status", "created"])
    for obj in $model.objects.select_related("owner").iterator():
        writer.writerow([obj.pk, obj.owner.email, obj.status, obj.created_at.isoformat()])
    return response
"#,
        why_vulnerable: "The export of every user's $route (with owner emails) only requires a login, so any \
                         account can download all of them.",
        why_fixed: "The export now requires the `view_$entity` model permission and answers 403 without it.",
    },
    ModulePair {
        name: "django-cbv-archive",
        framework: "django",
        vulnerable: r#"from datetime import timedelta

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from .models import $model


class $modelListView(LoginRequiredMixin, ListView):
    paginate_by = 25

    def get_queryset(self):
        return $model.objects.filter(owner=self.request.user, archived=False)


class $modelArchiveView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):  #@
        cutoff = timezone.now() - timedelta(days=90)
        count = $model.objects.filter(updated_at__lt=cutoff, archived=False).update(archived=True)
        return JsonResponse({"archived": count})
"#,
        fixed: r#"from datetime import timedelta

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import JsonResponse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from .models import $model


class $modelListView(LoginRequiredMixin, ListView):
    paginate_by = 25

    def get_queryset(self):
        return $model.objects.filter(owner=self.request.user, archived=False)


class $modelArchiveView(LoginRequiredMixin, PermissionRequiredMixin, View):  #@
    permission_required = "app.change_$entity"
    http_method_names = ["post"]

    def post(self, request):
        cutoff = timezone.now() - timedelta(days=90)
        count = $model.objects.filter(updated_at__lt=cutoff, archived=False).update(archived=True)
        return JsonResponse({"archived": count})
"#,
        why_vulnerable: "The bulk archive of every user's old $route is guarded by `LoginRequiredMixin` only, so any \
                         signed-in user can run it.",
        why_fixed: "`PermissionRequiredMixin` with `change_$entity` makes the view refuse users without that \
                    permission.",
    },
    ModulePair {
        name: "fastapi-approve",
        framework: "fastapi",
        vulnerable: r#"from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import func, select

from .auth import get_current_user
from .db import get_session
from .models import $model, User

router = APIRouter(prefix="/$route", tags=["$route"])


def require_admin(user: User = Depends(get_current_user)) -> User:
    if not user.is_admin:
        raise HTTPException(status_code=403, detail="Admins only")
    return user


@router.get("/pending/count", dependencies=[Depends(require_admin)])
def count_pending(session=Depends(get_session)):
    total = session.scalar(select(func.count()).select_from($model).where($model.status == "pending"))
    return {"pending": total}


@router.post("/{item_id}/approve")
def approve_$entity(item_id: int, user: User = Depends(get_current_user), session=Depends(get_session)):  #@
    obj = session.get($model, item_id)
    if obj is None:
        raise HTTPException(status_code=404)
    obj.status = "approved"
    obj.approved_by = user.id
    session.commit()
    return {"id": obj.id, "status": obj.status}
"#,
        fixed: r#"from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import func, select

from .auth import get_current_user
from .db import get_session
from .models import $model, User

router = APIRouter(prefix="/$route", tags=["$route"])


def require_admin(user: User = Depends(get_current_user)) -> User:
    if not user.is_admin:
        raise HTTPException(status_code=403, detail="Admins only")
    return user


@router.get("/pending/count", dependencies=[Depends(require_admin)])
def count_pending(session=Depends(get_session)):
    total = session.scalar(select(func.count()).select_from($model).where($model.status == "pending"))
    return {"pending": total}


@router.post("/{item_id}/approve")
def approve_$entity(item_id: int, user: User = Depends(require_admin), session=Depends(get_session)):  #@
    obj = session.get($model, item_id)
    if obj is None:
        raise HTTPException(status_code=404)
    obj.status = "approved"
    obj.approved_by = user.id
    session.commit()
    return {"id": obj.id, "status": obj.status}
"#,
        why_vulnerable: "The approve route depends only on `get_current_user`, so any authenticated user can approve \
                         a $entity; the module's `require_admin` dependency is not used there.",
        why_fixed: "The route now depends on `require_admin`, which answers 403 to users who are not admins.",
    },
    ModulePair {
        name: "aiohttp-bulk-close",
        framework: "aiohttp",
        vulnerable: r#"from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/$route")
async def list_$route(request):
    user = request["user"]
    rows = await request.app["db"].fetch("SELECT id, status FROM $table WHERE owner_id = $1 LIMIT $limit", user.id)
    return web.json_response([dict(r) for r in rows])


@routes.post("/$route/close-stale")
async def close_stale_$route(request):  #@
    user = request.get("user")
    if user is None:
        raise web.HTTPUnauthorized()
    status = await request.app["db"].execute(
        "UPDATE $table SET status = 'closed' WHERE created_at < now() - interval '90 days'"
    )
    return web.json_response({"status": status})
"#,
        fixed: r#"from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/$route")
async def list_$route(request):
    user = request["user"]
    rows = await request.app["db"].fetch("SELECT id, status FROM $table WHERE owner_id = $1 LIMIT $limit", user.id)
    return web.json_response([dict(r) for r in rows])


@routes.post("/$route/close-stale")
async def close_stale_$route(request):
    user = request.get("user")
    if user is None:
        raise web.HTTPUnauthorized()
    if not user.is_admin:  #@
        raise web.HTTPForbidden()
    status = await request.app["db"].execute(
        "UPDATE $table SET status = 'closed' WHERE created_at < now() - interval '90 days'"
    )
    return web.json_response({"status": status})
"#,
        why_vulnerable: "The handler that closes every user's stale $route checks only that a user is logged in, not \
                         that the user may run this maintenance action.",
        why_fixed: "Non-admin users now get 403 before the bulk update runs.",
    },
];

const INCORRECT_AUTHZ: &[ModulePair] = &[
    ModulePair {
        name: "flask-role-header",
        framework: "flask",
        vulnerable: r#"from flask import Flask, abort, jsonify, request
from flask_login import login_required

from .models import $model, db

app = Flask(__name__)


@app.post("/$route/<int:item_id>/approve")
@login_required
def approve_$entity(item_id: int):  #@
    if request.headers.get("X-Role", "") != "manager":
        abort(403)
    obj = db.get_or_404($model, item_id)
    obj.status = "approved"
    db.session.commit()
    return jsonify({"id": obj.id, "status": obj.status})
"#,
        fixed: r#"from flask import Flask, abort, jsonify
from flask_login import current_user, login_required

from .models import $model, db

app = Flask(__name__)


@app.post("/$route/<int:item_id>/approve")
@login_required
def approve_$entity(item_id: int):
    if current_user.role != "manager":  #@
        abort(403)
    obj = db.get_or_404($model, item_id)
    obj.status = "approved"
    db.session.commit()
    return jsonify({"id": obj.id, "status": obj.status})
"#,
        why_vulnerable: "The manager check reads the role from the `X-Role` request header, which the client sets to \
                         whatever it likes.",
        why_fixed: "The role now comes from the logged-in user's server-side record (`current_user.role`).",
    },
    ModulePair {
        name: "fastapi-role-denylist",
        framework: "fastapi",
        vulnerable: r#"from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import get_current_user
from .db import get_session
from .models import $model, User

router = APIRouter(prefix="/$route")


class $modelUpdate(BaseModel):
    status: str | None = None
    notes: str | None = None


@router.put("/{item_id}")
async def update_$entity(item_id: int, changes: $modelUpdate, user: User = Depends(get_current_user), session: AsyncSession = Depends(get_session)):  #@
    if user.role == "viewer":
        raise HTTPException(status_code=403, detail="Read-only account")
    obj = await session.get($model, item_id)
    if obj is None:
        raise HTTPException(status_code=404)
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(obj, field, value)
    await session.commit()
    return {"id": obj.id, "status": obj.status}
"#,
        fixed: r#"from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import get_current_user
from .db import get_session
from .models import $model, User

router = APIRouter(prefix="/$route")


class $modelUpdate(BaseModel):
    status: str | None = None
    notes: str | None = None


@router.put("/{item_id}")
async def update_$entity(item_id: int, changes: $modelUpdate, user: User = Depends(get_current_user), session: AsyncSession = Depends(get_session)):
    if user.role not in {"editor", "admin"}:  #@
        raise HTTPException(status_code=403, detail="Read-only account")
    obj = await session.get($model, item_id)
    if obj is None:
        raise HTTPException(status_code=404)
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(obj, field, value)
    await session.commit()
    return {"id": obj.id, "status": obj.status}
"#,
        why_vulnerable: "The write is guarded by a denylist that only rejects the `viewer` role, so every other role \
                         (guests, auditors, roles added later) can edit a $entity.",
        why_fixed: "The check is an allowlist: only `editor` and `admin` may write.",
    },
    ModulePair {
        name: "django-authenticated-not-permission",
        framework: "django",
        vulnerable: r#"from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from .models import $model


@require_POST
def approve_$entity(request, pk):  #@
    if not request.user.is_authenticated:
        raise PermissionDenied
    obj = get_object_or_404($model, pk=pk, status="pending")
    obj.status = "approved"
    obj.approved_by = request.user
    obj.save(update_fields=["status", "approved_by"])
    return JsonResponse({"id": obj.pk, "status": obj.status})
"#,
        fixed: r#"from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from .models import $model


@require_POST
def approve_$entity(request, pk):
    if not request.user.has_perm("billing.approve_$entity"):  #@
        raise PermissionDenied
    obj = get_object_or_404($model, pk=pk, status="pending")
    obj.status = "approved"
    obj.approved_by = request.user
    obj.save(update_fields=["status", "approved_by"])
    return JsonResponse({"id": obj.pk, "status": obj.status})
"#,
        why_vulnerable: "Approving a $entity is gated on `is_authenticated`, which every logged-in account passes, \
                         instead of on the approval permission.",
        why_fixed: "The view now checks `has_perm(\"billing.approve_$entity\")`, which anonymous users and accounts \
                    without the permission fail.",
    },
    ModulePair {
        name: "flask-and-or-check",
        framework: "flask",
        vulnerable: r#"from flask import Flask, abort, jsonify, request
from flask_login import current_user, login_required

from .models import $model, db

app = Flask(__name__)


@app.get("/$route/<int:item_id>")
@login_required
def show_$entity(item_id: int):
    obj = db.first_or_404(db.select($model).filter_by(id=item_id, owner_id=current_user.id))
    return jsonify(obj.to_dict())


@app.put("/$route/<int:item_id>")
@login_required
def update_$entity(item_id: int):  #@
    obj = db.get_or_404($model, item_id)
    if obj.owner_id != current_user.id and obj.locked:
        abort(403)
    changes = request.get_json(force=True)
    obj.title = changes.get("title", obj.title)
    obj.notes = changes.get("notes", obj.notes)
    db.session.commit()
    return jsonify(obj.to_dict())
"#,
        fixed: r#"from flask import Flask, abort, jsonify, request
from flask_login import current_user, login_required

from .models import $model, db

app = Flask(__name__)


@app.get("/$route/<int:item_id>")
@login_required
def show_$entity(item_id: int):
    obj = db.first_or_404(db.select($model).filter_by(id=item_id, owner_id=current_user.id))
    return jsonify(obj.to_dict())


@app.put("/$route/<int:item_id>")
@login_required
def update_$entity(item_id: int):
    obj = db.get_or_404($model, item_id)
    if obj.owner_id != current_user.id or obj.locked:  #@
        abort(403)
    changes = request.get_json(force=True)
    obj.title = changes.get("title", obj.title)
    obj.notes = changes.get("notes", obj.notes)
    db.session.commit()
    return jsonify(obj.to_dict())
"#,
        why_vulnerable: "The condition uses `and`, so it only refuses a non-owner when the $entity is locked: anyone \
                         can edit another user's unlocked $entity.",
        why_fixed: "With `or`, the update is refused whenever the caller is not the owner or the $entity is locked.",
    },
    ModulePair {
        name: "drf-object-permission",
        framework: "django",
        vulnerable: r#"from rest_framework import permissions, viewsets

from .models import $model
from .serializers import $modelSerializer


class IsProjectMember(permissions.BasePermission):
    message = "Only members of the project can change this $entity."

    def has_object_permission(self, request, view, obj):  #@
        return request.user.is_authenticated


class $modelViewSet(viewsets.ModelViewSet):
    queryset = $model.objects.select_related("project")
    serializer_class = $modelSerializer
    permission_classes = [permissions.IsAuthenticated, IsProjectMember]
"#,
        fixed: r#"from rest_framework import permissions, viewsets

from .models import $model
from .serializers import $modelSerializer


class IsProjectMember(permissions.BasePermission):
    message = "Only members of the project can change this $entity."

    def has_object_permission(self, request, view, obj):
        return obj.project.members.filter(pk=request.user.pk).exists()  #@


class $modelViewSet(viewsets.ModelViewSet):
    queryset = $model.objects.select_related("project")
    serializer_class = $modelSerializer
    permission_classes = [permissions.IsAuthenticated, IsProjectMember]
"#,
        why_vulnerable: "The object permission named for project membership only checks that the user is logged \
                         in, so any user can read, change or delete any project's $entity.",
        why_fixed: "The permission now checks that the user is a member of the $entity's project.",
    },
    ModulePair {
        name: "django-role-from-post",
        framework: "django",
        vulnerable: r#"from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from .models import $model


@login_required
@require_POST
def set_discount(request, pk):  #@
    if request.POST.get("role") != "manager":
        return HttpResponseForbidden()
    obj = get_object_or_404($model, pk=pk)
    obj.discount = Decimal(request.POST["discount"])
    obj.save(update_fields=["discount"])
    return JsonResponse({"id": obj.pk, "discount": str(obj.discount)})
"#,
        fixed: r#"from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from .models import $model


@login_required
@require_POST
def set_discount(request, pk):
    if not request.user.groups.filter(name="managers").exists():  #@
        return HttpResponseForbidden()
    obj = get_object_or_404($model, pk=pk)
    obj.discount = Decimal(request.POST["discount"])
    obj.save(update_fields=["discount"])
    return JsonResponse({"id": obj.pk, "discount": str(obj.discount)})
"#,
        why_vulnerable: "Whether the caller is a manager is read from the `role` form field, which the caller \
                         controls.",
        why_fixed: "Membership of the `managers` group is checked on the server-side user instead.",
    },
];

const IDOR: &[ModulePair] = &[
    ModulePair {
        name: "django-get-pk",
        framework: "django",
        vulnerable: r#"from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse

from .models import $model


@login_required
def list_$route(request):
    qs = $model.objects.filter(owner=request.user).order_by("-created_at")[:$limit]
    return JsonResponse({"$route": [{"id": obj.pk, "status": obj.status} for obj in qs]})


@login_required
def show_$entity(request, pk):  #@
    try:
        obj = $model.objects.get(pk=pk)
    except $model.DoesNotExist:
        raise Http404("No such $entity")
    return JsonResponse({"id": obj.pk, "status": obj.status, "total": str(obj.total), "notes": obj.notes})
"#,
        fixed: r#"from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse

from .models import $model


@login_required
def list_$route(request):
    qs = $model.objects.filter(owner=request.user).order_by("-created_at")[:$limit]
    return JsonResponse({"$route": [{"id": obj.pk, "status": obj.status} for obj in qs]})


@login_required
def show_$entity(request, pk):
    try:
        obj = $model.objects.get(pk=pk, owner=request.user)  #@
    except $model.DoesNotExist:
        raise Http404("No such $entity")
    return JsonResponse({"id": obj.pk, "status": obj.status, "total": str(obj.total), "notes": obj.notes})
"#,
        why_vulnerable: "The detail view loads the $entity by the primary key from the URL without an owner filter, so \
                         changing the id shows another user's $entity.",
        why_fixed: "The lookup is scoped to `owner=request.user`; someone else's $entity gives 404.",
    },
    ModulePair {
        name: "flask-session-get",
        framework: "flask",
        vulnerable: r#"from flask import Flask, abort, jsonify
from flask_login import current_user, login_required

from .models import $model, db

app = Flask(__name__)


@app.get("/api/$route/<int:item_id>")
@login_required
def get_$entity(item_id: int):  #@
    obj = db.session.get($model, item_id)
    if obj is None:
        abort(404)
    return jsonify(id=obj.id, status=obj.status, created=obj.created_at.isoformat())


@app.get("/api/$route")
@login_required
def list_$route():
    rows = db.session.scalars(db.select($model).filter_by(owner_id=current_user.id).limit($limit))
    return jsonify([{"id": r.id, "status": r.status} for r in rows])
"#,
        fixed: r#"from flask import Flask, abort, jsonify
from flask_login import current_user, login_required

from .models import $model, db

app = Flask(__name__)


@app.get("/api/$route/<int:item_id>")
@login_required
def get_$entity(item_id: int):
    obj = db.session.get($model, item_id)
    if obj is None or obj.owner_id != current_user.id:  #@
        abort(404)
    return jsonify(id=obj.id, status=obj.status, created=obj.created_at.isoformat())


@app.get("/api/$route")
@login_required
def list_$route():
    rows = db.session.scalars(db.select($model).filter_by(owner_id=current_user.id).limit($limit))
    return jsonify([{"id": r.id, "status": r.status} for r in rows])
"#,
        why_vulnerable: "`session.get` returns whichever $entity has the id in the URL and the handler never checks \
                         that it belongs to `current_user`.",
        why_fixed: "A $entity owned by someone else is treated as missing (404).",
    },
    ModulePair {
        name: "fastapi-async-delete",
        framework: "fastapi",
        vulnerable: r#"from fastapi import APIRouter, Depends, HTTPException, Response
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import get_current_user
from .db import get_session
from .models import $model, User

router = APIRouter(prefix="/$route")


@router.delete("/{item_id}", status_code=204)
async def delete_$entity(item_id: int, user: User = Depends(get_current_user), session: AsyncSession = Depends(get_session)):  #@
    obj = await session.get($model, item_id)
    if obj is None:
        raise HTTPException(status_code=404)
    await session.delete(obj)
    await session.commit()
    return Response(status_code=204)
"#,
        fixed: r#"from fastapi import APIRouter, Depends, HTTPException, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import get_current_user
from .db import get_session
from .models import $model, User

router = APIRouter(prefix="/$route")


@router.delete("/{item_id}", status_code=204)
async def delete_$entity(item_id: int, user: User = Depends(get_current_user), session: AsyncSession = Depends(get_session)):
    stmt = select($model).where($model.id == item_id, $model.owner_id == user.id)  #@
    obj = (await session.execute(stmt)).scalar_one_or_none()
    if obj is None:
        raise HTTPException(status_code=404)
    await session.delete(obj)
    await session.commit()
    return Response(status_code=204)
"#,
        why_vulnerable: "The $entity to delete is looked up by the id in the path alone, so any authenticated user can \
                         delete other users' $route.",
        why_fixed: "The query also requires `owner_id == user.id`, so only the caller's own $entity can be deleted.",
    },
    ModulePair {
        name: "drf-queryset-all",
        framework: "django",
        vulnerable: r#"from rest_framework import permissions, viewsets

from .models import $model
from .serializers import $modelSerializer


class $modelViewSet(viewsets.ModelViewSet):  #@
    serializer_class = $modelSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = $model.objects.all()

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)
"#,
        fixed: r#"from rest_framework import permissions, viewsets

from .models import $model
from .serializers import $modelSerializer


class $modelViewSet(viewsets.ModelViewSet):
    serializer_class = $modelSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):  #@
        return $model.objects.filter(owner=self.request.user)

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)
"#,
        why_vulnerable: "The viewset serves `$model.objects.all()`, so retrieve, update and delete by id reach every \
                         user's $route, not just the caller's.",
        why_fixed: "`get_queryset` limits every action to the $route the requesting user owns.",
    },
    ModulePair {
        name: "aiohttp-asyncpg-update",
        framework: "aiohttp",
        vulnerable: r#"import logging

from aiohttp import web

$logger = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.post("/$route/{item_id}/cancel")
async def cancel_$entity(request):  #@
    user_id = request["user_id"]
    item_id = int(request.match_info["item_id"])
    row = await request.app["db"].fetchrow(
        "UPDATE $table SET status = 'cancelled' WHERE id = $1 RETURNING id, status",
        item_id,
    )
    if row is None:
        raise web.HTTPNotFound()
    $logger.info("user %s cancelled $entity %s", user_id, item_id)
    return web.json_response(dict(row))
"#,
        fixed: r#"import logging

from aiohttp import web

$logger = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.post("/$route/{item_id}/cancel")
async def cancel_$entity(request):
    user_id = request["user_id"]
    item_id = int(request.match_info["item_id"])
    row = await request.app["db"].fetchrow(
        "UPDATE $table SET status = 'cancelled' WHERE id = $1 AND owner_id = $2 RETURNING id, status",  #@
        item_id,
        user_id,
    )
    if row is None:
        raise web.HTTPNotFound()
    $logger.info("user %s cancelled $entity %s", user_id, item_id)
    return web.json_response(dict(row))
"#,
        why_vulnerable: "The UPDATE matches on the id from the URL only, so a logged-in user can cancel any other \
                         user's $entity.",
        why_fixed: "The UPDATE also matches `owner_id` against the authenticated user, so foreign ids change nothing \
                    and give 404.",
    },
];

const ACCESS_CONTROL: &[ModulePair] = &[
    ModulePair {
        name: "drf-allowany-action",
        framework: "django",
        vulnerable: r#"from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from .models import $model


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def list_$route(request):
    qs = $model.objects.filter(assignee=request.user).values("id", "status")[:$limit]
    return Response(list(qs))


@api_view(["POST"])
@permission_classes([AllowAny])
def reassign_$entity(request, pk):  #@
    obj = $model.objects.get(pk=pk)
    obj.assignee_id = int(request.data["assignee_id"])
    obj.save(update_fields=["assignee"])
    return Response({"id": obj.pk, "assignee": obj.assignee_id})
"#,
        fixed: r#"from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response

from .models import $model


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def list_$route(request):
    qs = $model.objects.filter(assignee=request.user).values("id", "status")[:$limit]
    return Response(list(qs))


@api_view(["POST"])
@permission_classes([IsAdminUser])  #@
def reassign_$entity(request, pk):
    obj = $model.objects.get(pk=pk)
    obj.assignee_id = int(request.data["assignee_id"])
    obj.save(update_fields=["assignee"])
    return Response({"id": obj.pk, "assignee": obj.assignee_id})
"#,
        why_vulnerable: "The reassignment endpoint is opened to everyone with `AllowAny`, so anonymous clients can \
                         reassign any $entity.",
        why_fixed: "`IsAdminUser` restricts the endpoint to staff accounts.",
    },
    ModulePair {
        name: "flask-admin-modelview",
        framework: "flask",
        vulnerable: r#"from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView

from .models import $model, User, db

app = Flask(__name__)
admin = Admin(app, name="Back office")


class StaffModelView(ModelView):  #@
    column_exclude_list = ["password_hash"]
    can_export = True
    page_size = 50


admin.add_view(StaffModelView(User, db.session))
admin.add_view(StaffModelView($model, db.session))
"#,
        fixed: r#"from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user

from .models import $model, User, db

app = Flask(__name__)
admin = Admin(app, name="Back office")


class StaffModelView(ModelView):
    column_exclude_list = ["password_hash"]
    can_export = True
    page_size = 50

    def is_accessible(self):  #@
        return current_user.is_authenticated and current_user.is_admin


admin.add_view(StaffModelView(User, db.session))
admin.add_view(StaffModelView($model, db.session))
"#,
        why_vulnerable: "The Flask-Admin views never override `is_accessible`, so anyone who finds `/admin` can list, \
                         edit and export users and $route.",
        why_fixed: "`is_accessible` now admits only logged-in admins to the back office views.",
    },
    ModulePair {
        name: "celery-export-chmod",
        framework: "celery",
        vulnerable: r#"import csv
import os
from datetime import date

from celery import shared_task

from .models import $model

EXPORT_DIR = "/srv/exports"


@shared_task
def export_$route():  #@
    os.makedirs(EXPORT_DIR, exist_ok=True)
    path = os.path.join(EXPORT_DIR, f"$route-{date.today():%Y%m%d}.csv")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "customer_email", "status"])
        writer.writerows($model.objects.values_list("id", "customer__email", "status"))
    os.chmod(path, 0o777)
    return path
"#,
        fixed: r#"import csv
import os
from datetime import date

from celery import shared_task

from .models import $model

EXPORT_DIR = "/srv/exports"


@shared_task
def export_$route():
    os.makedirs(EXPORT_DIR, exist_ok=True)
    path = os.path.join(EXPORT_DIR, f"$route-{date.today():%Y%m%d}.csv")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "customer_email", "status"])
        writer.writerows($model.objects.values_list("id", "customer__email", "status"))
    os.chmod(path, 0o640)  #@
    return path
"#,
        why_vulnerable: "The export with customer emails is made world-readable and world-writable with `0o777`, so \
                         every local account can read or replace it.",
        why_fixed: "Mode `0o640` leaves the file writable only by its owner and readable by its group.",
    },
    ModulePair {
        name: "drf-viewset-allowany",
        framework: "django",
        vulnerable: r#"from django.contrib.auth import get_user_model
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

User = get_user_model()


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "is_active", "last_login"]


class AccountViewSet(viewsets.ModelViewSet):
    queryset = User.objects.order_by("id")
    serializer_class = AccountSerializer
    permission_classes = [permissions.AllowAny]

    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):  #@
        account = self.get_object()
        account.is_active = False
        account.save(update_fields=["is_active"])
        return Response({"id": account.pk, "active": False})
"#,
        fixed: r#"from django.contrib.auth import get_user_model
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

User = get_user_model()


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "is_active", "last_login"]


class AccountViewSet(viewsets.ModelViewSet):
    queryset = User.objects.order_by("id")
    serializer_class = AccountSerializer
    permission_classes = [permissions.IsAdminUser]  #@

    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        account = self.get_object()
        account.is_active = False
        account.save(update_fields=["is_active"])
        return Response({"id": account.pk, "active": False})
"#,
        why_vulnerable: "The account management viewset (list, edit, delete, deactivate) uses `AllowAny`, so anyone \
                         can manage every user account.",
        why_fixed: "`IsAdminUser` limits account management to staff users.",
    },
    ModulePair {
        name: "control-socket-mode",
        framework: "socket",
        vulnerable: r#"import os
import socket

CONTROL_SOCKET = "/run/$route-worker/control.sock"
COMMANDS = {
    "status": lambda: b"running\n",
    "drain": lambda: b"draining\n",
    "reload": lambda: b"reloading\n",
}


def serve_control(path: str = CONTROL_SOCKET) -> None:  #@
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o777)
    server.listen(1)
    while True:
        conn, _ = server.accept()
        with conn:
            command = conn.recv(1024).decode().strip()
            conn.sendall(COMMANDS.get(command, lambda: b"unknown\n")())
"#,
        fixed: r#"import os
import socket

CONTROL_SOCKET = "/run/$route-worker/control.sock"
COMMANDS = {
    "status": lambda: b"running\n",
    "drain": lambda: b"draining\n",
    "reload": lambda: b"reloading\n",
}


def serve_control(path: str = CONTROL_SOCKET) -> None:
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o660)  #@
    server.listen(1)
    while True:
        conn, _ = server.accept()
        with conn:
            command = conn.recv(1024).decode().strip()
            conn.sendall(COMMANDS.get(command, lambda: b"unknown\n")())
"#,
        why_vulnerable: "The control socket that drains and reloads the worker is made world-writable with `0o777`, so \
                         any local user can send it commands.",
        why_fixed: "Mode `0o660` limits the control socket to the service's user and group.",
    },
];
