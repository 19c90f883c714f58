"""Configuration classes, read from the environment.

Development is the embedded default: a SQLite file under ``instance/`` and jobs
run inline.  Production takes every secret and address from the environment and
refuses to start when one is missing.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


class ConfigError(RuntimeError):
    """A required setting is missing; raised at start-up, never at request time."""


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'muzu.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Empty: jobs run inline in the web process (the embedded default).
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RQ_QUEUES = ["default", "reports", "payroll"]
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 5 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "30 per 5 minutes"

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}

    # Request bodies beyond this are refused with 413 before any view reads them.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024))
    # Writes (POST/PUT/PATCH/DELETE) under /api/, per account (per address without a
    # token): far above a desk's pace, a brake on a runaway or hostile script.
    API_WRITE_RATE_LIMIT = os.environ.get("API_WRITE_RATE_LIMIT", "300 per minute")
    # Strict-Transport-Security max-age; 0 sends none (development serves plain HTTP).
    HSTS_SECONDS = 0

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None

    API_TITLE = "Muzu API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    # Served from static/: stores may be offline-ish, so no CDN.
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/"
    API_PAGE_SIZE_MAX = 200

    # Tokens shown once to the user; only their SHA-256 is kept.
    API_TOKEN_BYTES = 32

    # Fernet key(s) for the ID-card and bank-account columns (app/crypto.py); empty in
    # development and tests: derived from SECRET_KEY.  Comma-separated to rotate.
    FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")


class DevelopmentConfig(Config):
    DEBUG = True


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    # Still argon2id, with the cheapest parameters: tests log in hundreds of times.
    PASSWORD_HASH_PROFILE = "CHEAPEST"
    RATELIMIT_STORAGE_URI = "memory://"
    REDIS_URL = ""
    SERVER_NAME = None


class ProductionConfig(Config):
    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "FIELD_ENCRYPTION_KEY")
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    # One year, behind HTTPS; HSTS_SECONDS=0 turns it off when not behind HTTPS.
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 31536000))

    def __init__(self) -> None:
        missing = [name for name in self.REQUIRED if not os.environ.get(name)]
        if missing:
            raise ConfigError(
                "Muzu cannot start in production without: " + ", ".join(missing)
                + ". Set them in the environment (see README, 'Production')."
            )
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.SQLALCHEMY_DATABASE_URI = _psycopg_url(os.environ["DATABASE_URL"])
        self.REDIS_URL = os.environ["REDIS_URL"]
        self.FIELD_ENCRYPTION_KEY = os.environ["FIELD_ENCRYPTION_KEY"]
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", self.REDIS_URL)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}


def _psycopg_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None):
    """Return a config object for ``name`` (default: ``MUZU_ENV`` or development)."""
    name = name or os.environ.get("MUZU_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"Unknown MUZU_ENV {name!r}; use one of {', '.join(CONFIGS)}")
    config = CONFIGS[name]()
    if name != "production" and getattr(config, "SQLALCHEMY_DATABASE_URI", ""):
        config.SQLALCHEMY_DATABASE_URI = _psycopg_url(config.SQLALCHEMY_DATABASE_URI)
    return config
