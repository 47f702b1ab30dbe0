"""openimr: California workers' compensation Independent Medical Review, as open source."""

__version__ = "0.1.0"
