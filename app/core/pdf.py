"""A minimal, valid one-page PDF writer, for demo attachments and tests (no dependency).

The built-in PDF fonts cannot show Vietnamese marks, so the text is folded to plain letters;
the real documents a ward uploads are its own scanned or exported PDFs."""

from __future__ import annotations

from app.core.text import fold


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def simple_pdf(title: str, lines: list[str]) -> bytes:
    text_lines = [fold(title).upper(), ""] + [fold(x) for x in lines]
    ops = ["BT", "/F1 12 Tf", "14 TL", "50 790 Td"]
    for line in text_lines:
        for chunk in [line[i:i + 90] for i in range(0, max(len(line), 1), 90)]:
            ops.append(f"({_escape(chunk.encode('ascii', 'replace').decode())}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
