"""caseplan: workload allocation and capacity planning for social-work teams."""

__version__ = "0.1.0"
