"""Progress bars for long calls: ``progress=True`` in the API draws one (rich; in Jupyter too).

A caller may instead pass any ``progress(done, total)`` callable, or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from councilsim.errors import InputError

__all__ = ["ProgressLike", "offset", "progress_reporter"]

ProgressLike = bool | Callable[[int, int], None] | None


class _Bar:
    """A rich progress bar, started at the first report and stopped when the call returns."""

    def __init__(self, label: str) -> None:
        self.label, self.bar, self.task = label, None, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from rich.progress import Progress  # rich renders in terminals and notebooks alike

            self.bar = Progress()
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@contextmanager
def progress_reporter(progress: ProgressLike, label: str) -> Iterator[Callable | None]:
    """Yield the ``progress(done, total)`` callable a computation should report to.

    ``True`` gives a progress bar labelled ``label``; ``False``/``None`` nothing; a callable is
    used as it is.
    """
    if progress is None or progress is False:
        yield None
    elif progress is True:
        bar = _Bar(label)
        try:
            yield bar
        finally:
            bar.close()
    elif callable(progress):
        yield progress
    else:
        raise InputError(f"progress must be True, False, None or a callable(done, total), "
                         f"got {progress!r}")


def offset(progress: Callable[[int, int], None] | None, index: int, count: int
           ) -> Callable[[int, int], None] | None:
    """Report part ``index`` of ``count`` equal parts as a share of the whole."""
    if progress is None:
        return None
    return lambda done, total: progress(index * total + done, count * total)
