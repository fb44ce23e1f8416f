"""The web app's limits, unit by unit: loopback by default and a warning when bound beyond it
without an admin login; failed logins rate-limited per client; upload count and total size capped."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.ui.limits import LoginLimiter, bind_warning, is_loopback, upload_problem

pytestmark = pytest.mark.unit


def test_default_bind_is_loopback(monkeypatch) -> None:
    monkeypatch.delenv("NTM_HOST", raising=False)
    assert Settings(_env_file=None).host == "127.0.0.1"
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.5.0.9", "localhost", "::1", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.5", "example.org"))


def test_warns_when_bound_beyond_loopback_without_admin_login() -> None:
    open_settings = Settings(admin_user=None, admin_password=None)
    assert bind_warning("127.0.0.1", open_settings) == ""
    warning = bind_warning("0.0.0.0", open_settings)
    assert "0.0.0.0" in warning and "NTM_ADMIN_USER" in warning
    assert bind_warning("0.0.0.0", Settings(admin_user="admin", admin_password="s3cret")) == ""
    assert bind_warning("0.0.0.0", Settings(admin_user="admin", admin_password="")) != ""


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failed_logins_are_rate_limited_per_client() -> None:
    clock = Clock()
    limiter = LoginLimiter(max_failures=3, window_s=60, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("1.2.3.4") == 0
        limiter.record("1.2.3.4", ok=False)
    assert limiter.retry_after("1.2.3.4") == pytest.approx(60)
    assert "thử lại sau 61 giây" in limiter.locked_message("1.2.3.4")
    assert limiter.retry_after("5.6.7.8") == 0  # another client is not locked out
    clock.now += 30
    assert limiter.retry_after("1.2.3.4") == pytest.approx(30)
    clock.now += 30  # the oldest failure has left the window
    assert limiter.retry_after("1.2.3.4") == 0 and limiter.locked_message("1.2.3.4") == ""


def test_a_successful_login_clears_the_failures() -> None:
    limiter = LoginLimiter(max_failures=2, window_s=60, clock=Clock())
    limiter.record("c", ok=False)
    limiter.record("c", ok=True)
    limiter.record("c", ok=False)
    assert limiter.retry_after("c") == 0


def test_upload_count_and_total_size_are_limited(tmp_path: Path) -> None:
    files = []
    for i in range(4):
        path = tmp_path / f"f{i}.txt"
        path.write_bytes(b"x" * 400_000)
        files.append(str(path))
    settings = Settings(max_upload_files=3, max_upload_mb=1)
    assert "tối đa 3 tệp" in upload_problem(files, settings)
    assert "tối đa 1 MB" in upload_problem(files[:3], settings) and "1.1 MB" in upload_problem(files[:3], settings)
    assert upload_problem(files[:2], settings) == ""
    assert upload_problem(files, Settings()) == ""  # defaults: 20 files, 100 MB
