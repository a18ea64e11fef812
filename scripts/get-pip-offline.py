"""Stand-in for pip's get-pip.py, which ansible-test downloads from a host CI cannot reach.

ansible-test looks for a cached copy before downloading (~/.ansible/test/cache/get_pip_<version>.py);
scripts/test puts this file there. It bootstraps pip with ensurepip, then installs what ansible-test
asked for from the package index this machine is configured with.
"""

from __future__ import annotations

import ensurepip
import subprocess
import sys

# ansible-test's own pip subprocess does not see the machine's pip settings for certificates.
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def main():
    ensurepip.bootstrap()
    arguments = [argument for argument in sys.argv[1:] if argument not in ("--no-setuptools", "--no-wheel")]
    return subprocess.call([sys.executable, "-m", "pip", "install", *arguments, "--cert", CA_BUNDLE])


if __name__ == "__main__":
    sys.exit(main())
