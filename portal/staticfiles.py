"""Static files: content-hashed names, served for a year as immutable.

collectstatic (the Docker image runs it) writes every file under STATIC_ROOT twice, as
`js/dashboards.js` and `js/dashboards.<hash of its content>.js`, compressed (gzip, Brotli), with a
manifest; `{% static %}` then names the hashed file. A hashed name changes whenever the content
does, so WhiteNoise serves it with `Cache-Control: max-age=31536000, public, immutable`
(portal.cache_headers). Unhashed names keep WhiteNoise's short max-age.

Before collectstatic has run (development, the tests) WhiteNoise serves the source folders and
pages name the plain files: there is no manifest to hash against.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed names once collectstatic has written the manifest, plain names before."""

    def stored_name(self, name):
        if not self.hashed_files:  # no manifest: files are served from the source folders
            return name
        return super().stored_name(name)
