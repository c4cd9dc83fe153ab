import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database_path: str
    covers_dir: str
    exports_dir: str
    max_upload_bytes: int = 2 * 1024 * 1024
    page_size: int = 25


def load_settings() -> Settings:
    base = os.environ.get("BOOKSHELF_HOME", os.path.expanduser("~/.bookshelf"))
    return Settings(
        database_path=os.path.join(base, "books.db"),
        covers_dir=os.path.join(base, "covers"),
        exports_dir=os.path.join(base, "exports"),
    )


SMTP_HOST = "smtp.example.org"
SMTP_USER = "notifications@example.org"
SMTP_PASSWORD = "Winter2024!notify"  # expect: CWE-798
