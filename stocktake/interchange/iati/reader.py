"""Streaming reader of IATI activity files, versions 2.01 to 2.03, safe on hostile input.

`read_activities` yields one `ActivityRecord` per <iati-activity> while parsing, and frees each
activity's elements once read, so memory stays flat however large the file.

Problems with the whole file raise `IatiFileError` (its message names the line): an empty file,
bytes that are not XML or do not match their encoding, malformed XML, a root other than
<iati-activities>, a version other than 2.01 to 2.03, and any <!DOCTYPE> (the way in for entity
expansion "billion laughs" and external-entity attacks). Entities are never expanded and nothing is
fetched from the network in any case. Malformed XML found mid-file is raised after every activity
before it has been yielded.

Problems inside one activity are passed to `on_error` as `ReadError` and never raised; which ones
skip the activity and which only leave out the faulty part is described in `activity`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext as _
from lxml import etree

from stocktake.interchange.iati.activity import ErrorHandler, read_activity
from stocktake.interchange.iati.records import ActivityRecord, FileInfo, ReadError
from stocktake.interchange.iati.values import XML_LANG

__all__ = ["IatiFileError", "ReadError", "inspect", "read_activities"]

logger = logging.getLogger(__name__)

ROOT = "iati-activities"
ACTIVITY = "iati-activity"
ORGANISATIONS_ROOT = "iati-organisations"
SUPPORTED_VERSIONS = ("2.01", "2.02", "2.03")

# The prolog (declaration, comments, DOCTYPE) is looked at in the first bytes; the parser checks again.
PEEK_BYTES = 64 * 1024
CHUNK_BYTES = 64 * 1024
PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    # Whitespace between elements is not data, and IATI has no xml:id: both only cost time.
    "remove_blank_text": True,
    "collect_ids": False,
}

Source = str | Path | BinaryIO


class IatiFileError(Exception):
    """The file as a whole cannot be read; message says why in plain words and names the line.

    detail is the message without its line, for callers that show the line apart.
    """

    def __init__(self, message: str, line: int | None = None, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.detail = message if detail is None else detail


def _file_error(text: str, line: int | None) -> IatiFileError:
    if not line:
        return IatiFileError(text, line)
    return IatiFileError(_("line %(line)s: %(message)s") % {"line": line, "message": text}, line, detail=text)


# ---------------------------------------------------------------------------------------------
# Opening and parsing


@contextmanager
def _opened(source: Source) -> Iterator[BinaryIO]:
    if isinstance(source, str | Path):
        with Path(source).open("rb") as stream:
            yield stream
    else:
        yield source


_PROLOG_SKIPS = ((b"<?", b"?>"), (b"<!--", b"-->"))


def _refuse_doctype_in(head: bytes) -> None:
    """Refuses a <!DOCTYPE> before the root element, judged from the file's first bytes."""
    # NUL bytes dropped so UTF-16 and UTF-32 files read as ASCII here; the BOM is skipped.
    text = head.replace(b"\x00", b"").removeprefix(b"\xef\xbb\xbf").lstrip(b"\xff\xfe")
    position, length = 0, len(text)
    while position < length:
        while position < length and text[position] in b" \t\r\n":
            position += 1
        for opening, closing in _PROLOG_SKIPS:
            if text.startswith(opening, position):
                end = text.find(closing, position + len(opening))
                if end < 0:
                    return  # the prolog runs past the peek: the parser's check decides
                position = end + len(closing)
                break
        else:
            if text[position : position + 9].lower() == b"<!doctype":
                raise _doctype_error(text.count(b"\n", 0, position) + 1)
            return


def _doctype_error(line: int | None) -> IatiFileError:
    return _file_error(
        _(
            "the file contains a <!DOCTYPE> declaration: document type and entity declarations are not "
            "allowed in IATI files, so the file was refused"
        ),
        line,
    )


_LXML_POSITION = re.compile(r",? line \d+, column \d+\s*$")


def _syntax_error(error: etree.XMLSyntaxError, *, at_end: bool, last: Any) -> IatiFileError:
    """The parser's complaint in plain words, with the line; `last` is the last element seen, if any."""
    line = error.lineno or None
    detail = _LXML_POSITION.sub("", str(error.msg or error)).strip()
    lowered = detail.lower()
    # Each message ends with the parser's own words (`detail`, in English: libxml2 has no translations).
    if "document is empty" in lowered or "start tag expected" in lowered:
        text = _("the file is not XML (it does not start with an XML element): %(detail)s")
    elif "invalid char value" in lowered or "invalid xmlchar value" in lowered:
        text = _("the file contains a character XML does not allow (a control character): %(detail)s")
    elif "encoding" in lowered:
        text = _(
            "the file's bytes do not match its character encoding (save it as UTF-8, or declare the "
            "encoding it uses in the <?xml ...?> declaration): %(detail)s"
        )
    elif line is None and last is not None:
        # libxml2 stops without saying where on an undefined entity (&nbsp; in a description, say)
        # when entities are not resolved: the last element it built is where it stopped.
        element = last.getroottree().getroot()
        while len(element):
            element = element[-1]
        line = element.sourceline
        text = _(
            "the XML is malformed here (perhaps an entity such as &nbsp; that XML does not define): "
            "%(detail)s"
        )
    elif at_end:
        text = _("the file ends before its XML is complete (it may have been cut off): %(detail)s")
    else:
        text = _("the XML is malformed: %(detail)s")
    return _file_error(text % {"detail": detail}, line)


def _events(stream: BinaryIO, tags: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """The parser's start and end events for `tags`, then ("close", root element).

    Events found before a syntax error are delivered before the error is raised.
    """
    head = stream.read(PEEK_BYTES)
    if not isinstance(head, bytes):
        raise TypeError("read_activities needs a file opened in binary mode")
    if not head:
        raise IatiFileError(_("the file is empty (0 bytes)"), None)
    _refuse_doctype_in(head)
    parser = etree.XMLPullParser(events=("start", "end"), tag=tags, **PARSER_OPTIONS)
    last: Any = None
    chunk = head
    while True:
        try:
            if chunk:
                parser.feed(chunk)
            else:
                root = parser.close()
        except etree.XMLSyntaxError as error:
            for event in parser.read_events():
                yield event
                last = event[1]
            raise _syntax_error(error, at_end=not chunk, last=last) from None
        for event in parser.read_events():
            yield event
            last = event[1]
        if not chunk:
            break
        chunk = stream.read(CHUNK_BYTES)
    yield "close", root


def _check_file(root: Any, *, activity_file: bool) -> None:
    """Refuses a DOCTYPE (seen by the parser) and, for reading activities, the wrong root or version."""
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.system_url or docinfo.public_id:
        raise _doctype_error(None)
    if not activity_file:
        return
    line = root.sourceline
    if root.tag == ORGANISATIONS_ROOT:
        raise _file_error(
            _(
                "this is an IATI organisation file (<iati-organisations>), not an activity file "
                "(<iati-activities>): organisation files cannot be imported here"
            ),
            line,
        )
    if root.tag != ROOT:
        raise _file_error(
            _("the file starts with <%(tag)s>, expected <iati-activities>: this is not an IATI activity file")
            % {"tag": root.tag},
            line,
        )
    version = (root.get("version") or "").strip()
    if version in SUPPORTED_VERSIONS:
        return
    if not version:
        raise _file_error(
            _(
                "the file does not say its IATI version (no version attribute on <iati-activities>), so "
                "it is taken to be from before version 2: such files are not supported: convert them to "
                "2.03 first"
            ),
            line,
        )
    if version.startswith(("0", "1")):
        raise _file_error(
            _("IATI version %(version)s files are not supported: convert them to 2.03 first")
            % {"version": version},
            line,
        )
    raise _file_error(
        _("IATI version %(version)s files are not supported: this reader handles versions 2.01 to 2.03")
        % {"version": version},
        line,
    )


# ---------------------------------------------------------------------------------------------
# Public functions


def inspect(source: Source) -> FileInfo:
    """What the file says about itself on its root element; reads no further than that.

    Raises IatiFileError for an empty file, bytes that are not XML and a DOCTYPE, but not for a
    wrong root or version: those are reported in the answer. A stream is left part-read.
    """
    with _opened(source) as stream:
        for event, element in _events(stream, ()):
            root = element if event == "close" else element.getroottree().getroot()
            _check_file(root, activity_file=False)
            attributes = dict(root.attrib)
            return FileInfo(
                root=root.tag,
                version=attributes.get("version"),
                generated_datetime=attributes.get("generated-datetime"),
                default_language=attributes.get(XML_LANG),
                attributes=attributes,
            )
    raise IatiFileError(_("the file has no root element"))  # pragma: no cover - close always comes


def read_activities(source: Source, *, on_error: ErrorHandler | None = None) -> Iterator[ActivityRecord]:
    """Yields each <iati-activity> of an IATI 2.01-2.03 file as an ActivityRecord, in file order.

    source is a path or a file opened in binary mode. Whole-file problems raise IatiFileError (see
    the module's docstring); problems inside an activity go to on_error (logged as warnings when
    it is None) and skip the activity or only the faulty part.
    """
    report = on_error or _log_read_error
    with _opened(source) as stream:
        root: Any = None
        file_language = ""
        for event, element in _events(stream, (ROOT, ORGANISATIONS_ROOT, ACTIVITY)):
            if root is None:
                root = element if event == "close" else element.getroottree().getroot()
                _check_file(root, activity_file=True)
                file_language = root.get(XML_LANG) or ""
            if event != "end" or element.getparent() is not root:
                continue  # starts, the root's end and (invalid) activities nested deeper
            record = read_activity(element, file_language, report)
            element.clear()
            while element.getprevious() is not None:
                del root[0]
            if record is not None:
                yield record


def _log_read_error(error: ReadError) -> None:
    logger.warning(
        "IATI activity %s, line %s, %s: %s", error.identifier, error.line, error.field, error.message
    )
