"""atheris harness: kcsubmit.engine.check on a file named 人工智能.zip.

    python tests/fuzz/make_corpus.py corpus
    python tests/fuzz/fuzz_zip.py -max_total_time=600 corpus/zip

See tests/fuzz/README.md.
"""

from __future__ import annotations

import harness

if __name__ == "__main__":
    harness.main("zip", "人工智能.zip")
