"""caseplan tests (a package, so `tests.support` never resolves to another distribution's `tests`)."""
