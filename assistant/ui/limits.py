"""Limits of the web app: it listens on loopback unless told otherwise (and warns when it is told
otherwise without an admin login), failed logins are rate-limited per client, and one upload may
hold only so many files and bytes (settings `login_max_failures`, `login_window_s`,
`max_upload_files`, `max_upload_mb`). UI messages are Vietnamese.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.settings import Settings


class LoginLimiter:
    """At most `max_failures` failed logins per client within `window_s` seconds; past that the
    client must wait until its oldest failure leaves the window. A success clears its failures."""

    def __init__(self, max_failures: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimiter:
        return cls(settings.login_max_failures, settings.login_window_s)

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        while failures and now - failures[0] >= self.window_s:
            failures.popleft()
        return failures

    def retry_after(self, client: str) -> float:
        """Seconds the client must wait before its next attempt (0 = it may try now)."""
        with self._lock:
            now = self._clock()
            failures = self._recent(client, now)
            if len(failures) < self.max_failures:
                return 0.0
            return max(0.0, self.window_s - (now - failures[0]))

    def record(self, client: str, ok: bool) -> None:
        with self._lock:
            if ok:
                self._failures.pop(client, None)
            else:
                self._recent(client, self._clock()).append(self._clock())

    def locked_message(self, client: str) -> str:
        """The Vietnamese refusal for a locked-out client ("" when it may try)."""
        wait = self.retry_after(client)
        if not wait:
            return ""
        return f"Đăng nhập sai quá {self.max_failures} lần; vui lòng thử lại sau {int(wait) + 1} giây."


def upload_problem(paths: Sequence[str | Path], settings: Settings) -> str:
    """Why an upload is refused as a whole ("" when it is within the limits): too many files, or
    more bytes in total than `max_upload_mb` (each file's own limit is checked when it is read)."""
    if len(paths) > settings.max_upload_files:
        return (
            f"Mỗi lần tải lên tối đa {settings.max_upload_files} tệp (đã chọn {len(paths)} tệp); "
            "hãy chia thành nhiều lần."
        )
    total = sum(Path(p).stat().st_size for p in paths if Path(p).is_file())
    limit = settings.max_upload_mb * 1024 * 1024
    if total > limit:
        return (
            f"Tổng dung lượng một lần tải lên tối đa {settings.max_upload_mb} MB "
            f"(đã chọn {total / 1024 / 1024:.1f} MB); hãy chia thành nhiều lần."
        )
    return ""


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: only this machine can connect."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_warning(host: str, settings: Settings) -> str:
    """A warning when the app would listen beyond this machine without an admin login ("" otherwise)."""
    password = settings.admin_password.get_secret_value() if settings.admin_password else ""
    if is_loopback(host) or (settings.admin_user and password):
        return ""
    return (
        f"cảnh báo: ứng dụng lắng nghe trên {host} (mở cho mạng) mà chưa cấu hình tài khoản quản trị "
        "(NTM_ADMIN_USER / NTM_ADMIN_PASSWORD): ai truy cập được địa chỉ này đều đọc được mọi văn bản đã nạp. "
        "Đặt tài khoản quản trị, hoặc chạy với --host 127.0.0.1."
    )
