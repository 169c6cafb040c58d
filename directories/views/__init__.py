"""Directories views, split by screen family; urls.py uses them from here."""

from directories.views.imports import (  # noqa: F401
    import_confirm,
    import_counts,
    import_detail,
    import_rejections,
    sample_template,
    upload,
)
from directories.views.lists import (  # noqa: F401
    contact_delete,
    contact_edit,
    index,
    list_create,
    list_delete,
    list_detail,
    list_export,
    list_index,
    list_rename,
    manual_input,
    suppression_index,
    suppression_remove,
)
