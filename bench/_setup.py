"""What every benchmark does before anything else, imported for that effect (``import
_setup`` first): the project on the path, Django set up with DEBUG and its files in a
directory of their own (``OWN_VAR_DIR``: made here, so the benchmark may remove it at the
end; one given in OKIOKI_VAR_DIR is left as it is), tasks queued rather than run on the spot
unless the environment says otherwise, and warnings kept out of the figures."""

import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okioki.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
OWN_VAR_DIR = "OKIOKI_VAR_DIR" not in os.environ
os.environ.setdefault("OKIOKI_VAR_DIR", tempfile.mkdtemp(prefix="okioki-bench-"))

import django  # noqa: E402

django.setup()
logging.disable(logging.WARNING)
