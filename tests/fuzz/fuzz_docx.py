"""atheris harness: kcsubmit.engine.check on a file named 案例.docx.

    python tests/fuzz/make_corpus.py corpus
    python tests/fuzz/fuzz_docx.py -max_total_time=600 corpus/docx

See tests/fuzz/README.md.
"""

from __future__ import annotations

import harness

if __name__ == "__main__":
    harness.main("docx", "案例.docx")
