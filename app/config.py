"""Configuration from the environment; tests pass their own values to create_app."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from app.bpm.engine import EngineLimits

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Config:
    database_url: str = ""
    secret_key: str = ""
    bpmn_dir: Path = PROJECT_ROOT / "bpmn"
    forms_dir: Path = PROJECT_ROOT / "forms"
    timezone: str = "Asia/Shanghai"
    company_name: str = "售后服务部"  # the header of printed forms
    token_lifetime_hours: int = 12
    session_idle_hours: float = 12.0  # a web session unused this long is ended
    login_window_minutes: float = 15.0  # failed log-ins count for this long
    login_failures_per_account: int = 5
    login_failures_per_address: int = 20
    secure_cookies: bool = False  # session cookie `Secure` always (it is whenever served over HTTPS)
    worker_interval_seconds: float = 5.0
    timer_batch: int = 50  # instances whose due timers fire in one transaction
    max_request_bytes: int = 4 * 1024 * 1024
    max_instance_data_bytes: int = 1024 * 1024  # an instance's data as JSON; a step beyond it is refused
    max_concurrent_requests: int = 0  # per process; 0: no limit (development server)
    queue_wait_seconds: float = 0.5
    trusted_proxies: str = ""  # comma-separated addresses or networks whose X-Forwarded-For counts
    # steps per transaction, multi-instance size, timer bounds (checked at deploy and running)
    engine_limits: EngineLimits = field(default_factory=EngineLimits)
    testing: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_env(cls, instance_path: Path) -> Config:
        default_db = f"sqlite:///{instance_path / 'shouhou.sqlite3'}"
        secret = os.environ.get("SHOUHOU_SECRET_KEY") or _instance_secret(instance_path)
        return cls(
            database_url=os.environ.get("SHOUHOU_DATABASE_URL", default_db),
            secret_key=secret,
            timezone=os.environ.get("SHOUHOU_TIMEZONE", "Asia/Shanghai"),
            company_name=os.environ.get("SHOUHOU_COMPANY_NAME", "").strip() or "售后服务部",
            worker_interval_seconds=float(os.environ.get("SHOUHOU_WORKER_INTERVAL", "5")),
            timer_batch=max(1, min(1000, int(os.environ.get("SHOUHOU_TIMER_BATCH", "50")))),
            max_concurrent_requests=int(os.environ.get("SHOUHOU_MAX_CONCURRENT", "0")),
            max_instance_data_bytes=int(os.environ.get("SHOUHOU_MAX_INSTANCE_DATA", str(1024 * 1024))),
            queue_wait_seconds=float(os.environ.get("SHOUHOU_QUEUE_WAIT", "0.5")),
            trusted_proxies=os.environ.get("SHOUHOU_TRUSTED_PROXIES", ""),
            engine_limits=EngineLimits(
                multi_instance_max=max(1, min(10_000, int(os.environ.get("SHOUHOU_MULTI_INSTANCE_MAX", "200")))),
            ),
            session_idle_hours=float(os.environ.get("SHOUHOU_SESSION_IDLE_HOURS", "12")),
            login_window_minutes=float(os.environ.get("SHOUHOU_LOGIN_WINDOW_MINUTES", "15")),
            login_failures_per_account=int(os.environ.get("SHOUHOU_LOGIN_FAILURES_PER_ACCOUNT", "5")),
            login_failures_per_address=int(os.environ.get("SHOUHOU_LOGIN_FAILURES_PER_ADDRESS", "20")),
            secure_cookies=os.environ.get("SHOUHOU_SECURE_COOKIES", "") == "1",
        )


def _instance_secret(instance_path: Path) -> str:
    """A random secret kept in the instance folder, so zero-setup installs are not insecure."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
