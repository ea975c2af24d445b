"""The message catalogs keep up with the code.

Every message the code marks for translation (``t._``, ``t.gettext``,
``t.ngettext``, ``t.pgettext``, ``N_`` ... in bot/, conversations/, core/) is
extracted from the source *now* and looked up in ``locales/<lang>/LC_MESSAGES/messages.po``.
When a test here fails after you added or changed a text:

    scripts/update-catalogs          # extract, merge into en/ru/es catalogs
    # translate the new empty or "#, fuzzy" entries in the ru and es catalogs
    # (and delete the fuzzy flag); English entries may stay empty
"""

from __future__ import annotations

import re
import string
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from conversations.i18n import SUPPORTED_LOCALES, load_translations

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
SOURCE_DIRS = ("bot", "conversations", "core")
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != "en"]
PLURAL_FORMS = {
    "en": (2, "(n != 1)"),
    "es": (2, "(n != 1)"),
    "ru": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
}
FIX = (
    "Fix: run scripts/update-catalogs, then translate the empty and '#, fuzzy' entries in "
    "locales/{locale}/LC_MESSAGES/messages.po (and remove their fuzzy flag)."
)
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")

Key = tuple[str, str | None]  # (msgid, context)


def _source_messages() -> dict[Key, tuple[str | tuple[str, ...], str]]:
    """(msgid, context) -> (message as extracted, "file:line") for every marked string."""
    found: dict[Key, tuple[str | tuple[str, ...], str]] = {}
    for directory in SOURCE_DIRS:
        for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT / directory, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault((msgid, context), (message, f"{directory}/{filename}:{lineno}"))
    return found


SOURCE = _source_messages()


def _catalog(locale: str) -> Catalog:
    path = LOCALES / locale / "LC_MESSAGES" / "messages.po"
    assert path.is_file(), f"{path} is missing. " + FIX.format(locale=locale)
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def _entries(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def _forms(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _placeholders(text: str) -> set[str]:
    """The str.format field names in ``text`` ({date}, {n}); ValueError if malformed."""
    names = set()
    for _literal, field, spec, _conversion in string.Formatter().parse(text):
        if field is not None:
            names.add(field)
            names |= _placeholders(spec or "")
    return names


def _show(msgid: str) -> str:
    return repr(msgid if len(msgid) <= 70 else msgid[:67] + "...")


def test_the_source_has_messages_to_check() -> None:
    assert SOURCE, "no translatable strings extracted: is the extraction set up right?"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_header(locale: str) -> None:
    catalog = _catalog(locale)
    assert str(catalog.locale) == locale, f"{locale} catalog says Language: {catalog.locale}"
    nplurals, expr = PLURAL_FORMS[locale]
    assert catalog.num_plurals == nplurals
    assert catalog.plural_expr.replace(" ", "") == expr.replace(" ", ""), catalog.plural_forms


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_message_in_the_code_is_in_the_catalog(locale: str) -> None:
    catalog = _catalog(locale)
    missing = [
        f"  {_show(msgid)}{f' (context {context!r})' if context else ''} from {where}"
        for (msgid, context), (_message, where) in SOURCE.items()
        if catalog.get(msgid, context) is None
    ]
    assert not missing, (
        f"{len(missing)} message(s) missing in locales/{locale}/LC_MESSAGES/messages.po:\n"
        + "\n".join(missing) + "\n" + FIX.format(locale=locale)
    )


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_plural_messages_are_plural_in_the_catalog(locale: str) -> None:
    catalog = _catalog(locale)
    wrong = []
    for (msgid, context), (message, where) in SOURCE.items():
        entry = catalog.get(msgid, context)
        if entry is not None and isinstance(message, tuple) != entry.pluralizable:
            kind = "ngettext" if isinstance(message, tuple) else "gettext"
            wrong.append(f"  {_show(msgid)} ({kind} at {where})")
    assert not wrong, (
        f"singular/plural differs between the code and the {locale} catalog:\n"
        + "\n".join(wrong) + "\n" + FIX.format(locale=locale)
    )


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_plural_entries_have_every_form(locale: str) -> None:
    catalog = _catalog(locale)
    wrong = [
        f"  {_show(m.id[0])}: {len(_forms(m))} form(s)"
        for m in _entries(catalog)
        if m.pluralizable and len(_forms(m)) != catalog.num_plurals
    ]
    assert not wrong, (
        f"{locale} plural entries need {catalog.num_plurals} msgstr[i] forms:\n" + "\n".join(wrong)
    )


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated(locale: str) -> None:
    catalog = _catalog(locale)
    untranslated = []
    for msgid, context in SOURCE:
        entry = catalog.get(msgid, context)
        if entry is None:
            continue  # reported by test_every_message_in_the_code_is_in_the_catalog
        if entry.fuzzy:
            untranslated.append(f"  {_show(msgid)}: marked fuzzy (check it, remove the flag)")
        elif not all(form.strip() for form in _forms(entry)):
            untranslated.append(f"  {_show(msgid)}: empty translation")
    assert not untranslated, (
        f"{len(untranslated)} message(s) not translated in locales/{locale}/LC_MESSAGES/"
        "messages.po:\n" + "\n".join(untranslated) + "\n" + FIX.format(locale=locale)
    )


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_translations_keep_the_placeholders(locale: str) -> None:
    """``.format(name=...)`` must find every {name} and nothing else, in every form."""
    wrong = []
    for m in _entries(_catalog(locale)):
        expected = set().union(*(_placeholders(i) for i in _ids(m)))
        for index, form in enumerate(_forms(m)):
            if not form:
                continue
            try:
                found = _placeholders(form)
            except ValueError as exc:
                wrong.append(f"  {_show(_ids(m)[0])} form {index}: malformed braces ({exc})")
                continue
            if found != expected:
                wrong.append(
                    f"  {_show(_ids(m)[0])} form {index}: has {sorted(found)}, "
                    f"needs {sorted(expected)}"
                )
    assert not wrong, (
        f"placeholders differ from the msgid in locales/{locale}/LC_MESSAGES/messages.po "
        "(write {name} exactly as in the msgid; literal braces as {{ }}):\n" + "\n".join(wrong)
    )


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_translations_keep_the_html_tags(locale: str) -> None:
    """Messages go out as Telegram HTML: a lost or extra tag makes sending fail."""
    wrong = []
    for m in _entries(_catalog(locale)):
        expected = Counter(HTML_TAG.findall(_ids(m)[-1]))
        for index, form in enumerate(_forms(m)):
            if form and Counter(HTML_TAG.findall(form)) != expected:
                wrong.append(f"  {_show(_ids(m)[0])} form {index}: {HTML_TAG.findall(form)}")
    assert not wrong, (
        f"HTML tags differ from the msgid in locales/{locale}/LC_MESSAGES/messages.po:\n"
        + "\n".join(wrong)
    )


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_compiled_catalog_serves_the_translations(locale: str) -> None:
    """What the bot loads (compiled in memory) says what the .po file says."""
    translations = load_translations(locale, LOCALES)
    for m in _entries(_catalog(locale)):
        if m.context or m.fuzzy:
            continue
        if m.pluralizable:
            singular, plural = m.id[0], m.id[1]
            got = translations.ngettext(singular, plural, 1)
            assert got == (m.string[0] or singular)
        else:
            assert translations.gettext(m.id) == (m.string or m.id)


def test_fuzzy_and_empty_entries_fall_back_to_english(tmp_path: Path) -> None:
    directory = tmp_path / "es" / "LC_MESSAGES"
    directory.mkdir(parents=True)
    (directory / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
        '"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Back"\nmsgstr "Atrás"\n\n'
        '#, fuzzy\nmsgid "Next"\nmsgstr "Anterior"\n\n'
        'msgid "Later"\nmsgstr ""\n',
        encoding="utf-8",
    )
    translations = load_translations("es", tmp_path)
    assert translations.gettext("Back") == "Atrás"
    assert translations.gettext("Next") == "Next"
    assert translations.gettext("Later") == "Later"
    assert load_translations("ru", tmp_path).gettext("Back") == "Back"  # no catalog at all


def test_a_compiled_mo_as_the_image_ships_it_is_used_and_a_stale_one_is_not(tmp_path: Path) -> None:
    """The Docker image compiles catalogs at build (pybabel compile); a newer .po wins."""
    import os
    import subprocess
    import sys

    directory = tmp_path / "es" / "LC_MESSAGES"
    directory.mkdir(parents=True)
    header = ('msgid ""\nmsgstr ""\n"Language: es\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
              '"Content-Type: text/plain; charset=utf-8\\n"\n\n')
    po = directory / "messages.po"
    po.write_text(header + 'msgid "Back"\nmsgstr "Atrás"\n', encoding="utf-8")
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(tmp_path),
                    "-D", "messages"], check=True, capture_output=True)
    po.write_text(header + 'msgid "Back"\nmsgstr "Volver"\n', encoding="utf-8")
    mo = directory / "messages.mo"
    os.utime(po, (1_000_000_000, 1_000_000_000))  # the .po is older: the .mo is used
    assert load_translations("es", tmp_path).gettext("Back") == "Atrás"
    os.utime(po, (4_000_000_000, 4_000_000_000))  # the .po changed since: it wins
    assert load_translations("es", tmp_path).gettext("Back") == "Volver"
    assert mo.is_file()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_catalog_parses_strictly(locale: str) -> None:
    """A hand-merged catalog can lose an entry's msgstr lines; Babel then only prints a
    warning (to stdout, into the command line's JSON) and the message falls back to
    English. Strict parsing turns that into a failure here."""
    from babel.messages.pofile import PoFileError

    path = LOCALES / locale / "LC_MESSAGES" / "messages.po"
    try:
        with path.open("rb") as handle:
            read_po(handle, abort_invalid=True)
    except PoFileError as error:
        pytest.fail(f"{path.relative_to(ROOT)}: {error}")
