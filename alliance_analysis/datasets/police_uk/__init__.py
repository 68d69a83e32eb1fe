"""data.police.uk street-level archives -> tidy monthly crime counts.

data.police.uk publishes one CSV per force and month,
``YYYY-MM/YYYY-MM-<force-slug>-street.csv``, with the columns ``Crime ID, Month,
Reported by, Falls within, Longitude, Latitude, Location, LSOA code, LSOA name,
Crime type, Last outcome category, Context``. The monthly archive zip has the same
layout (sometimes under one top folder) and also carries ``-outcomes.csv`` and
``-stop-and-search.csv`` files, which are not street records and are ignored.

:func:`load_street_archive` streams the files one at a time with ``pyarrow.csv``,
reading only the columns it needs (``Crime ID``, ``Month``, ``Longitude``,
``Crime type`` and, when asked, ``LSOA code``) and aggregating each file before
the next one is opened, so memory is bounded by the largest single file, not by the
archive. The force comes from the file name slug (``west-mercia`` -> ``West Mercia``);
files of forces or months not asked for are skipped by name without being opened.

Rules applied to every street file (each has a test):

* **Empty months.** A header-only file contributes no rows; it is listed in
  ``df.attrs["empty_files"]`` and in :func:`archive_inventory` (status ``empty``),
  which also lists months with no file at all (status ``missing``).
* **Duplicate Crime IDs.** Each non-empty ``Crime ID`` is counted once per file,
  i.e. once per force and month. The repeats of an ID usually disagree on location or
  outcome and the file does not say which is current, so the row kept is the one with
  the smallest (crime type, LSOA code) text: a rule that does not depend on row order, so
  counts by type and by LSOA are the same however the rows are ordered. Anti-social
  behaviour rows have an empty ``Crime ID`` and are all kept. The number dropped is
  logged and stored in ``df.attrs["duplicates_dropped"]``.
* **The force in the rows.** ``Falls within`` and ``Reported by`` (when present and not
  blank) must name the force of the file name, else an error names the row.
* **File forms.** ``.csv.gz`` months are read (expanded size capped); header names padded
  with spaces and CR-only line ends are read; a header line over 64 KB is refused.
* **Partial supply gaps.** :func:`supply_gaps` flags runs of months far below the force's
  expected level (a feed that delivered only part of its records) and
  :func:`exclude_supply_gaps` keeps them out of a series (see :mod:`.gaps` for the rule).
* **Missing coordinates.** Rows without ``Longitude`` are kept (they still count);
  their number is in ``df.attrs["missing_coordinates"]``. Their ``LSOA code`` is
  usually empty too; with ``by_lsoa=True`` they appear with ``lsoa_code`` = ``<NA>``.
* **Month disagreement.** A file whose ``Month`` values differ from the month in its
  name or folder raises :class:`~alliance_analysis.errors.DataValidationError`
  naming the file, the first offending row and both months.
* **Unknown crime types** raise one ``DataValidationError`` listing every unknown
  type and the files it occurs in (pre-May-2013 types such as ``Violent crime`` are
  known, see :mod:`alliance_analysis.taxonomy`).
* **Unexpected file names.** Decision: a ``.csv`` file whose name is not
  ``YYYY-MM-<force-slug>-(street|outcomes|stop-and-search).csv`` *raises* (naming it)
  rather than being skipped, because a renamed or browser-duplicated street file
  (``...-street (1).csv``) silently skipped would silently lose or double crimes.
  Non-CSV files (READMEs, ``.DS_Store``) are ignored. Two files for the same force
  and month also raise.
* **Required columns** are checked per file from its header; the error names the
  file and every missing column.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> (root / "2020-01").mkdir()
>>> _ = (root / "2020-01" / "2020-01-dorset-street.csv").write_text(
...     "Crime ID,Month,Longitude,Crime type\\n"
...     "a1,2020-01,-2.1,Burglary\\n"
...     "a1,2020-01,-2.1,Burglary\\n"
...     ",2020-01,,Anti-social behaviour\\n")
>>> df = load_street_archive(root)
>>> df[["force", "crime_type", "count"]].values.tolist()
[['Dorset', 'Anti-social behaviour', 1], ['Dorset', 'Burglary', 1]]
>>> df.attrs["duplicates_dropped"], df.attrs["missing_coordinates"]
(1, 1)
"""

from __future__ import annotations

from alliance_analysis.datasets.police_uk.gaps import exclude_supply_gaps, supply_gaps
from alliance_analysis.datasets.police_uk.inventory import archive_inventory
from alliance_analysis.datasets.police_uk.load import load_street_archive
from alliance_analysis.datasets.police_uk.names import STREET_COLUMNS, parse_archive_name
from alliance_analysis.datasets.police_uk.source import MAX_MEMBER_BYTES, MAX_RATIO  # noqa: F401 (module attributes, as before)

__all__ = ["load_street_archive", "archive_inventory", "parse_archive_name", "STREET_COLUMNS", "supply_gaps",
           "exclude_supply_gaps"]
