"""Owner pages' words go through gettext: a catalogue added under LOCALE_PATHS
translates them for an owner who chose its locale, without code changes."""

import struct

import pytest
from django.urls import reverse

from accounts.models import Profile

pytestmark = pytest.mark.django_db

GERMAN = {
    # Literal text with markup: the msgid keeps its entity, as blocktranslate does.
    "Segments &amp; lists": "Segmente &amp; Listen",
    "Create a list": "Liste anlegen",
    "Surveys": "Umfragen",
}


def write_mo(path, catalogue: dict[str, str]) -> None:
    """Write a GNU .mo file (what compilemessages makes) for msgid → msgstr."""
    entries = sorted(
        {"": "Content-Type: text/plain; charset=UTF-8\n", **catalogue}.items()
    )
    ids = [k.encode() for k, _ in entries]
    strs = [v.encode() for _, v in entries]
    header_size = 7 * 4
    table_size = len(entries) * 8
    offset = header_size + 2 * table_size
    id_table, str_table, data = [], [], b""
    for blob_list, table in ((ids, id_table), (strs, str_table)):
        for blob in blob_list:
            table.append((len(blob), offset + len(data)))
            data += blob + b"\0"
    out = struct.pack(
        "<7I", 0x950412DE, 0, len(entries), header_size, header_size + table_size, 0, 0
    )
    for length, start in id_table + str_table:
        out += struct.pack("<2I", length, start)
    path.parent.mkdir(parents=True)
    path.write_bytes(out + data)


def test_an_added_catalogue_translates_the_owner_s_pages(
    owner_client, owner, settings, tmp_path
):
    write_mo(tmp_path / "de" / "LC_MESSAGES" / "django.mo", GERMAN)
    settings.LOCALE_PATHS = [tmp_path]
    url = reverse("directories:lists")

    english = owner_client.get(url).content.decode()
    assert "Segments &amp; lists" in english and "Umfragen" not in english

    Profile.objects.update_or_create(user=owner, defaults={"locale": "de"})
    german = owner_client.get(url).content.decode()
    assert "Segmente &amp; Listen" in german
    assert "Liste anlegen" in german
    assert ">Umfragen</a>" in german
