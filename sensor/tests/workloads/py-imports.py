# A Python program importing modules: pure-Python modules (read from .py or their cached .pyc)
# and extension modules (shared objects loaded by the interpreter). Prints the file each module
# came from so a test can assert them even without strace.
import importlib.util
import json, csv, email.parser, decimal, sqlite3, hashlib, xml.dom.minidom  # noqa: E401,F401
import os
import sys

for name in ["json", "csv", "email.parser", "xml.dom.minidom", "_sqlite3", "_hashlib", "_decimal"]:
    mod = sys.modules.get(name)
    path = getattr(mod, "__file__", None)
    if not path:
        continue
    cached = getattr(mod, "__cached__", None)
    # Python reads the cached bytecode when it is valid and only stats the source.
    if cached and os.path.exists(cached):
        path = cached
    print(f"creach-expect: read {os.path.realpath(path)}", flush=True)
with open("/etc/hostname") as f:
    f.read()
print("creach-expect: read /etc/hostname", flush=True)
