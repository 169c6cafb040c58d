"""A process's start: what it loads lives as long as the process does.

Loading Django and Canvass makes ~100,000 objects the garbage collector tracks
(modules, classes, models, settings; ~170,000 in a web worker), and none of them is
ever garbage. Walking them frees nothing and costs twice in a short command:
- while they are made: ~140 collections, ≈40 ms;
- at exit: the interpreter's last collections walk every object not frozen, ≈90 ms.
So `manage.py` (and config/wsgi.py) pause collection while they load, and `core`'s
ready(), once every app's models are loaded, calls `loaded()`: a 10k
`manage.py import_contacts` went from 0.40-0.63 s to 0.32-0.36 s (`make bench`, three
runs each, issue 15). Nothing else disables collection: ready() turns it on again in
every process, so every process installs `core` (a lean command too,
config.command_apps). A web worker calls `loaded()` again after its views, so a full
collection under load walks only what requests make (48 ms with everything in sight,
6-8 ms after).
"""

import gc


def start_loading() -> None:
    """Pause collection while the process loads what it keeps for its whole life."""
    gc.disable()


def loaded() -> None:
    """Keep what is loaded so far out of the collector's sight, and collect again."""
    gc.freeze()
    gc.enable()
