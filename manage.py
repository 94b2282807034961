#!/usr/bin/env python
"""Django's manage.py, kept for habit: ``stocktake`` does the same."""

from stocktake.cli import main

if __name__ == "__main__":
    main()
