"""Input file names a pack may print: a personal name or number in a file's name is withheld.

An analyst's export may be saved as ``referral_jane_doe.csv`` or ``log from 07700 900123.csv``.
The loaders name the files they read in their load reports, and the pack records its inputs in
``provenance.json``, so such a name would be published. :func:`publishable_inputs` finds every
file or folder under a data folder whose name holds personal data
(:func:`scpb_analysis.qa.disclosure.scan_file_name`) and, if there are any, builds a mirror of the
data folder in which each such name has its personal words replaced by ``withheld``. The pack
reads the mirror, so every page, table and provenance record names the masked file; the
original name is never printed.

The mirror links, rather than copies: its folders are real (so a search that does not follow
links finds what it would in the original), its files symbolic links to the originals, except
files whose name or folder is withheld, which are hard links (copies across file systems) so
that resolving them cannot reveal the original name.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PublishableInputs", "Withheld", "masked_name", "publishable_inputs"]

_SEPARATORS = re.compile(r"([_.\- ]+)")
WITHHELD = "withheld"


@dataclass(frozen=True)
class Withheld:
    """One input whose name was withheld.

    Attributes
    ----------
    shown : str
        Its path relative to the data folder, as the pack names it (personal words masked).
    kinds : tuple of str
        What the scan found in the original name (``"name"``, ``"phone"``...).
    """

    shown: str
    kinds: tuple[str, ...]


@dataclass
class PublishableInputs:
    """The data folder a pack reads, and the inputs whose names it withholds.

    Attributes
    ----------
    data_dir : Path
        The original folder when no name holds personal data, else the mirror.
    withheld : list of Withheld
        Every file or folder whose name was masked, sorted by ``shown``.
    """

    data_dir: Path
    withheld: list[Withheld] = field(default_factory=list)
    _mirror: Path | None = None

    def cleanup(self) -> None:
        """Remove the mirror (never the original data)."""
        if self._mirror is not None:
            shutil.rmtree(self._mirror, ignore_errors=True)
            self._mirror = None

    def __enter__(self) -> PublishableInputs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def _kinds(name: str) -> tuple[str, ...]:
    from scpb_analysis.qa.disclosure import scan_file_name

    return tuple(sorted({f.kind for f in scan_file_name(name)}))


def masked_name(name: str) -> str:
    """A file or folder name with the words that hold personal data replaced by ``withheld``.

    Words are the parts between ``_``, ``-``, ``.`` and spaces. Each word whose masking alone
    removes a find of the scan is masked, and after a forename or title the word that follows
    it (the surname); a name still flagged after that is withheld whole, keeping only its
    extension.

    Parameters
    ----------
    name : str
        One file or folder name (no folders).

    Returns
    -------
    str
        The name unchanged when the scan finds nothing in it.

    Examples
    --------
    >>> masked_name("cctv_log_07700_900123.csv")
    'cctv_log_withheld_withheld.csv'
    >>> masked_name("referral_jane_doe_2023.csv")
    'referral_withheld_withheld_2023.csv'
    >>> masked_name("cctv_incidents.csv")
    'cctv_incidents.csv'
    """
    if not _kinds(name):
        return name
    parts = _SEPARATORS.split(name)
    suffix = Path(name).suffix
    found = len(_kinds(name))
    # Every word that takes part in a find is masked: "07700" and "900123" each complete the
    # phone number, so each of them alone removes the find.
    words = [i for i in range(0, len(parts), 2)
             if parts[i] and "." + parts[i] != suffix
             and len(_kinds("".join(parts[:i] + [WITHHELD] + parts[i + 1:]))) < found]
    if "name" in _kinds(name):
        # A forename or title is the find; the surname after it is as personal.
        words += [i + 2 for i in words if i + 2 < len(parts) and parts[i + 2].isalpha()
                  and "." + parts[i + 2] != suffix]
    for i in words:
        parts[i] = WITHHELD
    masked = "".join(parts)
    return masked if not _kinds(masked) else f"{WITHHELD}{suffix}"


def _flagged(root: Path) -> dict[Path, str]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        for name in [*dirnames, *filenames]:
            shown = masked_name(name)
            if shown != name:
                found[Path(dirpath, name)] = shown
    return found


def _mirror(source: Path, target: Path, flagged: dict[Path, str], shown: dict[Path, Path],
            hidden_parent: bool = False) -> None:
    target.mkdir()
    for child in sorted(source.iterdir()):
        name = flagged.get(child, child.name)
        dest = target / name
        while dest.exists() or dest.is_symlink():
            dest = dest.with_name(f"{Path(name).stem}_{WITHHELD}{Path(name).suffix}")
        if child in flagged:
            shown[child] = dest
        hidden = hidden_parent or child in flagged
        if child.is_dir():
            # Real folders throughout: a search that does not follow links must find the same
            # files in the mirror as in the original.
            _mirror(child, dest, flagged, shown, hidden)
        elif hidden:
            # A symbolic link would name the original file (or its folder) to anything that
            # resolves it.
            try:
                os.link(child.resolve(), dest)
            except OSError:
                shutil.copy2(child, dest)
        else:
            dest.symlink_to(child.resolve())


def publishable_inputs(data_dir: str | Path) -> PublishableInputs:
    """The folder a pack should read so that no input's name publishes personal data.

    Parameters
    ----------
    data_dir : str or Path
        The analyst's data folder.

    Returns
    -------
    PublishableInputs
        ``data_dir`` itself when no name holds personal data; otherwise a mirror in a
        temporary folder (remove it with ``cleanup()`` or use the result as a context manager).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = Path(tmp, "partnership")
    ...     folder.mkdir()
    ...     _ = Path(folder, "cctv_from_07700_900123.csv").write_text("a,b\\n1,2\\n")
    ...     with publishable_inputs(tmp) as inputs:
    ...         print([w.shown for w in inputs.withheld], inputs.data_dir != Path(tmp))
    ...         print(sorted(p.name for p in (inputs.data_dir / "partnership").iterdir()))
    ['partnership/cctv_from_withheld_withheld.csv'] True
    ['cctv_from_withheld_withheld.csv']
    """
    root = Path(data_dir).resolve()
    flagged = _flagged(root)
    if not flagged:
        return PublishableInputs(root)
    base = Path(tempfile.mkdtemp(prefix="scpb-inputs-"))
    mirror = base / root.name
    shown: dict[Path, Path] = {}
    try:
        _mirror(root, mirror, flagged, shown)
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    withheld = sorted((Withheld(dest.relative_to(mirror).as_posix(), _kinds(original.name))
                       for original, dest in shown.items()), key=lambda w: w.shown)
    return PublishableInputs(mirror, withheld, base)
