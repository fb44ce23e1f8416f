"""The Gradio web app over ChatService: one module per tab, pure HTML rendering in `render`.

Import `assistant.ui.app` for `build_app` / `serve`; importing this package loads no Gradio.
"""
