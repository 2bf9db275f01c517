"""`make bench`: every benchmark of the project, one after the other."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in sorted(HERE.glob("*.py")):
    if script.name == "run.py" or script.name.startswith("_"):
        continue
    print(f"== {script.stem}")
    subprocess.run([sys.executable, str(script)], check=True)
