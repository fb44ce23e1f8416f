"""Start the NTM Assistant web app on settings.host:settings.port over the configured index."""

from __future__ import annotations


def main() -> None:
    import sys

    from assistant.service import build_service
    from assistant.settings import Settings
    from assistant.ui.app import serve
    from assistant.ui.limits import bind_warning

    settings = Settings()
    warning = bind_warning(settings.host, settings)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    from assistant.llm import MissingExtra

    try:
        service = build_service(settings)
    except MissingExtra as exc:  # one line naming the extra to install, no traceback
        print(f"lỗi: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    serve(service, settings)


if __name__ == "__main__":
    main()
