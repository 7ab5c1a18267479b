"""``kcsubmit serve``: a local web page for teachers — add files, see the report, fix, pack, download.

Starlette behind :class:`security.Guard` on 127.0.0.1 only, served by uvicorn; one job at a time
(:mod:`.jobs`); uploads streamed to disk (:mod:`.uploads`); every library call in :mod:`.work`;
the page (``templates/``, ``static/``) ships in the package and loads nothing from the network.
"""
