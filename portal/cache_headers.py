"""Cache-Control of static files, for WhiteNoise (settings.WHITENOISE_ADD_HEADERS_FUNCTION).

WhiteNoise marks a file immutable when its name carries the hash collectstatic's manifest gave
it (portal.staticfiles), for ten years; a year here, the longest lifetime HTTP caching advises.
A hashed name changes whenever the content does, so a browser keeps the file a year without
asking again and a new release is fetched at once under its new name. Unhashed names keep
WhiteNoise's short max-age. (Imported by the settings: nothing of Django here.)
"""

ONE_YEAR = 365 * 24 * 60 * 60


def static_cache_headers(headers, path, url):
    if "immutable" in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = f"max-age={ONE_YEAR}, public, immutable"
