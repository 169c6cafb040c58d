"""Serve Bootstrap from the installed xstatic-bootstrap package, never a CDN."""

import xstatic.pkg.bootstrap as bootstrap
from django.contrib.staticfiles.finders import BaseFinder
from django.contrib.staticfiles.utils import matches_patterns
from django.core.files.storage import FileSystemStorage

PREFIX = "vendor/bootstrap"


class XStaticFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        self.storage = FileSystemStorage(location=bootstrap.BASE_DIR)
        self.storage.prefix = PREFIX

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        find_all = kwargs.get("all", find_all)
        if not path.startswith(PREFIX + "/"):
            return [] if find_all else None
        relative = path[len(PREFIX) + 1 :]
        if self.storage.exists(relative):
            match = self.storage.path(relative)
            return [match] if find_all else match
        return [] if find_all else None

    def list(self, ignore_patterns):
        for directory in ("css", "js"):
            _, files = self.storage.listdir(directory)
            for name in files:
                relative = f"{directory}/{name}"
                if not matches_patterns(relative, ignore_patterns or []):
                    yield relative, self.storage
