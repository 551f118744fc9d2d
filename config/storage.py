"""Static files as production serves them: hashed names, gzip beside each file."""

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's storage without brotli.

    whitenoise writes .br files whenever the brotli module can be imported. The
    runtime requirements do not install it, but the load-test tools pull it in,
    and at its top quality it costs over a minute of CPU per collectstatic: gzip
    alone keeps production, CI and a developer's machine serving the same files.
    """

    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(**{**kwargs, "use_brotli": False})
