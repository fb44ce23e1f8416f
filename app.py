"""Start the NTM Assistant web app on settings.host:settings.port over the configured index."""
from __future__ import annotations


def main() -> None:
    from assistant.service import build_service
    from assistant.settings import Settings
    from assistant.ui.app import serve

    settings = Settings()
    serve(build_service(settings), settings)


if __name__ == "__main__":
    main()
