"""Reader for published Generalised Assignment Problem instances in the OR-Library format.

The instances live outside the repository, in ``../shared/data/gap/`` next to the checkout (override with
the environment variable ``CASEPLAN_GAP_DATA``):

- ``cattrysse1994/gap{1..12}-{0..4}``: 60 small instances (5–10 agents, 15–60 jobs);
- ``chu1997/{a,b,c,d}{05,10,20}{100,200}``: 24 instances (5–20 agents, 100–200 jobs);
- ``yagiura2004/``: 33 large instances;
- ``data.csv``: per instance the proven optimum (empty when unproven) and the best known value.

File format (whitespace-separated numbers): ``m n``, the m×n cost matrix (row = agent), the m×n resource
matrix, then the m capacities. Every value in ``data.csv`` is for the **minimisation** form of these files
(the classic OR-Library gap1–gap12 were stated as maximisation; these are the converted files).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "GAP_DATA_ENV",
    "GapInstance",
    "best_known_values",
    "gap_data_dir",
    "instance_paths",
    "known_optima",
    "read_gap_instance",
]

GAP_DATA_ENV = "CASEPLAN_GAP_DATA"


def gap_data_dir() -> Path:
    """Directory of the GAP benchmark data.

    Returns
    -------
    pathlib.Path
        ``$CASEPLAN_GAP_DATA`` when set, else ``<checkout>/../shared/data/gap``. The directory may not
        exist; callers check.
    """
    override = os.environ.get(GAP_DATA_ENV)
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gap"


@dataclass(frozen=True, eq=False)
class GapInstance:
    """One GAP instance: ``cost`` and ``weight`` are agents × jobs, ``capacity`` has one entry per agent.

    Attributes
    ----------
    name : str
        ``"<dataset>/<file>"``, e.g. ``"cattrysse1994/gap1-0"``: the key used in ``data.csv``.
    cost : numpy.ndarray, shape (m, n)
    weight : numpy.ndarray, shape (m, n)
    capacity : numpy.ndarray, shape (m,)
    """

    name: str
    cost: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray

    @property
    def agents(self) -> int:
        """Number of agents ``m``."""
        return int(self.cost.shape[0])

    @property
    def jobs(self) -> int:
        """Number of jobs ``n``."""
        return int(self.cost.shape[1])


def _numbers(text: str, path: Path) -> np.ndarray:
    tokens = text.split()
    try:
        return np.array(tokens, dtype=np.int64)
    except ValueError:
        try:
            return np.array(tokens, dtype=float)
        except ValueError as exc:
            raise ValueError(f"{path}: not an OR-Library GAP file (non-numeric token): {exc}") from exc


def read_gap_instance(path: str | os.PathLike[str], name: str | None = None) -> GapInstance:
    """Read one instance in the OR-Library GAP format.

    Parameters
    ----------
    path : str or path-like
        The instance file.
    name : str, optional
        Instance name; default ``"<parent directory>/<file name>"``, which matches the ``Path`` column of
        ``data.csv`` for files in the shared data directory.

    Returns
    -------
    GapInstance
        Integer arrays when every value is an integer, float arrays otherwise.

    Raises
    ------
    ValueError
        If the file does not hold exactly ``2 + 2·m·n + m`` numbers with positive ``m`` and ``n``.
    """
    path = Path(path)
    values = _numbers(path.read_text(), path)
    if values.size < 2:
        raise ValueError(f"{path}: expected 'm n' at the start, found {values.size} number(s)")
    m, n = (int(v) for v in values[:2])
    if m <= 0 or n <= 0 or values[0] != m or values[1] != n:
        raise ValueError(
            f"{path}: agents and jobs must be positive integers, got {values[0]} and {values[1]}"
        )
    expected = 2 + 2 * m * n + m
    if values.size != expected:
        raise ValueError(
            f"{path}: {m} agents × {n} jobs needs {expected} numbers (m n, cost, weight, capacity), "
            f"found {values.size}"
        )
    body = values[2:]
    cost = body[: m * n].reshape(m, n)
    weight = body[m * n : 2 * m * n].reshape(m, n)
    capacity = body[2 * m * n :].copy()
    return GapInstance(name or f"{path.parent.name}/{path.name}", cost.copy(), weight.copy(), capacity)


def instance_paths(dataset: str, data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Instance files of one data set, in natural order (``gap1-0 … gap12-4``, ``a05100 … d20200``).

    Parameters
    ----------
    dataset : str
        Sub-directory, e.g. ``"cattrysse1994"`` or ``"chu1997"``.
    data_dir : str or path-like, optional
        Default :func:`gap_data_dir`.

    Returns
    -------
    list of pathlib.Path
        Empty when the directory does not exist.
    """
    directory = Path(data_dir) if data_dir is not None else gap_data_dir()
    directory = directory / dataset
    if not directory.is_dir():
        return []

    def natural(p: Path) -> list[int | str]:
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)]

    return sorted((p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")), key=natural)


def _reference_table(csv_path: str | os.PathLike[str] | None) -> pd.DataFrame:
    path = Path(csv_path) if csv_path is not None else gap_data_dir() / "data.csv"
    table = pd.read_csv(path)
    missing = {"Path", "Optimum", "Best known solution value"} - set(table.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    return table


def known_optima(csv_path: str | os.PathLike[str] | None = None) -> dict[str, float]:
    """Proven optima of the minimisation form, by instance name, from ``data.csv``.

    Parameters
    ----------
    csv_path : str or path-like, optional
        Default ``gap_data_dir() / "data.csv"``.

    Returns
    -------
    dict of str to float
        ``{"cattrysse1994/gap1-0": 261.0, ...}``; instances without a proven optimum are left out (see
        :func:`best_known_values`).
    """
    table = _reference_table(csv_path)
    proven = table.dropna(subset=["Optimum"])
    return {str(p): float(v) for p, v in zip(proven["Path"], proven["Optimum"])}


def best_known_values(csv_path: str | os.PathLike[str] | None = None) -> dict[str, float]:
    """Best known objective values (proven optimum or best published solution), by instance name.

    Parameters
    ----------
    csv_path : str or path-like, optional
        Default ``gap_data_dir() / "data.csv"``.

    Returns
    -------
    dict of str to float
    """
    table = _reference_table(csv_path).dropna(subset=["Best known solution value"])
    return {str(p): float(v) for p, v in zip(table["Path"], table["Best known solution value"])}
