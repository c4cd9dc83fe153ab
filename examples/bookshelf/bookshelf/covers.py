import os
import uuid

from werkzeug.utils import secure_filename

from .config import load_settings

ALLOWED_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp"}


def save_cover(upload) -> str:
    settings = load_settings()
    name = secure_filename(upload.filename or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise ValueError("covers must be JPEG, PNG or WebP images")
    stored = f"{uuid.uuid4().hex}{ext}"
    os.makedirs(settings.covers_dir, exist_ok=True)
    upload.save(os.path.join(settings.covers_dir, stored))
    return stored


def read_cover(name: str) -> bytes:
    settings = load_settings()
    path = os.path.join(settings.covers_dir, name)
    with open(path, "rb") as fh:  # expect: CWE-22
        return fh.read()


def thumbnail(name: str, size: int) -> str:
    import subprocess

    settings = load_settings()
    src = os.path.join(settings.covers_dir, secure_filename(name))
    dst = os.path.join(settings.covers_dir, f"thumb-{size}-{secure_filename(name)}")
    subprocess.run(["convert", src, "-resize", f"{int(size)}x{int(size)}", dst], check=True)
    return dst
