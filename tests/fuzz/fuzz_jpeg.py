"""atheris harness: kcsubmit.engine.check on a file named 01.jpg.

    python tests/fuzz/make_corpus.py corpus
    python tests/fuzz/fuzz_jpeg.py -max_total_time=600 corpus/jpeg

See tests/fuzz/README.md.
"""

from __future__ import annotations

import harness

if __name__ == "__main__":
    harness.main("jpeg", "01.jpg")
