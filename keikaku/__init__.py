"""Typesets the 社会資本整備重点計画 from content files.

The stages, one module each, in the order a build runs them:
``sources`` (read YAML and Markdown, keeping positions) → ``model`` (the plan's
entities) → ``load`` (validate and build the model) → ``render`` (Jinja HTML) →
``write`` (WeasyPrint PDF, written atomically). ``cli`` ties them together.
"""
