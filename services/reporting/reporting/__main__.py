"""Run the reporting service (python -m reporting), or rebuild its read model (… rebuild)."""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "rebuild":
    from reporting.entrypoints.rebuild_command import main as rebuild

    sys.exit(rebuild(sys.argv[2:]))
else:
    from reporting.entrypoints.main import main

    main()
