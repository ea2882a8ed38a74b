#!/usr/bin/env python3
"""Build the 社会資本整備重点計画 PDF: ``python build.py`` writes output/plan.pdf and output/plan.html.

``python build.py check`` validates the content only. See README.md.
"""

import sys

from keikaku.cli import main

if __name__ == "__main__":
    sys.exit(main())
