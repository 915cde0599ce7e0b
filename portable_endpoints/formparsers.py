"""Form bodies (urlencoded and multipart) parsed once, in the core, with python-multipart.

Every host feeds the same parser from its own body stream, so forms, limits and errors are the
same everywhere. A malformed form raises ``HTTPException(400)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import python_multipart
from python_multipart.multipart import MultipartParser, parse_options_header

from portable_endpoints.datastructures import FormData, Headers, UploadFile
from portable_endpoints.exceptions import HTTPException


def _bad_form(detail: str) -> HTTPException:
    return HTTPException(400, f"Malformed form body: {detail}")


async def parse_form(
    headers: Headers, stream: AsyncIterator[bytes], *, max_files: int, max_fields: int, max_part_size: int
) -> FormData:
    content_type, params = parse_options_header(headers.get("content-type", ""))
    if content_type == b"application/x-www-form-urlencoded":
        body = b"".join([chunk async for chunk in stream])
        try:
            fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError as exc:
            raise _bad_form("not valid UTF-8") from exc
        if len(fields) > max_fields:
            raise _bad_form(f"more than {max_fields} fields")
        return FormData(fields)
    if content_type == b"multipart/form-data":
        boundary = params.get(b"boundary")
        if not boundary:
            raise _bad_form("multipart/form-data without a boundary")
        return await _parse_multipart(boundary, stream, max_files, max_fields, max_part_size)
    return FormData()


class _MultipartState:
    def __init__(self, max_files: int, max_fields: int, max_part_size: int) -> None:
        self.limits = (max_files, max_fields, max_part_size)
        self.items: list[tuple[str, UploadFile | str]] = []
        self.pending: list[tuple[UploadFile, bytes]] = []
        self.header_field = b""
        self.header_value = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.name = ""
        self.file: UploadFile | None = None
        self.data = bytearray()
        self.files = self.fields = 0
        #: the closing boundary was seen: a body without it is truncated, hence malformed
        self.ended = False

    def on_end(self) -> None:
        self.ended = True

    def on_part_begin(self) -> None:
        self.headers, self.data, self.file = [], bytearray(), None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.file is None:
            self.data += chunk
            if len(self.data) > self.limits[2]:
                raise _bad_form(f"part exceeded the maximum size of {self.limits[2] // 1024}KB")
        else:
            self.pending.append((self.file, chunk))

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers.append((self.header_field.lower(), self.header_value))
        self.header_field = self.header_value = b""

    def on_headers_finished(self) -> None:
        disposition = dict(self.headers).get(b"content-disposition")
        if disposition is None:
            raise _bad_form("a part has no Content-Disposition header")
        _, options = parse_options_header(disposition)
        try:
            self.name = options[b"name"].decode("latin-1")
        except KeyError:
            raise _bad_form('a part\'s Content-Disposition has no "name"') from None
        if b"filename" in options:
            self.files += 1
            if self.files > self.limits[0]:
                raise _bad_form(f"too many files; the maximum is {self.limits[0]}")
            filename = options[b"filename"].decode("utf-8", "replace")
            self.file = UploadFile.spooled(filename, Headers(raw=self.headers))
        else:
            self.fields += 1
            if self.fields > self.limits[1]:
                raise _bad_form(f"too many fields; the maximum is {self.limits[1]}")

    def on_part_end(self) -> None:
        if self.file is None:
            try:
                self.items.append((self.name, self.data.decode("utf-8")))
            except UnicodeDecodeError:
                raise _bad_form(f"field {self.name!r} is not valid UTF-8") from None
        else:
            self.items.append((self.name, self.file))


async def _parse_multipart(
    boundary: bytes, stream: AsyncIterator[bytes], max_files: int, max_fields: int, max_part_size: int
) -> FormData:
    state = _MultipartState(max_files, max_fields, max_part_size)
    callbacks = {name: getattr(state, name) for name in dir(state) if name.startswith("on_")}
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in stream:
            try:
                parser.write(chunk)
            except python_multipart.exceptions.MultipartParseError as exc:
                raise _bad_form(str(exc)) from exc
            # Files are written outside the parser callbacks, as uploads may touch the disk.
            for upload, file_chunk in state.pending:
                await upload.write(file_chunk)
            state.pending.clear()
        parser.finalize()
        if not state.ended:
            raise _bad_form("the body ends before the closing boundary")
    except BaseException:
        for _, value in state.items:
            if isinstance(value, UploadFile):
                await value.close()
        raise
    for _, value in state.items:
        if isinstance(value, UploadFile):
            await value.seek(0)
    return FormData(state.items)
