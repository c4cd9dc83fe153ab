import hashlib
import hmac

from flask import Flask, abort, jsonify, redirect, request, session, url_for
from markupsafe import escape

from . import covers, db, importer

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024


def password_hash(password: str, salt: str) -> str:
    return hashlib.md5((salt + password).encode()).hexdigest()  # expect: CWE-328


def check_password(password: str, salt: str, stored: str) -> bool:
    return hmac.compare_digest(password_hash(password, salt), stored)


@app.get("/books/<int:book_id>")
def show_book(book_id: int):
    book = db.get_book(book_id)
    if book is None:
        abort(404)
    return jsonify(dict(book))


@app.get("/search")
def search():
    term = request.args.get("q", "")
    order = request.args.get("order", "title")
    rows = db.search_books(term, order)
    return jsonify([dict(r) for r in rows])


@app.get("/greet")
def greet():
    name = request.args.get("name", "reader")
    return f"<h1>Welcome back, {name}!</h1>"  # expect: CWE-79


@app.get("/shelf/<shelf>")
def shelf_page(shelf: str):
    return f"<h2>Shelf {escape(shelf)}</h2>"


@app.get("/covers/<name>")
def cover(name: str):
    return covers.read_cover(name), 200, {"Content-Type": "image/jpeg"}


@app.post("/covers")
def upload_cover():
    upload = request.files.get("cover")
    if upload is None:
        abort(400)
    try:
        stored = covers.save_cover(upload)
    except ValueError as err:
        return jsonify({"error": str(err)}), 400
    return jsonify({"stored": stored}), 201


@app.post("/import")
def import_remote():
    url = request.form["url"]
    return jsonify({"imported": importer.fetch_remote_catalog(url)})


@app.get("/login/done")
def login_done():
    target = request.args.get("next", "/")
    session["seen_login"] = True
    return redirect(target)  # expect: CWE-601


@app.get("/logout")
def logout():
    session.clear()
    return redirect(url_for("search"))
