import sys

from portable_endpoints.cli import main

sys.exit(main())
