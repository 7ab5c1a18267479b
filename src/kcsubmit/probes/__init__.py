"""Probes measure a file once and return its facts as a plain dict."""
