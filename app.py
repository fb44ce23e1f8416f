"""Start NTM Assistant (terminal chat for now; the web app replaces it in a later issue)."""
from assistant.repl import main

if __name__ == "__main__":
    main()
