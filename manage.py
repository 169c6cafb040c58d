#!/usr/bin/env python
import os
import sys

from core.startup import start_loading


def main():
    # Collection resumes once the apps are loaded (core.startup).
    start_loading()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config.command_apps import command_started
    from config.env import read_settings_or_exit

    command_started(sys.argv)
    read_settings_or_exit()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
