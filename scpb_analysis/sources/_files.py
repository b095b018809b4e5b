"""What every CSV loader needs: finding the files, and refusing or decoding their bytes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from scpb_analysis.errors import InputDataError

BINARY_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook or zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel (.xls) workbook"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
)


def find_csv_files(paths: str | Path | Iterable[str | Path],
                   expected: str) -> tuple[list[Path], list[str]]:
    """CSV files named or found (recursively) in folders, and the other files seen there.

    ``expected`` describes the files wanted, for the error when a folder has none.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    ignored: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file())
            csvs = [p for p in found if p.suffix.lower() == ".csv"]
            ignored += [str(p) for p in found if p.suffix.lower() != ".csv"]
            if not csvs:
                raise InputDataError(path, "is a folder with no CSV files in it",
                                     expected=expected)
            files += csvs
        elif path.is_file():
            files.append(path)
        else:
            raise InputDataError(path, "does not exist", expected="a CSV file or a folder of them")
    return list(dict.fromkeys(p.resolve() for p in files)), ignored


def decode_text(path: Path, raw: bytes, *, not_csv: str, plain: str) -> tuple[str, str]:
    """The file's text and encoding (UTF-8 with or without BOM, else Windows-1252).

    Spreadsheets, archives and other binary files are refused: ``not_csv`` says what was
    expected instead of a recognised binary format, ``plain`` instead of other binary data.
    """
    for signature, what in BINARY_SIGNATURES:
        if raw.startswith(signature):
            raise InputDataError(path, f"is not a CSV file (it looks like {what})",
                                 expected=not_csv)
    if b"\x00" in raw[:4096]:
        raise InputDataError(path, "is not a CSV file (it contains binary data)", expected=plain)
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise InputDataError(
            path,
            f"cannot be decoded (byte {exc.start})",
            expected="text encoded as UTF-8 (with or without BOM) or Windows-1252",
        ) from None
