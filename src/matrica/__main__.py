"""The `matrica` command: Django's manage.py under the project's own name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matrica.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0] if sys.argv else "matrica", *sys.argv[1:]])


if __name__ == "__main__":
    main()
