"""Run pip-audit and judge its answer: a known vulnerability fails; a vulnerability service
that cannot be reached, or that does not know a package, is said out loud but does not.

Run: python scripts/audit_packages.py .venv/bin/pip-audit   (what `make audit` does)
"""

import json
import re
import subprocess
import sys

command = [*sys.argv[1:], "--skip-editable", "--progress-spinner", "off", "--format", "json"]
run = subprocess.run(command, capture_output=True, text=True)
try:
    report = json.loads(run.stdout)
except ValueError:
    down = r"ConnectionError|Timeout|NameResolution|Max retries|ServiceError|Temporary failure"
    if re.search(down, run.stderr):
        print("pip-audit: the vulnerability service is unreachable; packages NOT audited")
        sys.exit(0)
    sys.exit(run.stderr or f"pip-audit failed ({run.returncode})")
packages = report["dependencies"]
found = [(p, v) for p in packages for v in p.get("vulns", [])]
for p, v in found:
    fixed = ", ".join(v["fix_versions"]) or "no fixed release yet"
    print(f"{p['name']} {p['version']}: {v['id']} (fixed in {fixed})", file=sys.stderr)
unknown = [p["name"] for p in packages if "skip_reason" in p]
if unknown:
    print(
        f"pip-audit: {len(unknown)} of {len(packages)} packages unknown to the service, not audited"
    )
print(f"pip-audit: {len(found)} known vulnerabilities in {len(packages) - len(unknown)} packages")
sys.exit(1 if found else 0)
