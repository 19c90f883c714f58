"""Configuration classes, read from the environment.

Development is the embedded default: a SQLite file under ``instance/`` and jobs
run inline.  Production takes every secret and address from the environment and
refuses to start when one is missing.
"""

import base64
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
# Where development keeps the keys it generates on first start (gitignored).
INSTANCE_DIR = BASE_DIR / "instance"
# Values that were ever public (this repository's old default): never a real key.
PUBLIC_SECRETS = frozenset({"dev-only-secret-change-me", "test-secret", "change-me", "secret"})
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """A required setting is missing; raised at start-up, never at request time."""


class Config:
    # Empty here: development reads (or makes) instance/secret_key, production requires it.
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'muzu.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # On PostgreSQL the app connects (DATABASE_URL) as a role that neither owns the
    # tables nor bypasses row-level security; `flask db upgrade` runs as the owner
    # (MIGRATION_DATABASE_URL; empty: DATABASE_URL).  app/rls.py, README "Production".
    SQLALCHEMY_MIGRATION_URI = os.environ.get("MIGRATION_DATABASE_URL", "")
    DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "muzu_app")
    DATABASE_CROSS_TENANT_ROLE = os.environ.get("DATABASE_CROSS_TENANT_ROLE",
                                                "muzu_cross_tenant")
    # Empty: jobs run inline in the web process (the embedded default).
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RQ_QUEUES = ["default", "reports", "payroll"]
    # Empty: Redis when REDIS_URL is set (shared by every gunicorn worker), else memory.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")
    RATELIMIT_HEADERS_ENABLED = True
    # The log-in guard (app/login_guard.py says the rule): failures per address,
    # then per account with a growing delay for the addresses that failed.
    LOGIN_FAILURES_PER_ADDRESS = 30
    LOGIN_ADDRESS_WINDOW_SECONDS = 300
    LOGIN_FAILURES_BEFORE_DELAY = 5
    LOGIN_ACCOUNT_WINDOW_SECONDS = 900
    LOGIN_DELAY_MAX_SECONDS = 300

    # Sessions (app/sessions.py): the idle limit is each company's setting (default
    # below); the absolute one is the deployment's.
    SESSION_IDLE_MINUTES_DEFAULT = 8 * 60
    SESSION_ABSOLUTE_HOURS = 7 * 24
    PLATFORM_SESSION_IDLE_MINUTES = 60

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

    # Fernet key(s) for the ID-card, bank-account and TOTP columns (app/crypto.py);
    # development generates its own into instance/.  Comma-separated to rotate.
    FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")


class DevelopmentConfig(Config):
    DEBUG = True

    def __init__(self) -> None:
        # Random per install, never a public default: a session signed with a known
        # key can be forged, and field keys derived from one decrypt for anyone.
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or instance_secret("secret_key",
                                                                          _random_secret)
        self.FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
        if not self.FIELD_ENCRYPTION_KEY:
            # The second key only decrypts: rows a development database got before the
            # keys were generated (derived from the old public default) stay readable;
            # every new value is written with the random first key.
            self.FIELD_ENCRYPTION_KEY = ",".join((
                instance_secret("field_encryption_key", _random_fernet_key),
                _legacy_dev_field_key(),
            ))


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    # A fixed key of the tests' own (fields encrypted by one test run only).
    FIELD_ENCRYPTION_KEY = "dGVzdC1vbmx5LWZpZWxkLWtleS1tdXp1LXRlc3RzLTA="
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SQLALCHEMY_MIGRATION_URI = ""
    WTF_CSRF_ENABLED = False
    # Still argon2id, with the cheapest parameters: tests log in hundreds of times.
    PASSWORD_HASH_PROFILE = "CHEAPEST"
    # Follows REDIS_URL: memory for the inline app, Redis for the tests marked redis.
    RATELIMIT_STORAGE_URI = ""
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
        _check_real_keys(self.SECRET_KEY, os.environ["FIELD_ENCRYPTION_KEY"])
        self.SQLALCHEMY_DATABASE_URI = _psycopg_url(os.environ["DATABASE_URL"])
        self.SQLALCHEMY_MIGRATION_URI = _psycopg_url(os.environ.get("MIGRATION_DATABASE_URL", ""))
        self.REDIS_URL = os.environ["REDIS_URL"]
        self.FIELD_ENCRYPTION_KEY = os.environ["FIELD_ENCRYPTION_KEY"]
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", self.REDIS_URL)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}


def _check_real_keys(secret_key: str, field_keys: str) -> None:
    """Refuse a public or short SECRET_KEY and field keys that are not Fernet keys."""
    if secret_key in PUBLIC_SECRETS or len(secret_key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_LENGTH} "
            "characters (python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    for key in (k.strip() for k in field_keys.split(",")):
        try:
            valid = len(base64.urlsafe_b64decode(key.encode())) == 32
        except ValueError:
            valid = False
        if not valid or key == _legacy_dev_field_key():
            raise ConfigError("FIELD_ENCRYPTION_KEY must be Fernet keys (32 bytes, url-safe "
                              "base64), generated with Fernet.generate_key()")


def instance_secret(name: str, make) -> str:
    """The secret kept in ``instance/<name>``, made on first use (mode 0600, gitignored).

    ``O_EXCL`` makes the first of several starting processes the one that writes it;
    the others read what it wrote.
    """
    path = INSTANCE_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it this instant
            value = path.read_text().strip()
            if value:
                return value
            import time

            time.sleep(0.02)
        raise ConfigError(f"{path} is empty: delete it to have a new one generated") from None
    value = make()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def _random_secret() -> str:
    return secrets.token_urlsafe(48)


def _random_fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _legacy_dev_field_key() -> str:
    """The field key development derived from the old public SECRET_KEY default
    (decrypt-only, for development databases filled before instance keys)."""
    import hashlib

    digest = hashlib.sha256(b"muzu-field-key:dev-only-secret-change-me").digest()
    return base64.urlsafe_b64encode(digest).decode()


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
        config.SQLALCHEMY_MIGRATION_URI = _psycopg_url(config.SQLALCHEMY_MIGRATION_URI)
    return config
