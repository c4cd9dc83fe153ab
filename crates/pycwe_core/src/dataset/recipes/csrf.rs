//! CWE-352 cross-site request forgery: cookie-authenticated state changes without token checks
//! (`@csrf_exempt`, Flask-WTF turned off or exempting a view, state changes on GET) in Django and Flask.

use crate::cwe::CweId;
use crate::dataset::recipe::{ModulePair, Recipe};

pub const RECIPES: &[Recipe] = &[Recipe::Module { name: "csrf", version: 1, cwe: CweId(352), pairs: PAIRS }];

const PAIRS: &[ModulePair] = &[
    ModulePair {
        name: "django-exempt-beside-webhook",
        framework: "django",
        vulnerable: r#"import hashlib
import hmac
import json
import os

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Profile, $model

WEBHOOK_KEY = os.environ["WEBHOOK_SIGNING_KEY"].encode()


@csrf_exempt
@require_POST
def payment_webhook(request):
    expected = hmac.new(WEBHOOK_KEY, request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Signature", "")):
        return HttpResponseForbidden()
    event = json.loads(request.body)
    $model.objects.filter(pk=event["id"]).update(status=event["status"])
    return HttpResponse(status=204)


@csrf_exempt
@login_required
@require_POST
def change_email(request):  #@
    profile = Profile.objects.get(user=request.user)
    profile.email = request.POST["email"]
    profile.save(update_fields=["email"])
    return HttpResponse(status=204)
"#,
        fixed: r#"import hashlib
import hmac
import json
import os

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Profile, $model

WEBHOOK_KEY = os.environ["WEBHOOK_SIGNING_KEY"].encode()


@csrf_exempt
@require_POST
def payment_webhook(request):
    expected = hmac.new(WEBHOOK_KEY, request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Signature", "")):
        return HttpResponseForbidden()
    event = json.loads(request.body)
    $model.objects.filter(pk=event["id"]).update(status=event["status"])
    return HttpResponse(status=204)


@login_required  #@
@require_POST
def change_email(request):
    profile = Profile.objects.get(user=request.user)
    profile.email = request.POST["email"]
    profile.save(update_fields=["email"])
    return HttpResponse(status=204)
"#,
        why_vulnerable: "`change_email` is authenticated by the session cookie but exempt from CSRF checks, so any \
                         site can make a logged-in user's browser change the account email.",
        why_fixed: "The exemption is removed, so Django's CSRF middleware requires a valid token for the change; the \
                    webhook stays exempt because it is authenticated by its HMAC signature, not by cookies.",
    },
    ModulePair {
        name: "django-cbv-method-decorator",
        framework: "django",
        vulnerable: r#"from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .forms import NotificationSettingsForm


@method_decorator(csrf_exempt, name="dispatch")
class NotificationSettingsView(LoginRequiredMixin, View):
    def get(self, request):
        form = NotificationSettingsForm(instance=request.user.profile)
        return render(request, "account/notifications.html", {"form": form})

    def post(self, request):  #@
        form = NotificationSettingsForm(request.POST, instance=request.user.profile)
        if form.is_valid():
            form.save()
            return redirect("account-notifications")
        return render(request, "account/notifications.html", {"form": form}, status=400)
"#,
        fixed: r#"from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_protect

from .forms import NotificationSettingsForm


@method_decorator(csrf_protect, name="dispatch")  #@
class NotificationSettingsView(LoginRequiredMixin, View):
    def get(self, request):
        form = NotificationSettingsForm(instance=request.user.profile)
        return render(request, "account/notifications.html", {"form": form})

    def post(self, request):
        form = NotificationSettingsForm(request.POST, instance=request.user.profile)
        if form.is_valid():
            form.save()
            return redirect("account-notifications")
        return render(request, "account/notifications.html", {"form": form}, status=400)
"#,
        why_vulnerable: "The settings view is exempted from CSRF checks on `dispatch`, so its cookie-authenticated \
                         POST handler accepts forms posted from other sites.",
        why_fixed: "`csrf_protect` makes the view demand a valid CSRF token on POST.",
    },
    ModulePair {
        name: "flask-wtf-disabled",
        framework: "flask",
        vulnerable: r#"import os

from flask import Flask, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import CSRFProtect

from .models import db

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
app.config["WTF_CSRF_ENABLED"] = False
CSRFProtect(app)


@app.post("/settings/email")
@login_required
def update_email():  #@
    current_user.email = request.form["email"].strip().lower()
    db.session.commit()
    return redirect(url_for("settings"))
"#,
        fixed: r#"import os

from flask import Flask, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import CSRFProtect

from .models import db

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
CSRFProtect(app)  #@


@app.post("/settings/email")
@login_required
def update_email():
    current_user.email = request.form["email"].strip().lower()
    db.session.commit()
    return redirect(url_for("settings"))
"#,
        why_vulnerable: "`WTF_CSRF_ENABLED = False` switches off Flask-WTF's token check for the whole app, so the \
                         session-authenticated email change can be forged from another site.",
        why_fixed: "With the setting removed, `CSRFProtect` checks a token on every POST, including this one.",
    },
    ModulePair {
        name: "flask-csrf-exempt-view",
        framework: "flask",
        vulnerable: r#"import os

from flask import Flask, jsonify
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFProtect

from .models import $model, db

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
csrf = CSRFProtect(app)


@app.post("/$route/<int:item_id>/archive")
@csrf.exempt
@login_required
def archive_$entity(item_id: int):  #@
    obj = db.first_or_404(db.select($model).filter_by(id=item_id, owner_id=current_user.id))
    obj.archived = True
    db.session.commit()
    return jsonify({"id": obj.id, "archived": True})
"#,
        fixed: r#"import os

from flask import Flask, jsonify
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFProtect

from .models import $model, db

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
csrf = CSRFProtect(app)


@app.post("/$route/<int:item_id>/archive")
@login_required  #@
def archive_$entity(item_id: int):
    obj = db.first_or_404(db.select($model).filter_by(id=item_id, owner_id=current_user.id))
    obj.archived = True
    db.session.commit()
    return jsonify({"id": obj.id, "archived": True})
"#,
        why_vulnerable: "The archive route is exempted from `CSRFProtect` although it is authenticated by the session \
                         cookie, so another site can archive the user's $route.",
        why_fixed: "Without the exemption, the route is covered by `CSRFProtect`'s token check like every other POST.",
    },
    ModulePair {
        name: "flask-delete-on-get",
        framework: "flask",
        vulnerable: r#"import os

from flask import Flask, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import CSRFProtect

from .models import $model, db

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
CSRFProtect(app)


@app.route("/$route/<int:item_id>/delete")
@login_required
def delete_$entity(item_id: int):  #@
    obj = $model.query.filter_by(id=item_id, owner_id=current_user.id).first_or_404()
    db.session.delete(obj)
    db.session.commit()
    flash("Deleted.")
    return redirect(url_for("list_$route"))
"#,
        fixed: r#"import os

from flask import Flask, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import CSRFProtect

from .models import $model, db

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
CSRFProtect(app)


@app.route("/$route/<int:item_id>/delete", methods=["POST"])  #@
@login_required
def delete_$entity(item_id: int):
    obj = $model.query.filter_by(id=item_id, owner_id=current_user.id).first_or_404()
    db.session.delete(obj)
    db.session.commit()
    flash("Deleted.")
    return redirect(url_for("list_$route"))
"#,
        why_vulnerable: "The delete route answers GET, which `CSRFProtect` does not check, so a link or image on \
                         another site deletes the logged-in user's $entity.",
        why_fixed: "The route only accepts POST, which `CSRFProtect` checks for a valid token.",
    },
    ModulePair {
        name: "django-leave-team-get",
        framework: "django",
        vulnerable: r#"from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from .models import Membership, Team


@login_required
def team_detail(request, team_id):
    team = get_object_or_404(Team, pk=team_id, members=request.user)
    return render(request, "teams/detail.html", {"team": team})


@login_required
def leave_team(request, team_id):  #@
    Membership.objects.filter(team_id=team_id, user=request.user).delete()
    messages.success(request, "You left the team.")
    return redirect("team-list")
"#,
        fixed: r#"from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .models import Membership, Team


@login_required
def team_detail(request, team_id):
    team = get_object_or_404(Team, pk=team_id, members=request.user)
    return render(request, "teams/detail.html", {"team": team})


@login_required
@require_POST  #@
def leave_team(request, team_id):
    Membership.objects.filter(team_id=team_id, user=request.user).delete()
    messages.success(request, "You left the team.")
    return redirect("team-list")
"#,
        why_vulnerable: "The view removes the user from a team on any request method, including GET, which Django's \
                         CSRF middleware does not check, so a link on another site can do it.",
        why_fixed: "`require_POST` limits the change to POST requests, which the CSRF middleware checks for a token.",
    },
];
