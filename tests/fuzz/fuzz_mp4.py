"""atheris harness: kcsubmit.engine.check on a file named 人工智能.mp4.

    python tests/fuzz/make_corpus.py corpus
    python tests/fuzz/fuzz_mp4.py -max_total_time=600 corpus/mp4

See tests/fuzz/README.md.
"""

from __future__ import annotations

import harness

if __name__ == "__main__":
    harness.main("mp4", "人工智能.mp4")
