"""caseplan's discrete-event model of a social-work service (simpy)."""
