//! CWE-798 hard-coded credentials: passwords, keys and tokens written as literals into database, cloud,
//! mail and HTTP clients, framework settings and token signing; fixes read them at run time.

use crate::cwe::CweId;
use crate::dataset::recipe::{ModulePair, Recipe};

pub const RECIPES: &[Recipe] =
    &[Recipe::Module { name: "hardcoded-credentials", version: 1, cwe: CweId(798), pairs: PAIRS }];

const PAIRS: &[ModulePair] = &[
    ModulePair {
        name: "psycopg2-password",
        framework: "worker",
        vulnerable: r#"import os

import psycopg2
from psycopg2.extras import RealDictCursor

DB_HOST = os.environ.get("DB_HOST", "$host")


def get_connection():
    return psycopg2.connect(
        host=DB_HOST,
        dbname="$table",
        user="$user",
        password="$secret",  #@
        connect_timeout=5,
    )


def pending_$route(limit: int = $limit):
    with get_connection() as conn, conn.cursor(cursor_factory=RealDictCursor) as cur:
        cur.execute("SELECT id, status FROM $table WHERE status = %s LIMIT %s", ("pending", limit))
        return cur.fetchall()
"#,
        fixed: r#"import os

import psycopg2
from psycopg2.extras import RealDictCursor

DB_HOST = os.environ.get("DB_HOST", "$host")


def get_connection():
    return psycopg2.connect(
        host=DB_HOST,
        dbname="$table",
        user="$user",
        password=os.environ["DB_PASSWORD"],  #@
        connect_timeout=5,
    )


def pending_$route(limit: int = $limit):
    with get_connection() as conn, conn.cursor(cursor_factory=RealDictCursor) as cur:
        cur.execute("SELECT id, status FROM $table WHERE status = %s LIMIT %s", ("pending", limit))
        return cur.fetchall()
"#,
        why_vulnerable: "The database password is written into the source, so anyone with the code or its history can \
                         log in as `$user`.",
        why_fixed: "The password is read from the `DB_PASSWORD` environment variable at run time.",
    },
    ModulePair {
        name: "boto3-secret-key",
        framework: "celery",
        vulnerable: r#"import os

import boto3
from celery import shared_task

BUCKET = "$route-archive"


def s3_client():
    return boto3.client(
        "s3",
        region_name="eu-west-1",
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key="$secret",  #@
    )


@shared_task(max_retries=3)
def archive_$entity(key: str, local_path: str) -> str:
    s3_client().upload_file(local_path, BUCKET, key, ExtraArgs={"ServerSideEncryption": "AES256"})
    return f"s3://{BUCKET}/{key}"
"#,
        fixed: r#"import os

import boto3
from celery import shared_task

BUCKET = "$route-archive"


def s3_client():
    return boto3.client(
        "s3",
        region_name="eu-west-1",
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],  #@
    )


@shared_task(max_retries=3)
def archive_$entity(key: str, local_path: str) -> str:
    s3_client().upload_file(local_path, BUCKET, key, ExtraArgs={"ServerSideEncryption": "AES256"})
    return f"s3://{BUCKET}/{key}"
"#,
        why_vulnerable: "The AWS secret access key is a string literal in the code, so the bucket can be used by \
                         anyone who sees the source.",
        why_fixed: "The secret key comes from the environment like the key id, so it is not stored in the code.",
    },
    ModulePair {
        name: "smtplib-login",
        framework: "celery",
        vulnerable: r#"import smtplib
from email.message import EmailMessage

from celery import shared_task

SMTP_HOST = "smtp.$host"
SMTP_USER = "notifications@$host"


@shared_task(max_retries=5, default_retry_delay=60)
def send_receipt(to_address: str, subject: str, text: str) -> None:
    msg = EmailMessage()
    msg["From"] = SMTP_USER
    msg["To"] = to_address
    msg["Subject"] = subject
    msg.set_content(text)
    with smtplib.SMTP(SMTP_HOST, 587, timeout=10) as smtp:
        smtp.starttls()
        smtp.login(SMTP_USER, "$secret")  #@
        smtp.send_message(msg)
"#,
        fixed: r#"import os
import smtplib
from email.message import EmailMessage

from celery import shared_task

SMTP_HOST = "smtp.$host"
SMTP_USER = "notifications@$host"


@shared_task(max_retries=5, default_retry_delay=60)
def send_receipt(to_address: str, subject: str, text: str) -> None:
    msg = EmailMessage()
    msg["From"] = SMTP_USER
    msg["To"] = to_address
    msg["Subject"] = subject
    msg.set_content(text)
    with smtplib.SMTP(SMTP_HOST, 587, timeout=10) as smtp:
        smtp.starttls()
        smtp.login(SMTP_USER, os.environ["SMTP_PASSWORD"])  #@
        smtp.send_message(msg)
"#,
        why_vulnerable: "The SMTP password is passed to `login` as a literal, so the mail account is exposed to \
                         everyone with the code.",
        why_fixed: "The SMTP password is read from the environment when the task runs.",
    },
    ModulePair {
        name: "django-secret-key",
        framework: "django",
        vulnerable: r#"import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "$secret"  #@
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "$host").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "$route",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "$table",
        "USER": "$user",
        "PASSWORD": os.environ["DB_PASSWORD"],
        "HOST": "$host",
    }
}
"#,
        fixed: r#"import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]  #@
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "$host").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "$route",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "$table",
        "USER": "$user",
        "PASSWORD": os.environ["DB_PASSWORD"],
        "HOST": "$host",
    }
}
"#,
        why_vulnerable: "`SECRET_KEY` is a literal in the settings module; whoever has the code can forge session \
                         cookies, password reset links and signed values.",
        why_fixed: "`SECRET_KEY` is read from the environment, so the deployed key never appears in the code.",
    },
    ModulePair {
        name: "jwt-signing-key",
        framework: "flask",
        vulnerable: r#"from datetime import datetime, timedelta, timezone

import jwt
from flask import Flask, abort, jsonify, request

from .accounts import check_credentials

app = Flask(__name__)
JWT_SIGNING_KEY = "$secret"  #@


def issue_token(user_id: int) -> str:
    now = datetime.now(timezone.utc)
    claims = {"sub": str(user_id), "iat": now, "exp": now + timedelta(hours=1)}
    return jwt.encode(claims, JWT_SIGNING_KEY, algorithm="HS256")


@app.post("/token")
def token():
    user_id = check_credentials(request.form.get("username", ""), request.form.get("password", ""))
    if user_id is None:
        abort(401)
    return jsonify({"access_token": issue_token(user_id), "token_type": "bearer"})
"#,
        fixed: r#"import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import Flask, abort, jsonify, request

from .accounts import check_credentials

app = Flask(__name__)
JWT_SIGNING_KEY = os.environ["JWT_SIGNING_KEY"]  #@


def issue_token(user_id: int) -> str:
    now = datetime.now(timezone.utc)
    claims = {"sub": str(user_id), "iat": now, "exp": now + timedelta(hours=1)}
    return jwt.encode(claims, JWT_SIGNING_KEY, algorithm="HS256")


@app.post("/token")
def token():
    user_id = check_credentials(request.form.get("username", ""), request.form.get("password", ""))
    if user_id is None:
        abort(401)
    return jsonify({"access_token": issue_token(user_id), "token_type": "bearer"})
"#,
        why_vulnerable: "The key that signs access tokens is a literal in the module, so anyone with the code can \
                         mint a token for any user.",
        why_fixed: "The signing key is loaded from the environment at start-up.",
    },
    ModulePair {
        name: "requests-basic-auth",
        framework: "worker",
        vulnerable: r#"import requests

$secret_name = "$secret"  #@
BASE_URL = "https://$host/api/v2"


def fetch_$route(page: int = 1) -> list:
    resp = requests.get(
        f"{BASE_URL}/$route",
        params={"page": page, "per_page": $limit},
        auth=("$user", $secret_name),
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()["results"]
"#,
        fixed: r#"import os

import requests

$secret_name = os.environ["$secret_name"]  #@
BASE_URL = "https://$host/api/v2"


def fetch_$route(page: int = 1) -> list:
    resp = requests.get(
        f"{BASE_URL}/$route",
        params={"page": page, "per_page": $limit},
        auth=("$user", $secret_name),
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()["results"]
"#,
        why_vulnerable: "The credential for the upstream API is assigned from a string literal, so it ships with the \
                         code.",
        why_fixed: "`$secret_name` is read from the environment variable of the same name.",
    },
    ModulePair {
        name: "secrets-manager-dsn",
        framework: "fastapi",
        vulnerable: r#"from fastapi import FastAPI
from sqlalchemy import create_engine, text

app = FastAPI()
engine = create_engine("postgresql+psycopg2://$user:$secret@$host:5432/$table", pool_pre_ping=True)  #@


@app.get("/$route/count")
def count_$route():
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM $table")).scalar_one()
    return {"count": total}
"#,
        fixed: r#"import json

import boto3
from fastapi import FastAPI
from sqlalchemy import create_engine, text

app = FastAPI()
db_creds = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId="prod/$route/db")["SecretString"])  #@
engine = create_engine(
    f"postgresql+psycopg2://{db_creds['username']}:{db_creds['password']}@$host:5432/$table", pool_pre_ping=True
)


@app.get("/$route/count")
def count_$route():
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM $table")).scalar_one()
    return {"count": total}
"#,
        why_vulnerable: "The database URL embeds the password as a literal, so it is in the code and every copy of it.",
        why_fixed: "The credentials are fetched from AWS Secrets Manager at start-up instead of living in the code.",
    },
];
