"""The on-disk cache of harmonised tables: each built once, reused while its inputs are unchanged.

Reading and harmonising the MPS files, the IMD workbooks and the lookups takes most of a
pack's build, and every notebook runs in its own kernel. So each table the pack's data
(:class:`~scpb_analysis.pack.data.PackData`) makes is written here once and read back by the
other notebooks and by later builds.

A cached table is used only if everything that made it is unchanged: its kind and
parameters, the bytes of every file in the data folder (SHA-256) and the bytes of the package
itself (code and reference tables), so a new publication, an edited lookup or a new version of
the toolkit rebuilds it. Warnings raised while a table was made are stored with it and raised
again each time it is used, so a reader's page says the same thing on a warm build as on a
cold one. Two notebooks asking for the same table at once take turns (a lock file): the second
reads what the first wrote.

Partnership exports are never cached: they may hold personal data, and they load quickly.
The folder is ``$SCPB_CACHE_DIR`` if set (``off`` turns caching off), else
``$XDG_CACHE_HOME/scpb_analysis`` or ``~/.cache/scpb_analysis``; it is never inside the data
folder (where a loader could mistake a cached table for a source) or the pack.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import pickle
import warnings
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from scpb_analysis.sources.fetch import hash_file

__all__ = ["CACHE_ENV", "TableCache", "default_cache_dir"]

#: Environment variable naming the cache folder; ``off`` (or empty) turns caching off.
CACHE_ENV = "SCPB_CACHE_DIR"
# Bump when the stored form changes, so old entries are not misread.
_FORMAT = 2


def default_cache_dir() -> Path | None:
    """The cache folder: ``$SCPB_CACHE_DIR``, else the user's cache folder; None if turned off.

    Examples
    --------
    >>> import os
    >>> os.environ["SCPB_CACHE_DIR"] = "off"
    >>> default_cache_dir() is None
    True
    >>> del os.environ["SCPB_CACHE_DIR"]
    """
    given = os.environ.get(CACHE_ENV)
    if given is not None:
        return None if given.strip().lower() in ("", "off", "0", "no") else Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "scpb_analysis"


@cache
def _package_fingerprint() -> str:
    """SHA-256 over the package's own files: code and reference tables change results."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".csv", ".toml", ".md"):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()



# ---------------------------------------------------------------------------
# Storing tables compactly and exactly
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class _StoredFrame:
    frame: pd.DataFrame
    dtypes: dict[str, Any]


def _compact(frame: pd.DataFrame) -> _StoredFrame:
    """Repeated text as categories (a 1.7-million-row MPS table pickles 10x smaller)."""
    dtypes = dict(frame.dtypes)
    columns = {}
    for name, column in frame.items():
        # Only text columns without missing values: a category would merge None and NaN.
        if (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)) and (
                len(column) > 1000 and not column.isna().any()
                and pd.api.types.infer_dtype(column, skipna=False) == "string"):
            columns[name] = column.astype("category")
    if not columns or not frame.columns.is_unique:
        return _StoredFrame(frame, {})
    stored = frame.assign(**columns)
    stored.attrs = dict(frame.attrs)
    return _StoredFrame(stored, {k: v for k, v in dtypes.items() if k in columns})


def _restore(stored: _StoredFrame) -> pd.DataFrame:
    if not stored.dtypes:
        return stored.frame
    # Taking from the categories is several times faster than astype for pandas' string
    # columns; the columns hold no missing values (see _compact), so every code is valid.
    columns = {}
    for name, dtype in stored.dtypes.items():
        column = stored.frame[name]
        values = column.cat.categories.astype(dtype).array.take(column.cat.codes.to_numpy())
        columns[name] = pd.Series(values, index=stored.frame.index, dtype=dtype, copy=False)
    frame = stored.frame.assign(**columns)
    frame.attrs = dict(stored.frame.attrs)
    return frame


@dataclasses.dataclass
class _StoredDataclass:
    kind: type
    fields: dict[str, Any]


def _pack(value: Any) -> Any:
    if isinstance(value, pd.DataFrame) and type(value) is pd.DataFrame:
        return _compact(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _StoredDataclass(type(value), {f.name: _pack(getattr(value, f.name))
                                              for f in dataclasses.fields(value)})
    return value


def _unpack(value: Any) -> Any:
    if isinstance(value, _StoredFrame):
        return _restore(value)
    if isinstance(value, _StoredDataclass):
        # Fields set as they were, without __init__: a load's own checks ran when it was made.
        made = object.__new__(value.kind)
        for name, field_value in value.fields.items():
            object.__setattr__(made, name, _unpack(field_value))
        return made
    return value


# ---------------------------------------------------------------------------
# The cache
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class _Warned:
    category: type[Warning]
    message: str
    filename: str
    lineno: int


def _replay(warned: list[_Warned]) -> None:
    for w in warned:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                               module=Path(w.filename).stem)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no lock; two notebooks may both build a table.
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class TableCache:
    """Tables made from one data folder, kept in ``folder`` keyed by everything that made them.

    Parameters
    ----------
    data_root : path
        The data folder whose files every table is made from.
    folder : path or None
        Where entries are kept; None makes every table afresh (nothing written).

    Examples
    --------
    >>> import tempfile
    >>> data = Path(tempfile.mkdtemp()); _ = (data / "counts.csv").write_text("a\\n1\\n")
    >>> store = TableCache(data, Path(tempfile.mkdtemp()))
    >>> made = []
    >>> def make():
    ...     made.append(1)
    ...     return pd.DataFrame({"a": [1]})
    >>> store.get("counts", {"area": "Barnet"}, make)["a"].tolist()
    [1]
    >>> store.get("counts", {"area": "Barnet"}, make)["a"].tolist(), len(made)
    ([1], 1)
    """

    def __init__(self, data_root: str | Path, folder: str | Path | None) -> None:
        self.data_root = Path(data_root)
        self.folder = None if folder is None else Path(folder)
        self.hits: list[str] = []
        self.misses: list[str] = []
        self._inputs: str | None = None

    def inputs_fingerprint(self) -> str:
        """SHA-256 over the data folder's files (relative path and bytes), hashed once."""
        if self._inputs is None:
            digest = hashlib.sha256()
            known = self._known_hashes()
            for path in sorted(p for p in self.data_root.rglob("*") if p.is_file()):
                stat = path.stat()
                key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
                if key not in known:
                    known[key] = hash_file(path)[0]
                digest.update(str(path.relative_to(self.data_root)).encode())
                digest.update(known[key].encode())
            self._save_hashes(known)
            self._inputs = digest.hexdigest()
        return self._inputs

    def _hashes_path(self) -> Path | None:
        return None if self.folder is None else self.folder / "file_hashes.json"

    def _known_hashes(self) -> dict[str, str]:
        path = self._hashes_path()
        if path is None or not path.is_file():
            return {}
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def _save_hashes(self, known: dict[str, str]) -> None:
        path = self._hashes_path()
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)

    def get(self, kind: str, params: dict[str, Any], make: Callable[[], Any]) -> Any:
        """The table ``make()`` returns, from the cache if it was made from the same inputs.

        Warnings ``make()`` raised are raised again every time the table is returned.
        """
        if self.folder is None:
            self.misses.append(kind)
            return make()
        text = json.dumps(params, sort_keys=True, default=str)
        what = hashlib.sha256(f"{kind}|{text}".encode()).hexdigest()[:16]
        key = hashlib.sha256(f"{_FORMAT}|{_package_fingerprint()}|{self.inputs_fingerprint()}"
                             f"|{what}".encode()).hexdigest()[:24]
        self.folder.mkdir(parents=True, exist_ok=True)
        entry = self.folder / f"{kind}-{what}-{key}.pkl"
        with _locked(self.folder / f"{kind}-{what}.lock"):
            if entry.is_file():
                try:
                    with open(entry, "rb") as handle:
                        stored, warned = pickle.load(handle)
                except (OSError, EOFError, pickle.UnpicklingError, AttributeError,
                        ImportError, ValueError):
                    # A damaged entry, or one written by other code, is rebuilt, not trusted.
                    entry.unlink(missing_ok=True)
                else:
                    self.hits.append(kind)
                    _replay(warned)
                    return _unpack(stored)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = make()
            warned = [_Warned(w.category, str(w.message), w.filename, w.lineno)
                      for w in caught]
            temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
            with open(temporary, "wb") as handle:
                pickle.dump((_pack(value), warned), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, entry)
            # Older entries of the same table (made from inputs since replaced) are dead weight.
            for old in self.folder.glob(f"{kind}-{what}-*.pkl"):
                if old != entry:
                    old.unlink(missing_ok=True)
            self.misses.append(kind)
        _replay(warned)
        return value
